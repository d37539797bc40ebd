import datetime
from collections.abc import Sequence
from typing import Any, NotRequired, TypedDict

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.forms import IdsField, TimezoneField
from accounts.models import User
from accounts.text import squash_spaces
from accounts.timezones import user_today
from accounts.validators import validate_user_date
from applications.forms import (
    DATE_WIDGET,
    ApplicationChoiceField,
    CompanyChoiceField,
    PickOrTypeCompanyMixin,
    long_text,
    model_choice,
)
from applications.models import Application, Attachment, Channel, Company, Outcome, Stage
from contacts.models import Contact, ContactRole, InteractionChannel
from letters import uploads
from letters.files import EML, LetterFile
from letters.uploads import read_added_file, read_letter_file
from reminders.links import SNOOZE_WEEKS
from reminders.models import COOLING_OFF_MAX, COOLING_OFF_MIN, HeldLetter, ReminderSettings
from reminders.notes import PLACEHOLDERS, unknown_placeholders
from reminders.services import NewContact, held_letter_get, letter_fill


class ReminderSettingsForm(forms.ModelForm):
    """Settings and onboarding: when and how circle-backs arrive."""

    time_zone = TimezoneField()

    class Meta:
        model = ReminderSettings
        fields = ["time_zone", "cooling_off_days", "send_time", "email_enabled"]
        widgets: dict[str, forms.Widget] = {
            "send_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
        }
        help_texts = {
            "cooling_off_days": _(
                "Between 1 and 365 days. Applies to rejections you log from now on."
            ),
            "send_time": _("In your time zone."),
        }


NOTE_TEMPLATE_MAX = 4000


# The stages a rejection can come after that may take their own cooling-off.
STAGES_WITH_OWN_COOLING_OFF = (
    Stage.APPLIED,
    Stage.SCREEN,
    Stage.INTERVIEW,
    Stage.ONSITE,
    Stage.FINAL_ROUND,
    Stage.OFFER,
)


