"""The digest: one email a day or a week listing every step that fell due.

For a user with a daily or weekly digest the engine leaves their steps alone
(engine.sendable_q); this module sends them together, with the engine's
guarantees and its claim-token-and-lease pattern:

1. The digest sweep (beat) first reclaims digests whose lease expired (their
   worker died): back to scheduled, same row, so the resend carries the same
   Message-ID. Then, for each digest user whose digest time has come, it
   gathers the due steps not in an open digest into a new Digest row (the
   user's settings row locked, so two sweeps cannot make two).
2. It claims each due digest with a compare-and-set UPDATE (status sending, a
   fresh token, a lease) and claims its items the same way (status sending, the
   same token and lease), then enqueues `send_digest(id, token)` on commit.
3. The send locks the digest and its items, checks the token, sends one email
   (each item with its own signed Done / Snooze / Dismiss links) and marks the
   digest and every item sent in the same transaction. A transient failure
   puts the digest back for a retry with backoff; a permanent one or the last
   attempt fails it and its items, shown to the user as failed reminders.

The one duplicate window is the engine's: SMTP accepted the message and "sent"
could not be recorded. Then the digest is sent again, with the same Message-ID.
"""

import datetime
import logging
import uuid
import zoneinfo
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from accounts.dates import since_words
from accounts.models import User
from reminders import links, mailer
from reminders.emails import make_message, stage_reached
from reminders.engine import _describe, _is_permanent, backoff_delay
from reminders.models import (
    DIGEST_OPEN_STATUSES,
    Digest,
    DigestMode,
    DigestStatus,
    Reminder,
    ReminderKind,
    ReminderSettings,
    ReminderStatus,
    ReminderStep,
)
from reminders.scheduling import last_digest_at

logger = logging.getLogger(__name__)

DIGEST_MODES = (DigestMode.DAILY, DigestMode.WEEKLY)


def digest_sendable_q(prefix: str = "") -> Q:
    """Like engine.sendable_q, for users who asked for a digest: active, the
    primary address verified, email on."""
    verified = EmailAddress.objects.filter(
        user=OuterRef(f"{prefix}user"),
        email__iexact=OuterRef(f"{prefix}user__email"),
        verified=True,
    )
    return Q(
        Exists(verified),
        **{
            f"{prefix}user__is_active": True,
            f"{prefix}user__reminder_settings__email_enabled": True,
            f"{prefix}user__reminder_settings__digest_mode__in": DIGEST_MODES,
        },
    )


def _slot(
    settings_: ReminderSettings, zone: zoneinfo.ZoneInfo, now: datetime.datetime
) -> datetime.datetime:
    weekly_on = settings_.digest_weekday if settings_.digest_mode == DigestMode.WEEKLY else None
    return last_digest_at(now, send_time=settings_.send_time, zone=zone, weekly_on=weekly_on)


def _due_items(
    user: User,
    *,
    slot_at: datetime.datetime,
    now: datetime.datetime,
    email_on_since: datetime.datetime,
) -> "QuerySet[Reminder]":
    open_digest = Digest.objects.filter(pk=OuterRef("digest_id"), status__in=DIGEST_OPEN_STATUSES)
    return Reminder.objects.filter(
        user=user,
        status=ReminderStatus.SCHEDULED,
        due_at__lte=slot_at,
        due_at__gte=email_on_since,
        next_attempt_at__lte=now,
    ).exclude(Exists(open_digest))


# --- The sweep ---------------------------------------------------------------------------------


@dataclass
class DigestSweepResult:
    reclaimed: int = 0
    created: int = 0
    claimed: list[tuple[int, uuid.UUID]] = field(default_factory=list)


def reclaim_expired_digests(*, now: datetime.datetime) -> int:
    """Digests whose worker died: back to scheduled (same row, same
    Message-ID), or failed after the last attempt. SKIP LOCKED: a digest still
    being sent holds its lock and is left alone."""
    with transaction.atomic():
        ids = list(
            Digest.objects.filter(status=DigestStatus.SENDING, lease_expires_at__lte=now)
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)
        )
        if not ids:
            return 0
        error = "The worker sending it stopped before it finished (lease expired)."
        for digest in Digest.objects.filter(id__in=ids):
            digest.attempts += 1
            digest.last_error = error
            digest.claim_token = None
            digest.lease_expires_at = None
            if digest.attempts >= settings.AJAR_MAX_ATTEMPTS:
                _fail(digest, error, now=now)
            else:
                digest.status = DigestStatus.SCHEDULED
                digest.next_attempt_at = now
                digest.save()
    logger.warning("Reclaimed %s digests whose lease expired.", len(ids))
    return len(ids)


