"""The companies list's search (django-filter)."""

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.filters import SEARCH_MAX, OwnedFilterSet
from accounts.models import User
from applications.models import Company
from review import selectors


class CompanyFilter(OwnedFilterSet):
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", label=_("Search"), max_length=SEARCH_MAX
    )

    class Meta:
        model = Company
        fields: list[str] = []

    def __init__(self, data: Any = None, *, user: User, **kwargs: Any) -> None:
        super().__init__(data, queryset=selectors.company_list(user), **kwargs)

    @property
    def search(self) -> str:
        """The search as applied (blank when it was refused, e.g. a NUL byte)."""
        self.form.is_valid()
        return (getattr(self.form, "cleaned_data", {}).get("q") or "").strip()
