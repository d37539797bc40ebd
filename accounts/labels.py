"""Choice labels and dates for the rows of a long page, looked up once per page.

`{{ row.get_stage_display }}` builds the field's choices into a dict and
translates the label for every row it is called on; a page of rows reads the
labels from one dict instead."""

import datetime
import functools
from collections.abc import Iterable
from typing import Any

from django.db.models import Choices
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.translation import get_language


def label_rows(rows: Iterable[Any], **fields: type[Choices]) -> None:
    """Set `<field>_label` on each row: the label its value has in `fields[field]`."""
    labels = {
        name: {value: str(label) for value, label in choices.choices}
        for name, choices in fields.items()
    }
    for row in rows:
        for name, by_value in labels.items():
            value = getattr(row, name)
            setattr(row, f"{name}_label", by_value.get(value, value))


@functools.lru_cache(maxsize=8192)
def _day_text(day: datetime.date, fmt: str, language: str | None) -> str:
    return dateformat.format(day, fmt)


def day_text(day: datetime.date, fmt: str) -> str:
    """`dateformat.format(day, fmt)`, written once a process for each day,
    format and language: a board's 150 cards carry 150 different days, the
    same ones at every visit, and formatting them was a tenth of its CPU.
    A datetime is formatted every time: moments hardly repeat, and they
    would crowd the days out of the cache."""
    if type(day) is not datetime.date:
        return dateformat.format(day, fmt)
    return _day_text(day, fmt, get_language())


@functools.lru_cache(maxsize=4096)
def _moment_text(
    wall: datetime.datetime, fold: int, zone: datetime.tzinfo | None, fmt: str, language: str | None
) -> str:
    return dateformat.format(wall.replace(tzinfo=zone, fold=fold), fmt)


def moment_text(value: datetime.datetime | None, fmt: str) -> str:
    """What `{{ value|date:fmt }}` writes of a moment: in the current time zone.

    Written once a process for each wall time, fold, zone, format and
    language: the Reminders page shows the same cards' due and sent times at
    every visit, and formatting its 55 moments was a tenth of its CPU. The
    key is the wall time, not the moment: an aware datetime compares by its
    instant, the same in every zone, and the text is the zone's."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    wall = value.replace(tzinfo=None)
    return _moment_text(wall, value.fold, value.tzinfo, fmt, get_language())


def date_rows(rows: Iterable[Any], **fields: str) -> None:
    """Set `<field>_text` on each row: its date in the named format given
    (`applied_on="DATE_FORMAT"`), the format looked up once, not per row as
    the `date` filter does."""
    formats = {name: get_format(format_name) for name, format_name in fields.items()}
    for row in rows:
        for name, date_format in formats.items():
            value = getattr(row, name)
            setattr(row, f"{name}_text", day_text(value, date_format) if value else "")