def gather_digests(*, now: datetime.datetime) -> int:
    """A new digest for each digest user whose digest time has come and who
    has steps due that no open digest holds. Returns how many were made."""
    open_digest = Digest.objects.filter(pk=OuterRef("digest_id"), status__in=DIGEST_OPEN_STATUSES)
    user_ids = set(
        Reminder.objects.filter(
            digest_sendable_q(), status=ReminderStatus.SCHEDULED, due_at__lte=now
        )
        .exclude(Exists(open_digest))
        .values_list("user_id", flat=True)
        .distinct()
    )
    created = 0
    for user_id in sorted(user_ids):
        with transaction.atomic():
            # One sweep per user at a time: the settings row is the user's lock.
            settings_ = (
                ReminderSettings.objects.select_for_update()
                .select_related("user")
                .filter(user_id=user_id)
                .first()
            )
            if settings_ is None or settings_.digest_mode not in DIGEST_MODES:
                continue
            user = settings_.user
            slot_at = _slot(settings_, user.zone, now)
            items = _due_items(
                user, slot_at=slot_at, now=now, email_on_since=settings_.email_enabled_at
            )
            ids = list(items.values_list("id", flat=True))
            if not ids:
                continue
            digest = Digest.objects.create(user=user, slot_at=slot_at, next_attempt_at=now)
            Reminder.objects.filter(id__in=ids, status=ReminderStatus.SCHEDULED).update(
                digest=digest, updated_at=now
            )
            created += 1
    return created


def claim_digest(*, digest_id: int, now: datetime.datetime) -> uuid.UUID | None:
    """Claim one scheduled digest and its items; enqueue its send on commit."""
    token = uuid.uuid4()
    lease = now + settings.AJAR_REMINDER_LEASE
    with transaction.atomic():
        won = Digest.objects.filter(
            pk=digest_id, status=DigestStatus.SCHEDULED, next_attempt_at__lte=now
        ).update(status=DigestStatus.SENDING, claim_token=token, lease_expires_at=lease)
        if not won:
            return None
        # Its items: scheduled ones, and any left "sending" by a worker that died
        # (the engine's reclaim may not have reached them yet).
        claimed = (
            Reminder.objects.filter(digest_id=digest_id)
            .filter(
                Q(status=ReminderStatus.SCHEDULED)
                | Q(status=ReminderStatus.SENDING, lease_expires_at__lte=now)
            )
            .update(
                status=ReminderStatus.SENDING,
                claim_token=token,
                claimed_at=now,
                lease_expires_at=lease,
                updated_at=now,
            )
        )
        if not claimed:
            # The user handled every item meanwhile: nothing to send.
            Digest.objects.filter(pk=digest_id).update(
                status=DigestStatus.CANCELLED, claim_token=None, lease_expires_at=None
            )
            return None
        transaction.on_commit(lambda: _enqueue(digest_id, token))
    return token


def _enqueue(digest_id: int, token: uuid.UUID) -> None:
    # By name: reminders.tasks imports this module.
    try:
        current_app.send_task("reminders.tasks.send_digest", args=(digest_id, str(token)))
    except Exception:
        # Broker down: release at once; the next sweep claims it again.
        logger.exception("Broker unavailable; releasing digest %s.", digest_id)
        _release(digest_id, token)


def _release(digest_id: int, token: uuid.UUID) -> None:
    with transaction.atomic():
        if Digest.objects.filter(pk=digest_id, claim_token=token).update(
            status=DigestStatus.SCHEDULED, claim_token=None, lease_expires_at=None
        ):
            Reminder.objects.filter(digest_id=digest_id, claim_token=token).update(
                status=ReminderStatus.SCHEDULED,
                claim_token=None,
                claimed_at=None,
                lease_expires_at=None,
            )


