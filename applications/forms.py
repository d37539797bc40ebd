"""Forms of the applications pages: they validate and normalise; services write.

Every id a form accepts (company, application, contact) is checked against the
user's own rows by a ModelChoiceField with a for_user queryset: another user's
id is a field error, never a lookup.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts.pickers import SearchSelect
from accounts.timezones import user_today
from applications.models import Application, Company, Outcome, Source, Stage

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
INTERVIEW_YEARS = (1900, 2999)
TEXT_MAX = 100_000  # a long letter with its quoted thread fits; a pasted book does not


def long_text(label, rows=4, **kwargs):
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
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("empty_label", _("A new company (type it below)"))
        kwargs.setdefault("widget", company_picker())
        super().__init__(queryset=Company.objects.none(), **kwargs)


class ApplicationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.role} ({obj.get_current_stage_display()})"


class PickOrTypeCompanyMixin:
    """A company picked from the user's own, or a new name typed."""

    def _setup_company(self, user):
        companies = Company.objects.for_user(user)
        self.fields["company"].queryset = companies
        # Nothing to pick from yet: the typed name is the whole question. The
        # picker still validates, so a posted id of someone else's is an error.
        self.show_company_picker = companies.exists()
        if not self.show_company_picker:
            self.fields["company_name"].label = _("Company")

    def _clean_company(self, cleaned):
        company = cleaned.get("company")
        name = " ".join((cleaned.get("company_name") or "").split())
        cleaned["company_name"] = name
        if company is None and not name and "company" not in self.errors:
            field = "company_name"
            self.add_error(field, _("Pick a company or type its name."))
        return company


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

    def __init__(self, *args, user, **kwargs):
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

    def clean_salary_currency(self):
        return (self.cleaned_data.get("salary_currency") or "").strip().upper()

    def clean(self):
        cleaned = super().clean()
        self._clean_company(cleaned)
        low, high = cleaned.get("salary_min"), cleaned.get("salary_max")
        if low is not None and high is not None and low > high:
            self.add_error("salary_max", _("The upper bound is below the lower one."))
        return cleaned

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class ApplicationFilterForm(forms.Form):
    """The list's search and filters, from the query string: bad values are
    reported beside the field and that filter is ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    stage = forms.TypedChoiceField(
        label=_("Stage"), choices=[("", _("Any stage")), *Stage.choices], coerce=int, required=False
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", _("Any outcome")), *Outcome.choices], required=False
    )
    company = forms.ModelChoiceField(
        label=_("Company"),
        queryset=Company.objects.none(),
        required=False,
        empty_label=_("Any company"),
        widget=company_picker(),
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", _("Any source")), *Source.choices], required=False
    )
    applied_from = forms.DateField(label=_("Applied from"), required=False, widget=DATE_WIDGET)
    applied_to = forms.DateField(label=_("Applied until"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = Company.objects.for_user(user).only("id", "name")

    def filters(self) -> dict:
        """The valid filters only (an invalid one shows its error and is ignored)."""
        self.is_valid()
        return {
            name: value
            for name, value in getattr(self, "cleaned_data", {}).items()
            if value not in (None, "") and name not in self.errors
        }


class StageEventForm(forms.Form):
    """A move of the current stage, or the correction of a recorded one."""

    stage = forms.TypedChoiceField(label=_("Stage"), choices=Stage.choices, coerce=int)
    occurred_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    scheduled_at = forms.DateTimeField(
        label=_("Interview time"),
        required=False,
        widget=DATETIME_WIDGET,
        help_text=_("Optional, in your time zone."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occurred_on"].initial = user_today(user)

    def clean_scheduled_at(self):
        # Near year 1 or 9999 the UTC value stored falls off Python's calendar,
        # and the application's page could no longer be read.
        value = self.cleaned_data.get("scheduled_at")
        if value is not None and not INTERVIEW_YEARS[0] <= value.year <= INTERVIEW_YEARS[1]:
            raise ValidationError(_("Check the year of the interview time."))
        return value


class BoardMoveForm(forms.Form):
    stage = forms.TypedChoiceField(label=_("Move to"), choices=Stage.choices, coerce=int)
