"""Forms of the review pages: companies (rename, merge) and stats (filters, search start)."""

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.text import squash_spaces
from accounts.validators import validate_user_date
from applications.forms import company_picker, model_choice
from applications.models import Company, Source
from review.stats import StatsFilters


class CompanyRenameForm(forms.Form):
    name = forms.CharField(label=_("New name"), max_length=200)

    def clean_name(self) -> str:
        name = squash_spaces(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Name the company."))
        return name


class CompanyMergeForm(forms.Form):
    duplicate = forms.ModelChoiceField(
        label=_("Duplicate to fold into this company"),
        queryset=Company.objects.none(),
        empty_label=_("Pick a company"),
        widget=company_picker(),
    )

    def __init__(self, *args: Any, user: User, company: Company, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Another user's id is simply not a valid choice: a field error, nothing saved.
        field = model_choice(self, "duplicate")
        field.queryset = Company.objects.for_user(user).exclude(pk=company.pk)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class StatsFilterForm(forms.Form):
    applied_from = forms.DateField(
        label=_("Applied from"), required=False, widget=DateInput(), validators=[validate_user_date]
    )
    applied_to = forms.DateField(
        label=_("Applied until"),
        required=False,
        widget=DateInput(),
        validators=[validate_user_date],
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("Any source")), *Source.choices]
    )
    company = forms.CharField(label=_("Company"), required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("applied_from"), cleaned.get("applied_to")
        if start and end and end < start:
            self.add_error("applied_to", _("The end of the range comes before its start."))
        return cleaned

    def filters(self) -> StatsFilters:
        """The filters that were valid; a field in error filters nothing."""
        if not self.is_bound:
            return StatsFilters()
        self.is_valid()
        data = self.cleaned_data
        return StatsFilters(
            applied_from=data.get("applied_from"),
            applied_to=data.get("applied_to"),
            source=data.get("source") or "",
            company=(data.get("company") or "").strip(),
        )


class SearchStartForm(forms.Form):
    search_started_on = forms.DateField(
        label=_("Search started on"),
        required=False,
        widget=DateInput(),
        validators=[validate_user_date],
    )

    def __init__(self, *args: Any, today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_search_started_on(self) -> datetime.date | None:
        day = self.cleaned_data["search_started_on"]
        if day and day > self.today:
            raise forms.ValidationError(_("The search cannot start in the future."))
        return day
