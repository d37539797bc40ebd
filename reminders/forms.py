from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import TimezoneField
from reminders.models import ReminderSettings


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