class ReminderSettingsNoteForm(ReminderSettingsForm):
    """The Settings page's version: also the note the reminder email suggests,
    and the cadence: thank-you, cooling-off per stage, keep on radar, digest."""

    class Meta(ReminderSettingsForm.Meta):
        fields = [
            *ReminderSettingsForm.Meta.fields,
            "thank_you_enabled",
            "keep_on_radar_months",
            "digest_mode",
            "digest_weekday",
            "note_template",
        ]
        widgets = {
            **ReminderSettingsForm.Meta.widgets,
            "note_template": forms.Textarea(attrs={"rows": 9}),
            "digest_weekday": forms.Select(
                choices=[
                    (0, _("Monday")),
                    (1, _("Tuesday")),
                    (2, _("Wednesday")),
                    (3, _("Thursday")),
                    (4, _("Friday")),
                    (5, _("Saturday")),
                    (6, _("Sunday")),
                ]
            ),
        }
        help_texts = {
            **ReminderSettingsForm.Meta.help_texts,
            "digest_weekday": _("For a weekly digest, at your send time."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        by_stage = (self.instance.cooling_off_by_stage or {}) if self.instance else {}
        for stage in STAGES_WITH_OWN_COOLING_OFF:
            self.fields[f"cooling_off_{stage.value}"] = forms.IntegerField(
                label=_("Cooling-off after the %(stage)s stage (days)")
                % {"stage": stage.label.lower()},
                required=False,
                min_value=COOLING_OFF_MIN,
                max_value=COOLING_OFF_MAX,
                initial=by_stage.get(str(stage.value)),
                help_text=_("Blank: the cooling-off above."),
            )
        names = ", ".join(f"{{{name}}} ({label})" for name, label in PLACEHOLDERS.items())
        self.fields["note_template"].help_text = _(
            "The note each reminder email suggests you send. Placeholders: %(names)s."
        ) % {"names": names}
        # A live preview as the user types (htmx; the preview also renders without it).
        self.fields["note_template"].widget.attrs.update(
            {
                "hx-post": reverse("reminders:note_preview"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#note-preview",
                "hx-sync": "this:replace",
                "aria-controls": "note-preview",
            }
        )

    def cadence(self) -> dict:
        """The cadence settings, as reminder_settings_update takes them."""
        data = self.cleaned_data
        return {
            "thank_you_enabled": data["thank_you_enabled"],
            "keep_on_radar_months": data["keep_on_radar_months"],
            "digest_mode": data["digest_mode"],
            "digest_weekday": data["digest_weekday"],
            "cooling_off_by_stage": {
                str(stage.value): data[f"cooling_off_{stage.value}"]
                for stage in STAGES_WITH_OWN_COOLING_OFF
                if data.get(f"cooling_off_{stage.value}") is not None
            },
        }

    def clean_note_template(self) -> str:
        template = self.cleaned_data["note_template"].replace("\r\n", "\n").strip()
        unknown = unknown_placeholders(template)
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholder: %(names)s. Use one of: %(known)s.")
                % {
                    "names": ", ".join(f"{{{name}}}" for name in unknown),
                    "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                }
            )
        if len(template) > NOTE_TEMPLATE_MAX:
            raise forms.ValidationError(_("Keep the note under 4,000 characters."))
        return template


class InsiderChoiceField(IdsField):
    def label_from_instance(self, obj: Contact) -> str:
        return f"{obj.name} · {obj.get_role_display()}"


class ReminderDoneForm(forms.Form):
    """Who you re-contacted and how: one interaction is logged per person."""

    contacts = InsiderChoiceField(
        label=_("Who did you get back in touch with?"),
        queryset=Contact.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    channel = forms.ChoiceField(
        label=_("How?"), choices=InteractionChannel.choices, initial=InteractionChannel.EMAIL
    )
    occurred_on = forms.DateField(
        label=_("When?"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_user_date],
    )
    applied_again = forms.BooleanField(
        label=_("I applied again"),
        required=False,
        help_text=_("Adds a new application at this company, linked to this circle-back."),
    )
    role = forms.CharField(label=_("Role applied for"), max_length=200, required=False)

    def __init__(
        self,
        *args: Any,
        insiders: QuerySet[Contact],
        today: datetime.date,
        role: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Only this reminder's insiders: a foreign or unrelated id is a field error.
        model_choice(self, "contacts").queryset = insiders
        self.fields["occurred_on"].initial = today
        self.fields["role"].initial = role
        self.today = today

    def clean_occurred_on(self) -> datetime.date:
        day = self.cleaned_data["occurred_on"]
        if day > self.today:
            raise forms.ValidationError(_("That date is in the future."))
        return day


class ReapplyForm(forms.Form):
    """ "I applied again" from the Reminders page: the role, or the original one."""

    role = forms.CharField(label=_("Role applied for"), max_length=200, required=False)


class SnoozeForm(forms.Form):
    weeks = forms.TypedChoiceField(
        choices=[(weeks, weeks) for weeks in SNOOZE_WEEKS], coerce=int, label=_("Snooze for")
    )


# --- Logging a rejection ---------------------------------------------------------------


class NewContactForm(forms.Form):
    """One person met, added inline on the log-rejection form."""

    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    role = forms.ChoiceField(
        label=_("Role in the process"), choices=ContactRole.choices, initial=ContactRole.OTHER
    )
    email = forms.EmailField(label=_("Email"), required=False)
    wrote_letter = forms.BooleanField(
        label=_("Wrote the letter"),
        required=False,
        help_text=_("The thank-you nudge is addressed to them."),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        name = squash_spaces(cleaned.get("name") or "")
        cleaned["name"] = name
        if not name and cleaned.get("email"):
            self.add_error("name", _("Name this person, or clear the row."))
        return cleaned


NewContactFormSet = forms.formset_factory(
    NewContactForm, extra=1, max_num=20, absolute_max=20, validate_max=True
)


def new_contacts_from(formset: "forms.BaseFormSet[NewContactForm]") -> list[NewContact]:
    return [
        NewContact(
            name=f.cleaned_data["name"],
            role=f.cleaned_data["role"],
            email=f.cleaned_data["email"],
            wrote_letter=f.cleaned_data.get("wrote_letter", False),
        )
        for f in formset.forms
        if f.has_changed() and f.cleaned_data.get("name")
    ]


class ContactChoiceField(IdsField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Contact) -> str:
        return f"{obj.name} ({obj.get_role_display()})"


class RejectionFieldsMixin(forms.Form):
    """What a rejection says, shared by logging and editing."""

    received_on = forms.DateField(
        label=_("Date received"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Leave it for today."),
        validators=[validate_user_date],
    )
    channel = forms.ChoiceField(
        label=_("How it came"), choices=Channel.choices, initial=Channel.EMAIL, required=False
    )
    letter_text = long_text(
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
    feedback = long_text(_("Feedback they gave"), rows=2)
    invited_to_reapply = forms.BooleanField(
        label=_("They invited me to apply again"), required=False
    )
    reapply_after_months = forms.IntegerField(
        label=_("They said I may apply again after (months)"),
        required=False,
        min_value=1,
        max_value=36,
        help_text=_("The circle-back waits at least this long."),
    )
    cooling_off_days = forms.IntegerField(
        label=_("Circle back after (days)"),
        required=False,
        min_value=COOLING_OFF_MIN,
        max_value=COOLING_OFF_MAX,
    )

    def _setup_dates(self, user: User) -> None:
        self.user = user
        self.fields["received_on"].initial = user_today(user)
        self.fields["cooling_off_days"].help_text = _(
            "Between 1 and 365. Leave empty for your usual period."
        )

    def clean_letter_file(self) -> LetterFile | None:
        uploaded = self.cleaned_data.get("letter_file")
        if not uploaded:
            return None
        return read_letter_file(uploaded)

    def clean_channel(self) -> str:
        return self.cleaned_data.get("channel") or Channel.EMAIL

    def clean_received_on(self) -> datetime.date:
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
    # A letter attached earlier, kept on the server (HeldLetter): survives a
    # validation error without being attached again.
    letter_token = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)

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
        "reapply_after_months",
        "cooling_off_days",
        "contacts",
    ]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup_company(user)
        self._setup_dates(user)
        self.held_letter: HeldLetter | None = None
        self.held_letter_token = ""
        # Attaching an email fills company, role, date and text in place.
        self.fields["letter_file"].widget.attrs.update(
            {
                "hx-post": reverse("reminders:log_rejection_letter"),
                "hx-trigger": "change",
                "hx-encoding": "multipart/form-data",
                "hx-target": "#letter-fill",
                "hx-swap": "innerHTML",
            }
        )
        self.picked_company = self._picked_company(user)
        # Picking a company swaps in its open applications and its people.
        self.fields["company"].widget.attrs.update(
            {
                "hx-get": reverse("reminders:log_rejection_pickers"),
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
        model_choice(self, "application").queryset = open_here
        model_choice(self, "contacts").queryset = people
        self.show_application_picker = self.picked_company is not None
        self.show_contact_picker = self.picked_company is not None and people.exists()
        if not self.show_application_picker:
            self.fields["role"].label = _("Role")

    def _picked_company(self, user: User) -> Company | None:
        raw = self.data.get(self.add_prefix("company")) if self.is_bound else None
        if raw is None:
            raw = self.initial.get("company")
        if isinstance(raw, Company):
            raw = raw.pk
        if raw is None:
            return None
        try:
            return Company.objects.for_user(user).get(pk=int(raw))
        except (TypeError, ValueError, Company.DoesNotExist):
            return None

    def clean_letter_token(self):
        token = self.cleaned_data.get("letter_token") or ""
        if token:
            self.held_letter = held_letter_get(user=self.user, token=token)
            if self.held_letter is None:
                # Shown on the file field, where the user can attach it again.
                self.add_error(
                    "letter_file", _("The letter attached earlier has expired: attach it again.")
                )
                return ""
            self.held_letter_token = token
        return token

    def _letter_from_held(self, cleaned) -> None:
        held = self.held_letter
        if cleaned.get("letter_file") is None and held is not None:
            cleaned["letter_file"] = LetterFile(held.filename, held.content_type, bytes(held.data))
        letter = cleaned.get("letter_file")
        typed_date = (self.data.get(self.add_prefix("received_on")) or "").strip()
        untouched = not typed_date or typed_date == user_today(self.user).isoformat()
        if isinstance(letter, LetterFile) and letter.content_type == EML and untouched:
            # No date typed (or the field's default, today): the letter's own
            # date, so the circle-back counts from it.
            received_on = letter_fill(user=self.user, letter=letter).received_on
            if received_on is not None and received_on <= user_today(self.user):
                cleaned["received_on"] = received_on

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        self._letter_from_held(cleaned)
        application = cleaned.get("application")
        if application is None:
            self._clean_company(cleaned)
            cleaned["role"] = squash_spaces(cleaned.get("role") or "")
            if not cleaned["role"] and "application" not in self.errors:
                message = (
                    _("Pick the application or type the role.")
                    if self.show_application_picker
                    else _("Type the role.")
                )
                self.add_error("role", message)
        return cleaned

    def service_kwargs(self) -> "RejectionLogArgs":
        data = self.cleaned_data
        kwargs: RejectionLogArgs = {
            "stage_reached": Stage(data["stage_reached"]),
            "received_on": data["received_on"],
            "channel": Channel(data["channel"]),
            "letter_text": data["letter_text"],
            "letter_file": data.get("letter_file"),
            "feedback": data["feedback"],
            "invited_to_reapply": data["invited_to_reapply"],
            "reapply_after_months": data.get("reapply_after_months"),
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
    remove_files = forms.TypedMultipleChoiceField(
        label=_("Remove files"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ticked files are deleted when you save."),
    )
    add_file = forms.FileField(
        label=_("Add a file"),
        required=False,
        help_text=_(
            "A PDF, a Word or OpenDocument file, or an image, at most 5 MB. "
            "A rejection keeps up to %(count)s files, %(size)s MB in all."
        )
        % {
            "count": uploads.MAX_FILES_PER_REJECTION,
            "size": uploads.MAX_BYTES_PER_REJECTION // (1024 * 1024),
        },
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.doc,.docx,.odt,.rtf,.png,.jpg,.jpeg,.gif,.webp"}
        ),
    )

    field_order = [
        "received_on",
        "channel",
        "letter_text",
        "letter_file",
        "remove_files",
        "add_file",
    ]

    def __init__(
        self, *args: Any, user: User, files: Sequence[Attachment] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._setup_dates(user)
        if any(f.is_letter for f in files):
            self.fields["letter_file"].label = _("Replace the letter's file")
        self.fields["letter_file"].help_text = _(
            "A PDF or an email file (.eml), at most 5 MB: the files inside an email are kept too."
        )
        if files:
            # The rejection's own files only: another id is not a choice.
            remove = self.fields["remove_files"]
            assert isinstance(remove, forms.TypedMultipleChoiceField)
            remove.choices = [(f.pk, f"{f.filename} ({filesizeformat(f.size)})") for f in files]
        else:
            del self.fields["remove_files"]

    def clean_add_file(self) -> LetterFile | None:
        uploaded = self.cleaned_data.get("add_file")
        if not uploaded:
            return None
        return read_added_file(uploaded)

    def service_kwargs(self) -> "RejectionEditArgs":
        data = self.cleaned_data
        return {
            "received_on": data["received_on"],
            "cooling_off_days": data.get("cooling_off_days"),
            "channel": data["channel"],
            "letter_text": data["letter_text"],
            "feedback": data["feedback"],
            "invited_to_reapply": data["invited_to_reapply"],
            "letter_file": data.get("letter_file"),
            "remove_files": list(data.get("remove_files") or ()),
            "add_file": data.get("add_file"),
        }


class RejectionLogArgs(TypedDict):
    """What RejectionLogForm gives rejection_log: an application picked, or a
    company name and a role for a new one."""

    stage_reached: Stage
    received_on: datetime.date
    channel: Channel
    letter_text: str
    letter_file: LetterFile | None
    feedback: str
    invited_to_reapply: bool
    reapply_after_months: int | None
    cooling_off_days: int | None
    contacts: list[Contact]
    application: NotRequired[Application]
    company_name: NotRequired[str]
    role: NotRequired[str]


class RejectionEditArgs(TypedDict):
    """What RejectionEditForm gives rejection_update."""

    received_on: datetime.date
    cooling_off_days: int | None
    channel: str
    letter_text: str
    feedback: str
    invited_to_reapply: bool
    letter_file: LetterFile | None
    remove_files: list[int]
    add_file: LetterFile | None


class OutcomeForm(forms.Form):
    """Offer accepted, offer declined, or withdrawn, with the day it happened."""

    outcome = forms.ChoiceField(
        label=_("What happened"),
        choices=[
            (Outcome.OFFER_ACCEPTED, _("I accepted their offer")),
            (Outcome.OFFER_DECLINED, _("I turned their offer down")),
            (Outcome.WITHDRAWN, _("I withdrew")),
        ],
        widget=forms.RadioSelect,
    )
    on = forms.DateField(
        label=_("On"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_user_date],
    )
    keep_circle_back = forms.BooleanField(
        label=_("Circle back with them later anyway"),
        required=False,
        help_text=_(
            "For a declined offer: a company you turned down may still be one you want. "
            "Ajar reminds you after the cooling-off, with its own wording."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_on(self):
        day = self.cleaned_data["on"]
        if day > user_today(self.user):
            raise ValidationError(_("Give a date that has passed."))
        return day
