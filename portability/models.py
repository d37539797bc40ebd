"""What the import, the feeds and the account's data export keep between requests."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import OwnedQuerySet

# An uploaded spreadsheet is kept in the database between the preview and the
# confirmation, capped like a letter attachment.
UPLOAD_MAX_BYTES = 5 * 1024 * 1024


class ImportUploadQuerySet(OwnedQuerySet):
    pass


class ImportUpload(models.Model):
    """A spreadsheet waiting for its mapping to be confirmed. Deleted once
    imported; older ones are swept when the user uploads the next."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    filename = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ImportUploadQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(size__lte=5 * 1024 * 1024), name="import_upload_size_capped"
            ),
        ]

    def __str__(self) -> str:
        return self.filename


def _feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeedQuerySet(OwnedQuerySet):
    pass


class CalendarFeed(models.Model):
    """The secret of a user's calendar feed URL. Regenerating replaces the
    token, so the old URL answers 404."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CalendarFeedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"


class CalendarEventStateQuerySet(OwnedQuerySet):
    pass


class CalendarEventState(models.Model):
    """The SEQUENCE of one calendar event (RFC 5545): raised whenever what the
    event says (its time, its title) differs from the last time it was served,
    so a snoozed circle-back or a rescheduled interview updates calendars."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    uid = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    sequence = models.PositiveIntegerField(default=0)

    objects = CalendarEventStateQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint("user", "uid", name="calendar_event_state_unique_uid"),
        ]

    def __str__(self) -> str:
        return f"{self.uid} #{self.sequence}"
