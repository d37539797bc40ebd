"""The charts' repeated elements, written by review/templatetags/charts.py,
are what the template loops they replaced wrote (kept in chart_references/):
the same HTML up to the whitespace between tags, hostile labels escaped."""

import datetime
from pathlib import Path

import pytest
from django.template import engines

from review.stats import Week
from review.templatetags.charts import Bar, bar_chart, week_chart, week_table_rows

REFERENCES = Path(__file__).with_name("chart_references")
HOSTILE = "<b>R&D</b> \"quoted\" 'single'"


def _render(name: str, context: dict) -> str:
    template = engines["django"].from_string((REFERENCES / name).read_text())
    return template.render(context)


def _chart(template_name: str, context: dict) -> str:
    from django.template.loader import render_to_string

    return render_to_string(template_name, context)


def _words(html: str) -> str:
    return " ".join(html.split())


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
