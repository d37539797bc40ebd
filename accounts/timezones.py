import datetime
import zoneinfo
from functools import cache
from typing import Protocol

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


@cache
def timezone_names() -> list[str]:
    """Every IANA zone tzdata knows, sorted, without the legacy aliases."""
    return sorted(
        name
        for name in zoneinfo.available_timezones()
        if ("/" in name and not name.startswith(("Etc/", "SystemV/", "US/"))) or name == "UTC"
    )


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in timezone_names()]


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("%(value)s is not a known time zone."), params={"value": value}, code="invalid"
        ) from exc


class Zoned(Protocol):
    """A user (accounts.models.User, which imports this module for its validator)."""

    @property
    def zone(self) -> zoneinfo.ZoneInfo: ...


def user_today(user: Zoned) -> datetime.date:
    """Today's date where the user lives (their zone, not the server's)."""
    return timezone.localdate(timezone=user.zone)
