import functools
import secrets
import zoneinfo
from typing import Any, ClassVar, Self, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models.functions import Lower
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.timezones import validate_timezone
from accounts.validators import validate_user_date

_M = TypeVar("_M", bound=models.Model)


class OwnedQuerySet(models.QuerySet[_M]):
    """Base QuerySet of every model that belongs to one user."""

    user_field = "user"

    def for_user(self, user: "User | int") -> Self:
        """The rows of `user` (a User, or a user's id when only that is at hand)."""
        return self.filter(**{self.user_field: user})

    def lock_in_order(self, *objects: _M) -> list[_M]:
        """Lock the rows of `objects` in primary-key order (two transactions
        locking the same rows, say two merges of one pair, cannot deadlock) and
        return them fresh from the database, in the order given."""
        pks = [obj.pk for obj in objects]
        locked = {obj.pk: obj for obj in self.select_for_update().filter(pk__in=pks).order_by("pk")}
        return [locked[pk] for pk in pks]


@functools.cache
def _choice_labels(field: models.Field, language: str | None) -> dict[Any, Any]:
    # One dict a field and language: a field's choices are fixed in its class,
    # and the languages are the settings' few.
    return {
        make_hashable(value): force_str(label, strings_only=True)
        for value, label in field.flatchoices
    }


class ChoiceLabels(models.Model):
    """`get_FOO_display()` read from a dict built once a process for each
    field and language.

    Django's builds the field's choices into a new dict on every call, and
    hashing each lazy label translates it: the application page's 16 labels
    were 160 translations, an eighth of its CPU. The result is the same
    (tests/accounts/test_choice_labels.py compares the two)."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field) -> Any:  # noqa: N802 (Django's name)
        value = getattr(self, field.attname)
        key = value if isinstance(value, (str, int)) else make_hashable(value)
        return _choice_labels(field, get_language()).get(key, force_str(value, strings_only=True))


def check_owner(user: "User", *objects: Any) -> None:
    """The last line of defence behind forms that scope their choices to the
    user: a service refuses another user's row even if a form let it through."""
    for obj in objects:
        if obj is not None and obj.user_id != user.pk:
            raise PermissionDenied("Not yours.")


def merged_notes(keep: str, duplicate: str) -> str:
    """The notes of two rows being merged: the kept one's, then the duplicate's
    when they say something new."""
    keep, duplicate = keep.strip(), duplicate.strip()
    if not duplicate or duplicate in keep:
        return keep
    return "\n\n".join(n for n in (keep, duplicate) if n)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email: str | None) -> "User":
        return self.get(email__iexact=email)


class User(AbstractUser):
    """A job seeker. Logs in by email; every datetime shown is in `time_zone`."""

    # Django's documented way to drop an inherited field; django-stubs types the
    # fields as str and does not model their removal.
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("email address"), unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )

    # The start of the current job search: insights count from here (defaults to
    # the first application when unset).
    search_started_on = models.DateField(
        _("search started on"), null=True, blank=True, validators=[validate_user_date]
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # An email-login manager in place of auth's username one; django-stubs pins
    # AbstractUser.objects to auth's UserManager, whose create_user takes a username.
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email.split("@")[0]


def _invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """With AJAR_SIGNUP=invite, sign-up needs one of these, sent by a staff user."""

    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.email
