from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.timezones import timezone_choices


class TimezoneField(forms.ChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Time zone"))
        super().__init__(choices=timezone_choices, **kwargs)


class SignupExtraForm(forms.Form):
    """Extra sign-up fields, merged into allauth's sign-up form.

    static/js/timezone.js selects the zone the browser reports; the user can
    correct it, and the server only accepts a zone tzdata knows.
    """

    time_zone = TimezoneField(
        initial="UTC",
        help_text=_("Reminders arrive at your chosen time of day in this zone."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget.attrs["data-detect-timezone"] = "true"

    def signup(self, request, user):
        user.time_zone = self.cleaned_data["time_zone"]
        user.save(update_fields=["time_zone"])


class ProfileForm(forms.ModelForm):
    time_zone = TimezoneField()

    class Meta:
        model = User
        fields = ["name", "time_zone"]
