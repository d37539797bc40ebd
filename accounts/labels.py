"""Choice labels and dates for the rows of a long page, looked up once per page.

`{{ row.get_stage_display }}` builds the field's choices into a dict and
translates the label for every row it is called on; a page of rows reads the
labels from one dict instead."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Choices
from django.utils import dateformat
from django.utils.formats import get_format


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


def date_rows(rows: Iterable[Any], **fields: str) -> None:
    """Set `<field>_text` on each row: its date in the named format given
    (`applied_on="DATE_FORMAT"`), the format looked up once, not per row as
    the `date` filter does."""
    formats = {name: get_format(format_name) for name, format_name in fields.items()}
    for row in rows:
        for name, date_format in formats.items():
            value = getattr(row, name)
            setattr(row, f"{name}_text", dateformat.format(value, date_format) if value else "")
