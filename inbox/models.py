"""Mail in: every message that reaches Ajar becomes a draft the user confirms.

A draft keeps the parsed fields (editable), the raw message (bounded) and the
attachments found inside it. Nothing is logged until the user confirms.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import OwnedQuerySet
from applications.models import Application

# The raw message is kept for the record up to this size (the 5 MB attachment cap).
MAX_RAW_BYTES = 5 * 1024 * 1024


def new_token() -> str:
    # Lower-case letters and digits: survives MTAs that fold the local part's case.
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


class ForwardingAddressQuerySet(OwnedQuerySet):
    pass


class ForwardingAddress(models.Model):
    """A user's personal address: plus-addressing on AJAR_INBOUND_ADDRESS.
    Regenerating replaces the token, so mail to the old address is refused."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forwarding_address"
    )
    token = models.CharField(max_length=32, unique=True, default=new_token)
    # Mail refused because its sender is not one of the user's verified
    # addresses, or its authentication failed: counted, never kept.
    dropped_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ForwardingAddressQuerySet.as_manager()

    def __str__(self) -> str:
        return self.token


class Kind(models.TextChoices):
    REJECTION = "rejection", _("Rejection")
    RECEIVED = "received", _("Application received")
    INTERVIEW = "interview", _("Interview invitation")
    OTHER = "other", _("Other")


class Source(models.TextChoices):
    UPLOAD = "upload", _("Uploaded file")
    MBOX = "mbox", _("Mailbox export")
    FORWARD = "forward", _("Forwarded mail")
    IMAP = "imap", _("Mailbox (IMAP)")
    COMMAND = "command", _("Command")


class Status(models.TextChoices):
    PENDING = "pending", _("Waiting for you")
    CONFIRMED = "confirmed", _("Logged as a rejection")
    STAGE_ADDED = "stage_added", _("Stage added")
    NOT_REJECTION = "not_rejection", _("Not a rejection")


class InboundMessageQuerySet(OwnedQuerySet):
    def pending(self) -> "InboundMessageQuerySet":
        return self.filter(status=Status.PENDING)


class InboundMessage(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    source = models.CharField(max_length=10, choices=Source.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    message_id = models.CharField(max_length=255, blank=True)
    # sha256 of the sender and the normalised text: the same letter twice.
    body_hash = models.CharField(max_length=64)
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    sender_address = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=200, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    text = models.TextField(_("letter"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    kind_score = models.FloatField(default=0)
    rejection_score = models.FloatField(default=0)
    matched_phrases = models.JSONField(default=list, blank=True)
    # {"company": 0.9, "role": 0.65, "received_on": 0.9}: how sure each guess is.
    confidence = models.JSONField(default=dict, blank=True)
    raw = models.BinaryField(blank=True)
    raw_size = models.PositiveIntegerField(default=0)
    # The open application that seems to match: offered, never applied silently.
    suggested_application = models.ForeignKey(
        Application, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set by "spread them over the coming weeks" for an old rejection, so that
    # its circle-back does not fall due at once with all the others.
    planned_cooling_off_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # What confirming did: the application it was logged on.
    application = models.ForeignKey(
        Application, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InboundMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "user", "message_id", condition=~Q(message_id=""), name="inbound_message_id_unique"
            ),
            models.UniqueConstraint("user", "body_hash", name="inbound_body_unique"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="inbound_status_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="inbound_kind_valid"),
        ]
        indexes = [
            # The Inbox page: a user's drafts waiting for them, newest first.
            models.Index(fields=["user", "status", "-received_on"], name="inbound_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.subject or self.message_id or f"message {self.pk}"


class InboundAttachmentQuerySet(OwnedQuerySet):
    user_field = "message__user"

    def without_data(self) -> "InboundAttachmentQuerySet":
        return self.defer("data")


class InboundAttachment(models.Model):
    """A file found inside a message (PDF, DOCX, image, invitation)."""

    message = models.ForeignKey(
        InboundMessage, on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    data = models.BinaryField()

    objects = InboundAttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(size__lte=5 * 1024 * 1024), name="inbound_attachment_size_capped"
            ),
        ]

    def __str__(self) -> str:
        return self.filename


class ImapState(models.Model):
    """Where the IMAP poller got to: the folder's UIDVALIDITY and the last UID seen,
    so a restart imports nothing twice (Message-ID dedupe is the second guard)."""

    mailbox = models.CharField(max_length=500, unique=True)
    uidvalidity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.mailbox} @ {self.last_uid}"
