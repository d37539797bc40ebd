"""What every app's list filters share (django-filter)."""

from typing import Any

import django_filters
from django.db.models import QuerySet

SEARCH_MAX = 200  # characters in a list's search box


class OwnedFilterSet(django_filters.FilterSet):
    """A FilterSet over one user's rows. A bad value (an unknown stage, another
    user's company, a date that is not one) is reported beside its field and
    that filter alone is ignored: the valid ones still apply."""

    def __init__(self, data: Any = None, *, queryset: QuerySet, **kwargs: Any) -> None:
        super().__init__(data or None, queryset=queryset, **kwargs)

    @property
    def active(self) -> bool:
        """Whether any valid filter narrows the list."""
        if not self.is_bound:
            return False
        self.form.is_valid()
        return any(
            value not in (None, "")
            for name, value in getattr(self.form, "cleaned_data", {}).items()
            if name not in self.form.errors
        )
