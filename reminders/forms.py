from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.forms import IdsField, TimezoneField
from contacts.models import Contact, InteractionChannel
from reminders.links import SNOOZE_WEEKS
from reminders.models import ReminderSettings
from reminders.notes import PLACEHOLDERS, unknown_placeholders


class ReminderSettingsForm(forms.ModelForm):
    """Settings and onboarding: when and how circle-backs arrive."""

    time_zone = TimezoneField()

    class Meta:
        model = ReminderSettings
        fields = ["time_zone", "cooling_off_days", "send_time", "email_enabled"]
        widgets = {"send_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}
        help_texts = {
            "cooling_off_days": _(
                "Between 1 and 365 days. Applies to rejections you log from now on."
            ),
            "send_time": _("In your time zone."),
        }


class ReminderSettingsNoteForm(ReminderSettingsForm):
    """The Settings page's version: also the note the reminder email suggests."""

    class Meta(ReminderSettingsForm.Meta):
        fields = [*ReminderSettingsForm.Meta.fields, "note_template"]
        widgets = {
            **ReminderSettingsForm.Meta.widgets,
            "note_template": forms.Textarea(attrs={"rows": 9}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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

    def clean_note_template(self):
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
        if len(template) > 4000:
            raise forms.ValidationError(_("Keep the note under 4,000 characters."))
        return template


class ReminderDoneForm(forms.Form):
    """Who you re-contacted and how: one interaction is logged per person."""

    contacts = IdsField(
        label=_("Who did you get back in touch with?"),
        queryset=Contact.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    channel = forms.ChoiceField(
        label=_("How?"), choices=InteractionChannel.choices, initial=InteractionChannel.EMAIL
    )
    occurred_on = forms.DateField(
        label=_("When?"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    applied_again = forms.BooleanField(
        label=_("I applied again"),
        required=False,
        help_text=_("Adds a new application at this company, linked to this circle-back."),
    )
    role = forms.CharField(label=_("Role applied for"), max_length=200, required=False)

    def __init__(self, *args, insiders, today, role, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this reminder's insiders: a foreign or unrelated id is a field error.
        self.fields["contacts"].queryset = insiders
        self.fields["contacts"].label_from_instance = lambda contact: (
            f"{contact.name} · {contact.get_role_display()}"
        )
        self.fields["occurred_on"].initial = today
        self.fields["role"].initial = role
        self.today = today

    def clean_occurred_on(self):
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
