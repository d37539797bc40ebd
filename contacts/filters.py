"""The contacts list's search and filters (django-filter)."""

import datetime
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.filters import SEARCH_MAX, OwnedFilterSet
from accounts.models import User
from accounts.timezones import user_today
from applications.forms import company_picker
from applications.models import Company
from contacts.models import Contact, ContactRole

STALE_AFTER_DAYS = 90
CONTACTED_CHOICES = [
    ("30", _("In the last 30 days")),
    ("90", _("In the last 90 days")),
    ("stale", _("More than 90 days ago")),
    ("never", _("Never")),
]


class ContactFilter(OwnedFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=SEARCH_MAX)
    # The picker renders only the chosen company; the queryset only validates it.
    company = django_filters.ModelChoiceFilter(
        label=_("Company"),
        queryset=Company.objects.none(),
        empty_label=_("Any"),
        widget=company_picker(),
    )
    role = django_filters.ChoiceFilter(
        label=_("Role in the process"), choices=ContactRole.choices, empty_label=_("Any")
    )
    contacted = django_filters.ChoiceFilter(
        label=_("Last contacted"),
        choices=CONTACTED_CHOICES,
        empty_label=_("Any time"),
        method="last_contacted",
    )

    class Meta:
        model = Contact
        fields: list[str] = []

    def __init__(self, data: Any = None, *, user: User, **kwargs: Any) -> None:
        # The order contact_list_idx (user, name, id) serves: a page reads a page.
        queryset = (
            Contact.objects.for_user(user)
            .with_last_contacted()
            .select_related("company")
            .order_by("name", "id")
        )
        super().__init__(data, queryset=queryset, **kwargs)
        self.filters["company"].queryset = Company.objects.for_user(user).only("id", "name")
        self.form.fields["company"].widget.attrs["class"] = "form-select form-select-sm"
        self.today = user_today(user)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(
            Q(name__icontains=value)
            | Q(email__icontains=value)
            | Q(title__icontains=value)
            | Q(company__name__icontains=value)
            | Q(notes__icontains=value)
        )

    def last_contacted(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """ "never", within the last 30 or 90 days, or "stale" (over 90 days ago)."""
        if value == "never":
            return queryset.filter(last_contacted_on__isnull=True)
        if value == "stale":
            since = self.today - datetime.timedelta(days=STALE_AFTER_DAYS)
            return queryset.filter(last_contacted_on__lt=since)
        since = self.today - datetime.timedelta(days=int(value))
        return queryset.filter(last_contacted_on__gte=since)
