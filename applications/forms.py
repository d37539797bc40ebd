"""Forms of the applications pages: they validate and normalise; services write.

Every id a form accepts (company, application, contact) is checked against the
user's own rows by a ModelChoiceField with a for_user queryset: another user's
id is a field error, never a lookup.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.forms import IdsField
from applications.attachments import read_letter_file
from applications.models import Application, Channel, Company, Outcome, Source, Stage
from applications.services import user_today
from contacts.models import Contact, ContactRole
from reminders.models import COOLING_OFF_MAX, COOLING_OFF_MIN

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXT_MAX = 100_000  # a long letter with its quoted thread fits; a pasted book does not


def _long_text(label, rows=4, **kwargs):
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class CompanyChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("empty_label", _("A new company (type it below)"))
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
    job_description = _long_text(_("Job description"), rows=6)
    notes = _long_text(_("Notes"))

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
        if value is not None and not 1900 <= value.year <= 2999:
            raise ValidationError(_("Check the year of the interview time."))
        return value


class NewContactForm(forms.Form):
    """One person met, added inline on the log-rejection form."""

    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    role = forms.ChoiceField(
        label=_("Role in the process"), choices=ContactRole.choices, initial=ContactRole.OTHER
    )
    email = forms.EmailField(label=_("Email"), required=False)

    def clean(self):
        cleaned = super().clean()
        name = " ".join((cleaned.get("name") or "").split())
        cleaned["name"] = name
        if not name and cleaned.get("email"):
            self.add_error("name", _("Name this person, or clear the row."))
        return cleaned


NewContactFormSet = forms.formset_factory(
    NewContactForm, extra=1, max_num=20, absolute_max=20, validate_max=True
)


def new_contacts_from(formset):
    from applications.services import NewContact

    return [
        NewContact(
            name=f.cleaned_data["name"], role=f.cleaned_data["role"], email=f.cleaned_data["email"]
        )
        for f in formset.forms
        if f.has_changed() and f.cleaned_data.get("name")
    ]


class ContactChoiceField(IdsField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_role_display()})"


class RejectionFieldsMixin(forms.Form):
    """What a rejection says, shared by logging and editing."""

    received_on = forms.DateField(
        label=_("Date received"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Leave it for today."),
    )
    channel = forms.ChoiceField(
        label=_("How it came"), choices=Channel.choices, initial=Channel.EMAIL, required=False
    )
    letter_text = _long_text(
        _("The letter"), rows=5, help_text=_("Paste it, or attach the file below.")
    )
    letter_file = forms.FileField(
        label=_("Or the letter as a file"),
        required=False,
        help_text=_("A PDF or an email file (.eml), at most 5 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.eml,application/pdf,message/rfc822"}
        ),
    )
    feedback = _long_text(_("Feedback they gave"), rows=2)
    invited_to_reapply = forms.BooleanField(
        label=_("They invited me to apply again"), required=False
    )
    cooling_off_days = forms.IntegerField(
        label=_("Circle back after (days)"),
        required=False,
        min_value=COOLING_OFF_MIN,
        max_value=COOLING_OFF_MAX,
    )

    def _setup_dates(self, user):
        self.user = user
        self.fields["received_on"].initial = user_today(user)
        self.fields["cooling_off_days"].help_text = _(
            "Between 1 and 365. Leave empty for your usual period."
        )

    def clean_letter_file(self):
        uploaded = self.cleaned_data.get("letter_file")
        if not uploaded:
            return None
        return read_letter_file(uploaded)

    def clean_channel(self):
        return self.cleaned_data.get("channel") or Channel.EMAIL

    def clean_received_on(self):
        value = self.cleaned_data.get("received_on") or user_today(self.user)
        if value > user_today(self.user):
            raise ValidationError(_("That date is in the future."))
        return value


class RejectionLogForm(PickOrTypeCompanyMixin, RejectionFieldsMixin):
    company = CompanyChoiceField(label=_("Company"))
    company_name = forms.CharField(label=_("Or a new company"), max_length=200, required=False)
    application = ApplicationChoiceField(
        label=_("Role"),
        queryset=Application.objects.none(),
        required=False,
        empty_label=_("A new role (type it below)"),
    )
    role = forms.CharField(label=_("Or a new role"), max_length=200, required=False)
    stage_reached = forms.TypedChoiceField(
        label=_("How far it got"),
        choices=[("", _("Pick the last stage you reached")), *Stage.choices],
        coerce=int,
        error_messages={"required": _("Pick the last stage you reached.")},
    )
    contacts = ContactChoiceField(
        label=_("Already in your contacts"), queryset=Contact.objects.none(), required=False
    )

    field_order = [
        "company",
        "company_name",
        "application",
        "role",
        "stage_reached",
        "received_on",
        "channel",
        "letter_text",
        "letter_file",
        "feedback",
        "invited_to_reapply",
        "cooling_off_days",
        "contacts",
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_company(user)
        self._setup_dates(user)
        self.picked_company = self._picked_company(user)
        if self.show_company_picker:
            # Picking a company swaps in its open applications and its people.
            self.fields["company"].widget.attrs.update(
                {
                    "hx-get": reverse("applications:log_rejection_pickers"),
                    "hx-trigger": "change",
                    "hx-target": "#role-picker",
                    "hx-swap": "outerHTML",
                }
            )
        # The pickers always validate, even when hidden: an id that is not one
        # of this company's (or of a new company's none) is a field error.
        if self.picked_company is None:
            open_here = Application.objects.none()
            people = Contact.objects.none()
        else:
            open_here = (
                Application.objects.for_user(user).open().filter(company=self.picked_company)
            )
            people = Contact.objects.for_user(user).filter(company=self.picked_company)
        self.fields["application"].queryset = open_here
        self.fields["contacts"].queryset = people
        self.show_application_picker = self.picked_company is not None
        self.show_contact_picker = self.picked_company is not None and people.exists()
        if not self.show_application_picker:
            self.fields["role"].label = _("Role")

    def _picked_company(self, user) -> Company | None:
        if not self.show_company_picker:
            return None
        raw = self.data.get(self.add_prefix("company")) if self.is_bound else None
        if raw is None:
            raw = self.initial.get("company")
        if isinstance(raw, Company):
            raw = raw.pk
        try:
            return Company.objects.for_user(user).get(pk=int(raw))
        except (TypeError, ValueError, Company.DoesNotExist):
            return None

    def clean(self):
        cleaned = super().clean()
        application = cleaned.get("application")
        if application is None:
            self._clean_company(cleaned)
            cleaned["role"] = " ".join((cleaned.get("role") or "").split())
            if not cleaned["role"] and "application" not in self.errors:
                message = (
                    _("Pick the application or type the role.")
                    if self.show_application_picker
                    else _("Type the role.")
                )
                self.add_error("role", message)
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "stage_reached": Stage(data["stage_reached"]),
            "received_on": data["received_on"],
            "channel": Channel(data["channel"]),
            "letter_text": data["letter_text"],
            "letter_file": data.get("letter_file"),
            "feedback": data["feedback"],
            "invited_to_reapply": data["invited_to_reapply"],
            "cooling_off_days": data.get("cooling_off_days"),
            "contacts": list(data.get("contacts") or ()),
        }
        if data.get("application") is not None:
            kwargs["application"] = data["application"]
        else:
            company = data.get("company")
            kwargs["company_name"] = company.name if company else data["company_name"]
            kwargs["role"] = data["role"]
        return kwargs


class RejectionEditForm(RejectionFieldsMixin):
    remove_letter_file = forms.BooleanField(label=_("Remove the attached file"), required=False)

    def __init__(self, *args, user, has_letter_file=False, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_dates(user)
        if has_letter_file:
            self.fields["letter_file"].label = _("Replace the attached file")
        else:
            del self.fields["remove_letter_file"]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "received_on": data["received_on"],
            "cooling_off_days": data.get("cooling_off_days"),
            "channel": data["channel"],
            "letter_text": data["letter_text"],
            "feedback": data["feedback"],
            "invited_to_reapply": data["invited_to_reapply"],
            "letter_file": data.get("letter_file"),
            "remove_letter_file": data.get("remove_letter_file", False),
        }
