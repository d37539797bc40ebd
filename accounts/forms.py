from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.timezones import timezone_choices

MAX_ID = 2**63 - 1  # a bigint primary key


def as_id(raw: object) -> int | None:
    """An id typed in a query string or a form body, or None when it is not a
    plain positive 64-bit number: anything else would fail in the query (and
    SQLite's driver raises OverflowError, a 500, beyond 64 bits)."""
    text = str(raw)
    if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
        return int(text)
    return None


class IdsField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField whose ids are checked to be ids before the
    query: Django looks them up with `pk__in`, and SQLite's driver raises
    OverflowError (a 500) on an integer beyond 64 bits."""

    def _check_values(self, value: Iterable[Any]) -> Any:
        for pk in value:
            if as_id(pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        # A private Django method that django-stubs does not declare.
        return super()._check_values(value)  # type: ignore[misc]


class TimezoneField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget.attrs["data-detect-timezone"] = "true"

    def signup(self, request: HttpRequest, user: User) -> None:
        user.time_zone = self.cleaned_data["time_zone"]
        user.save(update_fields=["time_zone"])


class ProfileForm(forms.ModelForm):
    time_zone = TimezoneField()

    class Meta:
        model = User
        fields = ["name", "time_zone"]


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    # A service error naming a field lands beside it; others above the form.
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
