"""Forms of the applications pages: they validate and normalise; services write.

Every id a form accepts (company, application, contact) is checked against the
user's own rows by a ModelChoiceField with a for_user queryset: another user's
id is a field error, never a lookup.
"""

import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.pickers import SearchSelect
from accounts.text import squash_spaces
from accounts.timezones import user_today
from accounts.validators import validate_user_date
from applications.models import Application, Company, Stage
from applications.services import ApplicationDetails

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXT_MAX = 100_000  # a long letter with its quoted thread fits; a pasted book does not


def long_text(label: "str | StrPromise", rows: int = 4, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


def company_picker() -> SearchSelect:
    """A company picker that renders only the chosen one: an account can hold
    tens of thousands of companies."""
    return SearchSelect(
        search_url=reverse_lazy("applications:company_options"),
        placeholder=_("Search your companies"),
    )


class CompanyChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("empty_label", _("A new company (type it below)"))
        kwargs.setdefault("widget", company_picker())
        super().__init__(queryset=Company.objects.none(), **kwargs)


class ApplicationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Application) -> str:
        return f"{obj.role} ({obj.get_current_stage_display()})"


class PickOrTypeCompanyMixin(forms.BaseForm):
    """A company picked from the user's own, or a new name typed."""

    def _setup_company(self, user: User) -> None:
        model_choice(self, "company").queryset = self._companies = Company.objects.for_user(user)

    @cached_property
    def show_company_picker(self) -> bool:
        """Any company to pick? Asked to show the form, not to save it (the picker validates)."""
        if shown := self._companies.exists():
            return shown
        # Nothing to pick yet: the typed name is the whole question (a bound copy too).
        bound: dict[str, Any] = getattr(self, "_bound_fields_cache", {})
        for field in filter(None, (self.fields["company_name"], bound.get("company_name"))):
            field.label = _("Company")
        return shown

    def _clean_company(self, cleaned: dict[str, Any]) -> Company | None:
        company = cleaned.get("company")
        name = squash_spaces(cleaned.get("company_name") or "")
        cleaned["company_name"] = name
        if company is None and not name and "company" not in self.errors:
            field = "company_name"
            self.add_error(field, _("Pick a company or type its name."))
        return company


def model_choice(form: forms.BaseForm, name: str) -> "forms.ModelChoiceField[Any]":
    """A form's ModelChoiceField, to scope its queryset to the user."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


class StageStep(TypedDict):
    """A step of the history, as the services take it."""

    stage: Stage
    occurred_on: datetime.date
    scheduled_at: datetime.datetime | None
    note: str


class ApplicationForm(PickOrTypeCompanyMixin, forms.ModelForm):
    company = CompanyChoiceField(label=_("Company"))
    company_name = forms.CharField(label=_("Or a new company"), max_length=200, required=False)
    stage = forms.TypedChoiceField(
        label=_("Stage"), choices=Stage.choices, coerce=int, initial=Stage.APPLIED
    )
    job_url = forms.URLField(
        label=_("Job posting URL"), max_length=1000, required=False, assume_scheme="https"
    )
    job_description = long_text(_("Job description"), rows=6)
    notes = long_text(_("Notes"))

    class Meta:
        model = Application
        fields = [
            "role",
            "job_url",
            "source",
            "location",
            "applied_on",
            "salary_min",
            "salary_max",
            "salary_currency",
            "job_description",
            "notes",
        ]
        widgets = {"applied_on": DATE_WIDGET}
        help_texts = {"salary_currency": _("Three letters, e.g. EUR.")}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self._setup_company(user)
        if self.instance.pk:
            # The stage moves through the history (detail page), not here.
            del self.fields["stage"]
            if self.show_company_picker:
                self.initial.setdefault("company", self.instance.company_id)
        order = ["company", "company_name", "role", "stage"]
        self.order_fields([f for f in order if f in self.fields])

    def clean_salary_currency(self) -> str:
        return (self.cleaned_data.get("salary_currency") or "").strip().upper()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        self._clean_company(cleaned)
        low, high = cleaned.get("salary_min"), cleaned.get("salary_max")
        if low is not None and high is not None and low > high:
            self.add_error("salary_max", _("The upper bound is below the lower one."))
        return cleaned

    def service_fields(self) -> ApplicationDetails:
        # Meta.fields are the details' keys, one for one (a test holds them equal).
        return cast(
            ApplicationDetails, {name: self.cleaned_data[name] for name in self.Meta.fields}
        )


class StageEventForm(forms.Form):
    """A move of the current stage, or the correction of a recorded one."""

    stage = forms.TypedChoiceField(label=_("Stage"), choices=Stage.choices, coerce=int)
    occurred_on = forms.DateField(
        label=_("Date"), widget=DATE_WIDGET, validators=[validate_user_date]
    )
    scheduled_at = forms.DateTimeField(
        label=_("Interview time"),
        required=False,
        widget=DATETIME_WIDGET,
        help_text=_("Optional, in your time zone."),
        validators=[validate_user_date],
    )
    note = long_text(_("Note"), rows=2)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_on"].initial = user_today(user)

    def service_fields(self) -> StageStep:
        data = self.cleaned_data
        return StageStep(
            stage=Stage(data["stage"]),
            occurred_on=data["occurred_on"],
            scheduled_at=data["scheduled_at"],
            note=data["note"],
        )


class BoardMoveForm(forms.Form):
    stage = forms.TypedChoiceField(label=_("Move to"), choices=Stage.choices, coerce=int)
