"""Server-rendered SVG charts, styled by classes (the CSP forbids style="").

Bars are laid out in percentages of the chart's width and text in CSS pixels,
with no viewBox: the text keeps its size at phone width instead of shrinking
with the drawing. Every number is formatted here, as a string, so the
template's localisation never writes "45,5%" into an SVG attribute (and the
page does not pay the template's number formatting for each coordinate).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.formats import date_format, get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accounts.labels import day_text
from review.insights import applications_url
from review.stats import FunnelStep, Median, Row, SourceResult, Week

register = template.Library()

ROW_HEIGHT = 46  # a label line and its bar
BAR_HEIGHT = 16
LABEL_BASELINE = 16
BAR_TOP = 24

COLUMN_PLOT_TOP = 22
COLUMN_PLOT_HEIGHT = 130
COLUMN_CHART_HEIGHT = 180
# Slots narrower than this share of the width would make a lone column a wall.
COLUMN_MAX_WIDTH = 8.0
MAX_AXIS_LABELS = 4


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str


def _pct(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


@register.filter
def percent(value) -> str:
    """0.5 -> "50%"; None (no denominator) -> an en dash."""
    if value is None:
        return "\u2013"
    return f"{round(value * 100)}%"


@register.filter
def days(value) -> str:
    if value is None:
        return "\u2013"
    shown = f"{value:.1f}".removesuffix(".0")
    return _("%(days)s days") % {"days": shown} if shown != "1" else _("1 day")


def _filter_params(filters) -> dict[str, str]:
    return {
        "applied_from": filters.applied_from.isoformat() if filters.applied_from else "",
        "applied_to": filters.applied_to.isoformat() if filters.applied_to else "",
        "source": filters.source,
        "q": filters.company,
    }


@register.simple_tag
def list_url(filters, **params) -> str:
    """The applications list showing what a row counts: the page's filters
    (the company's name as the search) plus `params`, e.g. outcome="rejected"."""
    query = {**_filter_params(filters), **params}
    return applications_url(**{k: v for k, v in query.items() if v not in (None, "")})


def _list_urls(filters) -> Callable[..., str]:
    """list_url for the rows of one table: the list's address reversed once."""
    base, page_filters = reverse("applications:list"), _filter_params(filters)

    def url(**params: str) -> str:
        query = {**page_filters, **params}
        return f"{base}?{urlencode({k: v for k, v in query.items() if v not in (None, '')})}"

    return url


# --- Turning figures into bars -------------------------------------------------------------


@register.simple_tag
def count_bars(rows) -> list[Bar]:
    """Rows with a label and a count (stats.Row)."""
    return [Bar(row.label, row.count, str(row.count)) for row in rows]


@register.simple_tag
def share_bars(rows) -> list[Bar]:
    """Rows with a label, a count and a share: "12 (40%)"."""
    return [Bar(row.label, row.count, f"{row.count} ({percent(row.share)})") for row in rows]


@register.simple_tag
def funnel_bars(steps) -> list[Bar]:
    bars = []
    for step in steps:
        if step.conversion is None:
            text = str(step.reached)
        else:
            text = _("%(count)d (%(pct)s went on)") % {
                "count": step.reached,
                "pct": percent(step.conversion),
            }
        bars.append(Bar(step.label, step.reached, text))
    return bars


@register.simple_tag
def median_bars(medians) -> list[Bar]:
    return [Bar(m.label, m.days or 0, days(m.days)) for m in medians]


@register.simple_tag
def source_bars(sources) -> list[Bar]:
    return [
        Bar(
            s.label,
            s.milestone_share,
            _("%(count)d of %(total)d (%(pct)s)")
            % {"count": s.milestone, "total": s.total, "pct": percent(s.milestone_share)},
        )
        for s in sources
    ]


# --- Drawing -----------------------------------------------------------------------------------


def _summary(description: str, bars: list[Bar]) -> str:
    values = "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    return f"{description} {values}." if values else description


@register.inclusion_tag("review/stats/_bar_chart.html")
def bar_chart(
    bars: list[Bar], chart_id: str, title: str, description: str, tone: str = "primary"
) -> dict[str, Any]:
    """Horizontal bars, one per row: the label and its value above each bar."""
    largest = max((bar.value for bar in bars), default=0)
    rows = []
    for i, bar in enumerate(bars):
        top = i * ROW_HEIGHT
        width = 100 * bar.value / largest if largest else 0
        rows.append(
            {
                "label": bar.label,
                "text": bar.text,
                "label_y": str(top + LABEL_BASELINE),
                "bar_y": str(top + BAR_TOP),
                "width": _pct(width),
            }
        )
    return {
        "id": chart_id,
        "title": title,
        "description": _summary(description, bars),
        "rows": rows,
        "rows_markup": _bar_rows_markup(rows, tone),
        "height": str(max(len(bars) * ROW_HEIGHT, ROW_HEIGHT)),
        "bar_height": str(BAR_HEIGHT),
        "tone": tone,
    }


# The charts' repeated elements are written here in one pass, escaped as
# `{{ }}` escapes (tests/review/test_chart_markup.py compares them with the
# template loops they replaced): a stats page held some 90 weeks and 40 bars,
# and their template variables were a third of its CPU.


def _bar_rows_markup(rows: list[dict[str, str]], tone: str) -> SafeString:
    tone, height = escape(tone), BAR_HEIGHT
    return mark_safe(  # noqa: S308 (every value is escaped or a number's text)
        "".join(
            f'<text class="chart-label" x="0" y="{escape(row["label_y"])}">'
            f"{escape(row['label'])}</text>\n"
            f'<text class="chart-value" x="100%" y="{escape(row["label_y"])}" '
            f'text-anchor="end">{escape(row["text"])}</text>\n'
            f'<rect class="chart-track" x="0" y="{escape(row["bar_y"])}" width="100%" '
            f'height="{height}" rx="3"></rect>\n'
            f'<rect class="chart-bar chart-bar-{tone}" x="0" y="{escape(row["bar_y"])}" '
            f'width="{escape(row["width"])}%" height="{height}" rx="3"></rect>\n'
            for row in rows
        )
    )


def _columns_markup(columns: list[dict[str, str]], width: str) -> SafeString:
    width = escape(width)
    return mark_safe(  # noqa: S308 (every value is escaped or a number's text)
        "".join(
            f'<rect class="chart-bar chart-bar-primary" x="{escape(column["x"])}%" '
            f'y="{escape(column["y"])}" width="{width}%" height="{escape(column["height"])}">'
            "</rect>\n"
            for column in columns
        )
    )


def _axis_markup(axis: list[dict[str, str]], axis_y: str) -> SafeString:
    axis_y = escape(axis_y)
    return mark_safe(  # noqa: S308 (every value is escaped or a number's text)
        "".join(
            f'<text class="chart-axis" x="{escape(tick["x"])}%" y="{axis_y}" '
            f'text-anchor="{escape(tick["anchor"])}">{escape(tick["label"])}</text>\n'
            for tick in axis
        )
    )


@register.inclusion_tag("review/stats/_column_chart.html")
def week_chart(weeks: list[Week], chart_id: str, title: str, description: str) -> dict[str, Any]:
    """One column per week; labels under the first, the last and a few between."""
    n = len(weeks)
    largest = max((w.count for w in weeks), default=0)
    slot = 100 / n if n else 100
    width = min(slot * 0.7, COLUMN_MAX_WIDTH)
    bottom = COLUMN_PLOT_TOP + COLUMN_PLOT_HEIGHT
    columns = []
    for i, week in enumerate(weeks):
        height = COLUMN_PLOT_HEIGHT * week.count / largest if largest else 0
        columns.append(
            {
                "x": _pct(i * slot + (slot - width) / 2),
                "y": _pct(bottom - height),
                "height": _pct(height),
                "count": str(week.count),
            }
        )
    step = max(1, math.ceil(n / MAX_AXIS_LABELS))
    labelled = sorted({*range(0, n, step), n - 1}) if n else []
    if len(labelled) > 1 and labelled[-1] - labelled[-2] < step:
        labelled.pop(-2)  # keep the last label clear of its neighbour
    axis = []
    for i in labelled:
        if n == 1:
            anchor, x = "middle", 50
        elif i == 0:
            anchor, x = "start", 0
        elif i == n - 1:
            anchor, x = "end", 100
        else:
            anchor, x = "middle", (i + 0.5) * slot
        axis.append(
            {
                "x": _pct(x),
                "anchor": anchor,
                "label": date_format(weeks[i].start, "MONTH_DAY_FORMAT"),
            }
        )
    busiest = max(weeks, key=lambda w: w.count) if weeks else None
    summary = description
    if busiest is not None:
        summary += " " + _(
            "%(weeks)d weeks from %(first)s to %(last)s; %(total)d applications; "
            "the busiest week, starting %(busiest)s, had %(most)d."
        ) % {
            "weeks": n,
            "first": date_format(weeks[0].start, "DATE_FORMAT"),
            "last": date_format(weeks[-1].start, "DATE_FORMAT"),
            "total": sum(w.count for w in weeks),
            "busiest": date_format(busiest.start, "DATE_FORMAT"),
            "most": busiest.count,
        }
    return {
        "id": chart_id,
        "title": title,
        "description": summary,
        "columns": columns,
        "columns_markup": _columns_markup(columns, _pct(width)),
        "column_width": _pct(width),
        "axis": axis,
        "axis_markup": _axis_markup(axis, str(bottom + 20)),
        "largest": str(largest),
        "top_y": str(COLUMN_PLOT_TOP),
        "top_label_y": str(COLUMN_PLOT_TOP - 6),
        "bottom_y": str(bottom),
        "axis_y": str(bottom + 20),
        "height": str(COLUMN_CHART_HEIGHT),
    }


@register.simple_tag
def week_rows(weeks: list[Week]) -> list[tuple[str, str]]:
    """The week table's rows, (the Monday, the count) as text: the date format
    looked up once, not per row as the `date` filter does."""
    day_format = get_format("DATE_FORMAT")
    return [(day_text(week.start, day_format), str(week.count)) for week in weeks]


@register.simple_tag
def week_table_rows(weeks: list[Week]) -> SafeString:
    """The week table's `<tr>`s in one pass (the loop over week_rows it replaced
    is tests/review/chart_references/week_rows.html)."""
    return mark_safe(  # noqa: S308 (both values are escaped)
        "".join(
            f'<tr><th scope="row">{escape(start)}</th>'
            f'<td class="text-end">{escape(count)}</td></tr>\n'
            for start, count in week_rows(weeks)
        )
    )


# The "Show the numbers" tables, a `<tr>` a row in one pass; the loops they
# replaced are in tests/review/chart_references/ (figure_rows.html and its
# siblings), and the cells are what `{{ }}` wrote: escaped text, plain integers.


def _row(label: str, url: str | None, *cells: object) -> str:
    """`<tr>`: the label (linked to `url` if any) heads the row, the cells follow."""
    head = f'<a href="{escape(url)}">{escape(label)}</a>' if url else escape(label)
    tds = "".join(f'<td class="text-end">{escape(str(cell))}</td>' for cell in cells)
    return f'<tr><th scope="row">{head}</th>{tds}</tr>\n'


@register.simple_tag
def figure_rows(rows: list[Row], filters=None, link: str = "") -> SafeString:
    """A label, a count and a share a row; with `link` ("outcome" or
    "rejected_at"), a row that counts something links to those applications."""
    url = _list_urls(filters) if link in ("outcome", "rejected_at") else None

    def address(row: Row) -> str | None:
        if url is None or not row.count:
            return None
        if link == "outcome":
            return url(outcome=row.key)
        return url(outcome="rejected", stage=row.key)

    return mark_safe(  # noqa: S308 (every value is escaped)
        "".join(_row(row.label, address(row), row.count, percent(row.share)) for row in rows)
    )


@register.simple_tag
def funnel_rows(steps: list[FunnelStep]) -> SafeString:
    return mark_safe(  # noqa: S308 (every value is escaped)
        "".join(
            _row(s.label, None, s.reached, s.stopped, percent(s.conversion), s.open_here)
            for s in steps
        )
    )


@register.simple_tag
def median_rows(medians: list[Median]) -> SafeString:
    return mark_safe(  # noqa: S308 (every value is escaped)
        "".join(_row(m.label, None, days(m.days), m.count) for m in medians)
    )


@register.simple_tag
def source_rows(sources: list[SourceResult], filters) -> SafeString:
    """A source a row, its name linking to its applications ("none" has no link)."""
    url = _list_urls(filters)
    return mark_safe(  # noqa: S308 (every value is escaped)
        "".join(
            _row(
                s.label,
                url(source=s.key) if s.key != "none" else None,
                *(s.total, s.screen, s.milestone, s.final_round),
                *(s.offers, s.rejected, s.ghosted, s.open),
            )
            for s in sources
        )
    )
