"""Choice labels for the rows of a long page, translated once per page.

`{{ row.get_stage_display }}` builds the field's choices into a dict and
translates the label for every row it is called on; a page of rows reads the
labels from one dict instead."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Choices


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
