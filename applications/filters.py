"""The applications list's search and filters (django-filter)."""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.filters import SEARCH_MAX, OwnedFilterSet
from accounts.models import User
from accounts.validators import validate_user_date
from applications.forms import DATE_WIDGET, company_picker
from applications.models import Application, Company, Outcome, Source, Stage

SEARCH_WORDS = 10  # more words than this in the box are ignored: each is a condition


class ApplicationFilter(OwnedFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=SEARCH_MAX)
    stage = django_filters.ChoiceFilter(
        field_name="current_stage",
        label=_("Stage"),
        choices=Stage.choices,
        empty_label=_("Any stage"),
    )
    outcome = django_filters.ChoiceFilter(
        label=_("Outcome"), choices=Outcome.choices, empty_label=_("Any outcome")
    )
    # The picker renders only the chosen company; the queryset only validates it.
    company = django_filters.ModelChoiceFilter(
        label=_("Company"),
        queryset=Company.objects.none(),
        empty_label=_("Any company"),
        widget=company_picker(),
    )
    source = django_filters.ChoiceFilter(
        label=_("Source"), choices=Source.choices, empty_label=_("Any source")
    )
    applied_from = django_filters.DateFilter(
        field_name="applied_on",
        lookup_expr="gte",
        label=_("Applied from"),
        widget=DATE_WIDGET,
        validators=[validate_user_date],
    )
    applied_to = django_filters.DateFilter(
        field_name="applied_on",
        lookup_expr="lte",
        label=_("Applied until"),
        widget=DATE_WIDGET,
        validators=[validate_user_date],
    )

    class Meta:
        model = Application
        fields: list[str] = []

    def __init__(self, data: Any = None, *, user: User, **kwargs: Any) -> None:
        # The order application_list_idx (user, applied_on DESC, created_at DESC,
        # id DESC) serves: a page is an index range, whatever the account holds.
        queryset = (
            Application.objects.for_user(user)
            .select_related("company")
            .order_by("-applied_on", "-created_at", "-id")
        )
        super().__init__(data, queryset=queryset, **kwargs)
        self.filters["company"].queryset = Company.objects.for_user(user).only("id", "name")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Every word must be in the role, the company, the location, the notes or
        the rejection letter: all of them are in Application.search_text (kept by
        the services), so on PostgreSQL one trigram index serves each word's
        `icontains` (migration 0008_search_text); on SQLite it is a plain LIKE."""
        for word in value.split()[:SEARCH_WORDS]:
            queryset = queryset.filter(search_text__icontains=word)
        return queryset