def digest_sweep(*, now: datetime.datetime) -> DigestSweepResult:
    result = DigestSweepResult(reclaimed=reclaim_expired_digests(now=now))
    result.created = gather_digests(now=now)
    due = list(
        Digest.objects.filter(status=DigestStatus.SCHEDULED, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[: settings.AJAR_SWEEP_BATCH_SIZE]
    )
    for digest_id in due:
        token = claim_digest(digest_id=digest_id, now=now)
        if token is not None:
            result.claimed.append((digest_id, token))
    return result


# --- The send ----------------------------------------------------------------------------------


class DigestOutcome:
    SENT = "sent"
    STALE = "stale"
    NOT_SENDABLE = "not_sendable"
    RETRY = "retry"
    FAILED = "failed"


def message_id_for_digest(digest: Digest) -> str:
    """Stable per digest row: resent after a worker died, it is the same message."""
    return f"<digest-{digest.pk}@{settings.AJAR_MESSAGE_ID_DOMAIN}>"


def _item_context(reminder: Reminder, today: datetime.date) -> dict:
    application = reminder.application
    people = list(application.contacts.all())
    if reminder.contact is not None:
        people = [reminder.contact]
    return {
        "step": reminder.get_step_display(),
        "thank_you": reminder.step == ReminderStep.THANK_YOU,
        "radar": reminder.step == ReminderStep.KEEP_ON_RADAR,
        "ghosted": reminder.kind == ReminderKind.GHOSTED,
        "declined": reminder.kind == ReminderKind.DECLINED,
        "company": application.company.name,
        "role": application.role,
        "stage": str(stage_reached(reminder).label).lower(),
        "when": since_words(reminder.counted_from, today),
        "people": [
            {"name": person.name, "email": person.email, "role": person.get_role_display()}
            for person in people
        ],
        "links": {
            "done": links.action_url(reminder, links.DONE),
            "snooze": [
                (weeks, links.action_url(reminder, links.SNOOZE, weeks))
                for weeks in links.SNOOZE_WEEKS
            ],
            "dismiss": links.action_url(reminder, links.DISMISS),
            "application": links.absolute(application.get_absolute_url()),
        },
    }


def digest_message(digest: Digest, items: list[Reminder]) -> EmailMultiAlternatives:
    user = digest.user
    with translation.override(settings.LANGUAGE_CODE), timezone.override(user.zone):
        today = timezone.localdate(timezone=user.zone)
        context = {
            "user_name": (user.get_short_name() or "").split(" ")[0],
            "weekly": user.reminder_settings.digest_mode == DigestMode.WEEKLY,
            "items": [_item_context(item, today) for item in items],
            "links": {
                "reminders": links.absolute(reverse("reminders:list")),
                "settings": links.absolute(reverse("settings")),
                "unsubscribe": links.unsubscribe_url(user),
            },
        }
        return make_message(
            "digest",
            to=user.email,
            context=context,
            headers={
                "Message-ID": message_id_for_digest(digest),
                "List-Unsubscribe": f"<{links.unsubscribe_url(user)}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",
            },
        )


def _fail(digest: Digest, error: str, *, now: datetime.datetime) -> None:
    digest.status = DigestStatus.FAILED
    digest.last_error = error[:2000]
    digest.claim_token = None
    digest.lease_expires_at = None
    digest.save()
    # Failed items are shown with a banner and a retry button, like the engine's.
    Reminder.objects.filter(
        digest=digest, status__in=(ReminderStatus.SCHEDULED, ReminderStatus.SENDING)
    ).update(
        status=ReminderStatus.FAILED,
        last_error=error[:2000],
        attempts=F("attempts") + 1,
        claim_token=None,
        claimed_at=None,
        lease_expires_at=None,
        digest=None,
        updated_at=now,
    )


def digest_send(*, digest_id: int, token: str | uuid.UUID) -> str:
    """Deliver one claimed digest. The digest's row and its items stay locked
    for the SMTP conversation, as the engine's send does."""
    token = uuid.UUID(str(token))
    with transaction.atomic():
        digest = (
            Digest.objects.select_for_update(of=("self",))
            .select_related("user__reminder_settings")
            .filter(pk=digest_id)
            .first()
        )
        if digest is None or digest.status != DigestStatus.SENDING or digest.claim_token != token:
            return DigestOutcome.STALE
        items = list(
            Reminder.objects.select_for_update(of=("self",))
            .select_related("application__company", "rejection", "contact")
            .prefetch_related("application__contacts")
            .filter(digest=digest, status=ReminderStatus.SENDING, claim_token=token)
            .order_by("due_at", "id")
        )
        now = timezone.now()
        sendable = Digest.objects.filter(digest_sendable_q(), pk=digest.pk).exists()
        if not items or not sendable:
            # Email off, unverified or the user deactivated since the claim; or
            # every item handled: the items go back to scheduled, loose.
            Reminder.objects.filter(digest=digest, claim_token=token).update(
                status=ReminderStatus.SCHEDULED,
                claim_token=None,
                claimed_at=None,
                lease_expires_at=None,
                digest=None,
            )
            digest.status = DigestStatus.CANCELLED
            digest.claim_token = None
            digest.lease_expires_at = None
            digest.save()
            return DigestOutcome.NOT_SENDABLE
        try:
            mailer.send(digest_message(digest, items))
        except Exception as error:  # noqa: BLE001  (every mail failure is recorded)
            return _record_failure(digest, error, now=now)
        digest.status = DigestStatus.SENT
        digest.sent_at = now
        digest.last_error = ""
        digest.claim_token = None
        digest.lease_expires_at = None
        digest.save()
        Reminder.objects.filter(pk__in=[item.pk for item in items]).update(
            status=ReminderStatus.SENT,
            sent_at=now,
            last_error="",
            claim_token=None,
            lease_expires_at=None,
            updated_at=now,
        )
    return DigestOutcome.SENT


def _record_failure(digest: Digest, error: Exception, *, now: datetime.datetime) -> str:
    digest.attempts += 1
    described = _describe(error)
    if _is_permanent(error) or digest.attempts >= settings.AJAR_MAX_ATTEMPTS:
        logger.warning("Digest %s failed for good: %s", digest.pk, described)
        _fail(digest, described, now=now)
        return DigestOutcome.FAILED
    digest.status = DigestStatus.SCHEDULED
    digest.last_error = described[:2000]
    digest.next_attempt_at = now + backoff_delay(digest.attempts)
    digest.claim_token = None
    digest.lease_expires_at = None
    digest.save()
    Reminder.objects.filter(digest=digest, status=ReminderStatus.SENDING).update(
        status=ReminderStatus.SCHEDULED,
        last_error=described[:2000],
        claim_token=None,
        claimed_at=None,
        lease_expires_at=None,
        updated_at=now,
    )
    logger.info("Digest %s: attempt %s failed (%s).", digest.pk, digest.attempts, described)
    return DigestOutcome.RETRY
