"""Signed links in the circle-back email.

The link itself authenticates (the user may read mail on a device where they
are not signed in), so it names one reminder, one occurrence and one action,
and expires after 30 days. A snooze starts a new occurrence, so every link of
the earlier email then reads as "already done".
"""

import datetime
import functools
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.encoding import force_bytes

from accounts.models import User
from reminders.models import Reminder

ACTION_SALT = "reminders.email-action"
UNSUBSCRIBE_SALT = "reminders.unsubscribe"
MAX_AGE = datetime.timedelta(days=30)

DONE, SNOOZE, DISMISS = "done", "snooze", "dismiss"
ACTIONS = (DONE, SNOOZE, DISMISS)
SNOOZE_WEEKS = (1, 2, 4)


class LinkInvalid(Exception):
    """Tampered with, truncated, or not one of ours."""


class LinkExpired(LinkInvalid):
    pass


@dataclass(frozen=True)
class ActionClaim:
    user_id: int
    reminder_id: int
    occurrence: int
    action: str
    weeks: int | None = None


def absolute(path: str) -> str:
    # Emails are rendered in the worker, without a request to build from.
    return f"{settings.BASE_URL}{path}"


def action_token(reminder: Reminder, action: str, weeks: int | None = None) -> str:
    if action not in ACTIONS or (action == SNOOZE) != (weeks in SNOOZE_WEEKS):
        raise ValueError(f"no such link: {action} {weeks}")
    payload = {"u": reminder.user_id, "r": reminder.pk, "o": reminder.occurrence, "a": action}
    if weeks:
        payload["w"] = weeks
    return dumps(payload, salt=ACTION_SALT)


@functools.lru_cache(maxsize=16)
def _keyed_hmac(salt: str, secret: str | bytes) -> "hmac.HMAC":
    # Django's salted_hmac() for a TimestampSigner with this salt: the key is
    # SHA-256 of the salt + "signer" and the secret.
    key = hashlib.sha256(force_bytes(salt + "signer") + force_bytes(secret)).digest()
    return hmac.new(key, digestmod=hashlib.sha256)


def dumps(obj: Any, *, salt: str) -> str:
    """signing.dumps(obj, salt=salt), the same string (signing.loads() and
    the views read it as before), with the HMAC key derived once per salt
    and secret instead of once per signature: an email signs seven links."""
    data = json.dumps(obj, separators=(",", ":")).encode("latin-1")
    value = f"{signing.b64_encode(data).decode()}:{signing.b62_encode(int(time.time()))}"
    mac = _keyed_hmac(salt, settings.SECRET_KEY).copy()
    mac.update(value.encode())
    return f"{value}:{signing.b64_encode(mac.digest()).decode()}"


# What signing.dumps() writes: URL-safe base64 and colons, none of which
# reverse() would quote.
_TOKEN = re.compile(r"[A-Za-z0-9_:-]+")
_SLOT = "token-slot"


@functools.cache
def _around_token(name: str, prefix: str, urlconf: str | None) -> tuple[str, str]:
    path = reverse(name, args=[_SLOT], urlconf=urlconf)
    before, _slot, after = path.partition(_SLOT)
    return before, after


def token_path(name: str, token: str) -> str:
    """reverse(name, args=[token]) for the email's links, resolved once per
    URL name: reversing cost more CPU per email than the signing."""
    if not _TOKEN.fullmatch(token):
        return reverse(name, args=[token])
    before, after = _around_token(name, get_script_prefix(), get_urlconf())
    return f"{before}{token}{after}"


@functools.cache
def _static_path(name: str, prefix: str, urlconf: str | None) -> str:
    return reverse(name, urlconf=urlconf)


def static_url(name: str) -> str:
    """absolute(reverse(name)) for a URL without arguments, resolved once."""
    return absolute(_static_path(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF))


def action_url(reminder: Reminder, action: str, weeks: int | None = None) -> str:
    token = action_token(reminder, action, weeks)
    return absolute(token_path("reminders:email_link", token))


def read_action_token(token: str) -> ActionClaim:
    try:
        data = signing.loads(token, salt=ACTION_SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as error:
        raise LinkExpired(str(error)) from error
    except signing.BadSignature as error:
        raise LinkInvalid(str(error)) from error
    try:
        claim = ActionClaim(
            user_id=int(data["u"]),
            reminder_id=int(data["r"]),
            occurrence=int(data["o"]),
            action=str(data["a"]),
            weeks=int(data["w"]) if "w" in data else None,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise LinkInvalid("malformed payload") from error
    if claim.action not in ACTIONS or (claim.action == SNOOZE) != (claim.weeks in SNOOZE_WEEKS):
        raise LinkInvalid("unknown action")
    return claim


def unsubscribe_token(user: User) -> str:
    # No expiry: an unsubscribe link must keep working in old emails (RFC 8058
    # clients may POST to it long after delivery), and all it can do is stop mail.
    return dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(user: User) -> str:
    return absolute(token_path("reminders:unsubscribe", unsubscribe_token(user)))


def read_unsubscribe_token(token: str) -> int:
    """The id of the user whose reminder emails the link turns off."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise LinkInvalid(str(error)) from error
