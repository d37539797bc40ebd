"""The charts' repeated elements, written by review/templatetags/charts.py,
are what the template loops they replaced wrote (kept in chart_references/):
the same HTML up to the whitespace between tags, hostile labels escaped."""

import datetime
import re
from pathlib import Path

import pytest
from django.template import engines

from applications.models import Stage
from review.stats import FunnelStep, Median, Row, SourceResult, StatsFilters, Week
from review.templatetags.charts import (
    Bar,
    bar_chart,
    figure_rows,
    funnel_rows,
    median_rows,
    source_rows,
    week_chart,
    week_table_rows,
)

REFERENCES = Path(__file__).with_name("chart_references")
HOSTILE = "<b>R&D</b> \"quoted\" 'single'"


def _render(name: str, context: dict) -> str:
    template = engines["django"].from_string((REFERENCES / name).read_text())
    return template.render(context)


def _chart(template_name: str, context: dict) -> str:
    from django.template.loader import render_to_string

    return render_to_string(template_name, context)


def _words(html: str) -> str:
    """The text with its runs of whitespace as one space, none between tags."""
    return re.sub(r">\s+<", "><", " ".join(html.split()))


@pytest.mark.parametrize("tone", ["primary", "danger", '"><script>'])
def test_bar_rows_match_the_loop_they_replaced(tone):
    bars = [Bar(HOSTILE, 3, "3 (50%)"), Bar("Screen", 1, "1"), Bar("Offer", 0, "0")]
    context = bar_chart(bars, "chart-x", HOSTILE, "Bars.", tone)
    written = _chart("review/stats/_bar_chart.html", context)
    assert _words(written) == _words(_render("bar_chart.html", context))
    assert written.count('class="chart-track"') == 3
    assert HOSTILE not in written
    assert "<script>" not in written


@pytest.mark.parametrize("count", [0, 1, 2, 9, 90])
def test_week_columns_and_axis_match_the_loop_they_replaced(count):
    start = datetime.date(2026, 1, 5)
    weeks = [Week(start + datetime.timedelta(weeks=i), (i * 7) % 5) for i in range(count)]
    context = week_chart(weeks, "chart-weeks", HOSTILE, "Weeks.")
    written = _chart("review/stats/_column_chart.html", context)
    assert _words(written) == _words(_render("column_chart.html", context))
    assert written.count("chart-bar-primary") == count


def test_week_table_rows_match_the_loop_they_replaced():
    weeks = [Week(datetime.date(2026, 3, 2), 1_234), Week(datetime.date(2026, 3, 9), 0)]
    written = str(week_table_rows(weeks))
    assert _words(written) == _words(_render("week_rows.html", {"weeks": weeks}))
    assert written.count("<tr>") == 2
    assert "2 Mar 2026" in written


FILTERS = StatsFilters(
    applied_from=datetime.date(2026, 1, 5), source="referral", company='R&D "Labs"'
)
ROWS = [
    Row("rejected", HOSTILE, 1_234, 0.456),
    Row("ghosted", "Ghosted", 0, 0.0),
    Row(HOSTILE, "Offer", 3, 1.0),
]


@pytest.mark.parametrize("link", ["", "outcome", "rejected_at"])
@pytest.mark.parametrize("filters", [FILTERS, StatsFilters()])
def test_figure_rows_match_the_loop_they_replaced(link, filters):
    written = str(figure_rows(ROWS, filters, link))
    expected = _render("figure_rows.html", {"rows": ROWS, "filters": filters, "link": link})
    assert _words(written) == _words(expected)
    assert written.count("<tr>") == 3
    # A row that counts nothing links nowhere; the others link when asked to.
    assert written.count("<a href=") == (2 if link else 0)
    assert HOSTILE not in written


def test_figure_rows_link_each_row_to_its_applications():
    written = str(figure_rows(ROWS, FILTERS, "rejected_at"))
    assert "outcome=rejected&amp;stage=rejected" in written
    assert "q=R%26D+%22Labs%22" in written
    assert "applied_from=2026-01-05" in written


def test_funnel_rows_match_the_loop_they_replaced():
    steps = [
        FunnelStep(Stage.APPLIED, HOSTILE, 2_000, 1_500, 40, 0.25),
        FunnelStep(Stage.OFFER, "Offer", 0, 0, 0, None),
    ]
    written = str(funnel_rows(steps))
    assert _words(written) == _words(_render("funnel_rows.html", {"steps": steps}))
    assert "\u2013" in written
    assert "25%" in written
    assert HOSTILE not in written


def test_median_rows_match_the_loop_they_replaced():
    medians = [Median("1", HOSTILE, 12.5, 1_234), Median("answer", "Answer", None, 0)]
    written = str(median_rows(medians))
    assert _words(written) == _words(_render("median_rows.html", {"medians": medians}))
    assert "12.5 days" in written
    assert HOSTILE not in written


@pytest.mark.parametrize("filters", [FILTERS, StatsFilters()])
def test_source_rows_match_the_loop_they_replaced(filters):
    sources = [
        SourceResult(HOSTILE, HOSTILE, 1_234, {Stage.SCREEN: 9, Stage.FINAL_ROUND: 2}, 1, 5, 6, 7),
        SourceResult("none", "No source", 3, {}, 0, 0, 0, 3),
    ]
    written = str(source_rows(sources, filters))
    expected = _render("source_rows.html", {"sources": sources, "filters": filters})
    assert _words(written) == _words(expected)
    assert written.count("<a href=") == 1
    assert HOSTILE not in written
