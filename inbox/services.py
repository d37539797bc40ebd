"""Mail in: letters become drafts; a draft becomes a rejection (or a stage) only
when its user confirms it.

Every door calls `letter_ingest` (one message for a known user) or
`forwarded_letter_ingest` (one message routed by its recipient, checked against
the user's verified addresses).
"""

from __future__ import annotations

import datetime
import enum
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.timezones import user_today
from applications.models import Application, Channel, Stage
from applications.services import application_move
from inbox.models import (
    MAX_RAW_BYTES,
    ForwardingAddress,
    InboundAttachment,
    InboundMessage,
    Source,
    Status,
    new_token,
)
from inbox.models import Kind as DraftKind
from inbox.selectors import ApplicationMatcher
from letters.files import EML, LetterFile, sniffed_type
from letters.parser import MAX_MESSAGE_BYTES, LetterError, ParsedLetter, parse_letter
from reminders.services import rejection_log, reminder_settings_get


class Outcome(enum.StrEnum):
    CREATED = "created"
    DUPLICATE = "duplicate"
    INVALID = "invalid"
    UNKNOWN_ADDRESS = "unknown_address"
    REFUSED = "refused"


@dataclass(frozen=True)
class IngestResult:
    outcome: Outcome
    draft: InboundMessage | None = None
    parsed: ParsedLetter | None = None
    error: str = ""


def dedupe_hash(parsed: ParsedLetter) -> str:
    """The same letter twice: same sender and same text (whitespace and case aside)."""
    return hashlib.sha256(f"{parsed.sender_address}\n{parsed.body_hash}".encode()).hexdigest()


def _draft_from(
    *, user: User, parsed: ParsedLetter, raw: bytes, source: Source, matcher: ApplicationMatcher
) -> InboundMessage:
    received_on = parsed.received_on(user.zone)
    kept_raw = raw if len(raw) <= MAX_RAW_BYTES else b""
    return InboundMessage(
        user=user,
        source=source,
        message_id=parsed.message_id,
        body_hash=dedupe_hash(parsed),
        sender_name=parsed.sender_name,
        sender_address=parsed.sender_address,
        subject=parsed.subject,
        company=parsed.company.value[:200],
        role=parsed.role.value[:200],
        received_on=received_on,
        text=parsed.text,
        kind=str(parsed.kind),
        kind_score=parsed.kind_score,
        rejection_score=parsed.rejection_score,
        matched_phrases=list(parsed.matched_phrases),
        confidence={
            "company": parsed.company.confidence,
            "role": parsed.role.confidence,
            "received_on": parsed.received_confidence if received_on else 0.0,
        },
        raw=kept_raw,
        raw_size=len(raw),
        suggested_application_id=matcher.best(parsed.company.value, parsed.role.value),
    )


def letter_ingest(
    *,
    user: User,
    raw: bytes,
    source: Source,
    matcher: ApplicationMatcher | None = None,
    dry_run: bool = False,
) -> IngestResult:
    """One message for a known user: a pending draft, unless it is a duplicate
    (same Message-ID, or same sender and text) or cannot be read."""
    try:
        parsed = parse_letter(raw)
    except LetterError as exc:
        return IngestResult(Outcome.INVALID, error=str(exc))
    if dry_run:
        return IngestResult(Outcome.CREATED, parsed=parsed)
    matcher = matcher or ApplicationMatcher.for_user(user)
    draft = _draft_from(user=user, parsed=parsed, raw=raw, source=source, matcher=matcher)
    same = Q(body_hash=draft.body_hash)
    if parsed.message_id:
        same |= Q(message_id=parsed.message_id)
    if InboundMessage.objects.for_user(user).filter(same).exists():
        return IngestResult(Outcome.DUPLICATE, parsed=parsed)
    try:
        with transaction.atomic():
            draft.save()
            InboundAttachment.objects.bulk_create(
                InboundAttachment(
                    message=draft,
                    filename=a.filename,
                    content_type=a.content_type,
                    size=a.size,
                    data=a.data,
                )
                for a in parsed.attachments
            )
    except IntegrityError:
        # The same message arriving through two doors at once: the unique
        # constraints let one in.
        return IngestResult(Outcome.DUPLICATE, parsed=parsed)
    return IngestResult(Outcome.CREATED, draft=draft, parsed=parsed)


# --- The forwarding address --------------------------------------------------------


def forwarding_address_get(*, user: User) -> ForwardingAddress:
    address, _created = ForwardingAddress.objects.get_or_create(user=user)
    return address


def forwarding_address_regenerate(*, user: User) -> ForwardingAddress:
    """A new token: mail to the old address is refused from now on."""
    address = forwarding_address_get(user=user)
    address.token = new_token()
    address.save(update_fields=["token"])
    return address


def address_for(token: str) -> str:
    """ajar@example.com + token -> ajar+token@example.com"""
    local, _at, domain = settings.AJAR_INBOUND_ADDRESS.partition("@")
    return f"{local}+{token}@{domain}" if domain else ""


def token_from(recipient: str) -> str:
    local, _at, domain = recipient.lower().partition("@")
    base_local, _a, base_domain = settings.AJAR_INBOUND_ADDRESS.lower().partition("@")
    if not domain or "+" not in local:
        return ""
    base, _plus, token = local.partition("+")
    if base_local and (base != base_local or domain != base_domain):
        return ""
    return token


def user_for_recipients(recipients: Iterable[str]) -> tuple[User | None, ForwardingAddress | None]:
    for recipient in recipients:
        token = token_from(recipient)
        if not token:
            continue
        address = ForwardingAddress.objects.select_related("user").filter(token=token).first()
        if address is not None and address.user.is_active:
            return address.user, address
    return None, None


def sender_verified(*, user: User, address: str) -> bool:
    return (
        bool(address)
        and EmailAddress.objects.filter(user=user, email__iexact=address, verified=True).exists()
    )


def _count_dropped(address: ForwardingAddress | None) -> None:
    if address is not None:
        ForwardingAddress.objects.filter(pk=address.pk).update(dropped_count=F("dropped_count") + 1)


def forwarded_letter_ingest(
    *, raw: bytes, source: Source, user: User | None = None, dry_run: bool = False
) -> IngestResult:
    """Mail to a forwarding address (the MTA pipe, the IMAP poller).

    Routed by recipient unless `user` is given; accepted only from one of that
    user's verified addresses, and refused when DKIM or SPF failed.
    """
    try:
        parsed = parse_letter(raw)
    except LetterError as exc:
        return IngestResult(Outcome.INVALID, error=str(exc))
    address = None
    if user is None:
        user, address = user_for_recipients(parsed.recipients)
        if user is None:
            return IngestResult(
                Outcome.UNKNOWN_ADDRESS,
                parsed=parsed,
                error=_("No Ajar user has this forwarding address."),
            )
    else:
        address = ForwardingAddress.objects.filter(user=user).first()
    if parsed.authentication_failed:
        if not dry_run:
            _count_dropped(address)
        return IngestResult(
            Outcome.REFUSED,
            parsed=parsed,
            error=_("Refused: the message failed DKIM or SPF authentication."),
        )
    if not sender_verified(user=user, address=parsed.envelope_from):
        if not dry_run:
            _count_dropped(address)
        return IngestResult(
            Outcome.REFUSED,
            parsed=parsed,
            error=_("Refused: the sender is not one of the user's verified addresses."),
        )
    return letter_ingest(user=user, raw=raw, source=source, dry_run=dry_run)


# --- Drafts: edit, confirm, dismiss ---------------------------------------------------


def _pending(draft: InboundMessage) -> InboundMessage:
    draft = InboundMessage.objects.select_for_update().get(pk=draft.pk)
    if draft.status != Status.PENDING:
        raise ValidationError(_("This message was already dealt with."))
    return draft


@transaction.atomic
def draft_update(
    *,
    draft: InboundMessage,
    company: str,
    role: str,
    received_on: datetime.date | None,
    text: str,
    kind: str,
) -> InboundMessage:
    draft = _pending(draft)
    draft.company, draft.role = company.strip()[:200], role.strip()[:200]
    draft.received_on, draft.text, draft.kind = received_on, text, kind
    draft.full_clean(exclude=["user", "raw", "suggested_application", "application"])
    draft.save()
    return draft


def _letter_file(draft: InboundMessage) -> LetterFile | None:
    raw = bytes(draft.raw or b"")
    if not raw:
        return None
    name = "".join(c if c.isalnum() or c in "-_ " else "_" for c in draft.subject)[:80].strip()
    return LetterFile(f"{name or 'letter'}.eml", EML, raw)


@transaction.atomic
def draft_confirm(
    *,
    draft: InboundMessage,
    stage_reached: Stage,
    application: Application | None = None,
    cooling_off_days: int | None = None,
) -> ConfirmResult:
    """Log the draft as a rejection, through rejection_log: on the application
    the user picked, or a new one for the draft's company and role. The
    message becomes the rejection's letter and the files found inside it move
    to the rejection (within its limits; returned are those left out)."""
    draft = _pending(draft)
    if application is None and not draft.company.strip():
        raise ValidationError({"company": _("Name the company.")})
    files = InboundAttachment.objects.filter(message=draft).order_by("id")
    enclosed = [
        LetterFile(name, sniffed_type(bytes(data)), bytes(data))
        for name, data in files.values_list("filename", "data")
    ]
    result = rejection_log(
        user=draft.user,
        stage_reached=stage_reached,
        application=application,
        company_name=draft.company,
        role=draft.role,
        received_on=draft.received_on or user_today(draft.user),
        channel=Channel.EMAIL,
        letter_text=draft.text,
        letter_file=_letter_file(draft),
        enclosed_files=enclosed,
        cooling_off_days=cooling_off_days or draft.planned_cooling_off_days,
    )
    files.delete()
    draft.status = Status.CONFIRMED
    draft.application = result.application
    draft.save(update_fields=["status", "application", "updated_at"])
    return ConfirmResult(draft=draft, files_left_out=result.files_left_out)


@dataclass(frozen=True)
class ConfirmResult:
    draft: InboundMessage
    files_left_out: list[LetterFile]


@transaction.atomic
def draft_dismiss(*, draft: InboundMessage) -> InboundMessage:
    """Not a rejection: kept (so it is not imported again), never logged."""
    draft = _pending(draft)
    draft.status = Status.NOT_REJECTION
    draft.save(update_fields=["status", "updated_at"])
    return draft


STAGE_FOR_KIND = {DraftKind.RECEIVED: Stage.APPLIED, DraftKind.INTERVIEW: Stage.INTERVIEW}


@transaction.atomic
def draft_add_stage(*, draft: InboundMessage, application: Application) -> InboundMessage:
    """An application-received or interview message adds that stage to the
    application the user picked."""
    draft = _pending(draft)
    stage = STAGE_FOR_KIND.get(DraftKind(draft.kind))
    if stage is None:
        raise ValidationError(_("Only a confirmation or an interview invitation adds a stage."))
    if application.user_id != draft.user_id:
        raise ValidationError(_("Pick one of your applications."))
    application_move(
        application=application,
        stage=stage,
        occurred_on=draft.received_on or user_today(draft.user),
        note=draft.subject[:500],
    )
    draft.status = Status.STAGE_ADDED
    draft.application = application
    draft.save(update_fields=["status", "application", "updated_at"])
    return draft


# --- Old rejections: spread their circle-backs -----------------------------------------


def _overdue(*, user: User) -> QuerySet[InboundMessage]:
    days = reminder_settings_get(user=user).cooling_off_days
    cutoff = user_today(user) - datetime.timedelta(days=days)
    return (
        InboundMessage.objects.for_user(user)
        .pending()
        .filter(
            kind=DraftKind.REJECTION,
            received_on__lte=cutoff,
            planned_cooling_off_days__isnull=True,
        )
    )


def overdue_drafts(*, user: User) -> list[InboundMessage]:
    """Pending rejections whose circle-back would already be due: logged as they
    are, they would all fall due at once (the oldest 500; the offer repeats)."""
    return list(_overdue(user=user).order_by("received_on", "id")[:500])


def overdue_count(*, user: User) -> int:
    return _overdue(user=user).count()


def spread_plan(
    *, received: Sequence[datetime.date], today: datetime.date, weeks: int
) -> list[int]:
    """Cooling-off days that put the circle-backs evenly over the coming weeks,
    oldest first, starting next week."""
    count = len(received)
    span = max(1, weeks * 7)
    plan = []
    for i, day in enumerate(received):
        due = today + datetime.timedelta(days=7 + (i * span) // max(1, count))
        plan.append(min(365, max(1, (due - day).days)))
    return plan


@transaction.atomic
def drafts_spread(*, user: User, weeks: int = 6) -> int:
    """Plan the circle-backs of the overdue rejection drafts over the coming
    `weeks`, instead of all falling due at once. Nothing is logged: each draft
    keeps its planned cooling-off until the user confirms it."""
    drafts = [d for d in overdue_drafts(user=user) if d.received_on]
    plan = spread_plan(
        received=[d.received_on for d in drafts if d.received_on],
        today=user_today(user),
        weeks=weeks,
    )
    for draft, days in zip(drafts, plan, strict=True):
        draft.planned_cooling_off_days = days
    InboundMessage.objects.bulk_update(drafts, ["planned_cooling_off_days"])
    return len(drafts)


# --- Many letters at once: the Inbox upload ----------------------------------------------


@dataclass
class UploadSummary:
    created: int = 0
    duplicates: int = 0
    refused: list[tuple[str, str]] | None = None  # (where, sentence)

    def add(self, where: str, result: IngestResult) -> None:
        if result.outcome == Outcome.CREATED:
            self.created += 1
        elif result.outcome == Outcome.DUPLICATE:
            self.duplicates += 1
        else:
            if self.refused is None:
                self.refused = []
            self.refused.append((where, result.error))


def letters_ingest(
    *, user: User, messages: Iterable[tuple[str, bytes]], source: Source
) -> UploadSummary:
    """Many messages (uploaded .eml files, an mbox read one message at a time):
    one draft each, duplicates skipped and counted. The open applications are
    loaded once for the whole batch; drafts are saved in batches."""
    matcher = ApplicationMatcher.for_user(user)
    summary = UploadSummary()
    batch: list[tuple[str, bytes, ParsedLetter]] = []
    held = 0
    for where, raw in messages:
        try:
            parsed = parse_letter(raw)
        except LetterError as exc:
            summary.add(where, IngestResult(Outcome.INVALID, error=str(exc)))
            continue
        batch.append((where, raw, parsed))
        held += len(raw)
        if len(batch) >= BATCH_MESSAGES or held >= BATCH_BYTES:
            _save_batch(user=user, batch=batch, source=source, matcher=matcher, summary=summary)
            batch, held = [], 0
    _save_batch(user=user, batch=batch, source=source, matcher=matcher, summary=summary)
    return summary


# A large upload is saved in batches: a commit, a duplicate check and an insert
# per message would be most of its time. Bounded in bytes too, so the messages
# held in memory stay few whatever their size.
BATCH_MESSAGES = 100
BATCH_BYTES = 8 * 1024 * 1024


def _save_batch(
    *,
    user: User,
    batch: list[tuple[str, bytes, ParsedLetter]],
    source: Source,
    matcher: ApplicationMatcher,
    summary: UploadSummary,
) -> None:
    if not batch:
        return
    drafts = [
        (
            where,
            parsed,
            _draft_from(user=user, parsed=parsed, raw=raw, source=source, matcher=matcher),
            raw,
        )
        for where, raw, parsed in batch
    ]
    ids = {d.message_id for _w, _p, d, _r in drafts if d.message_id}
    hashes = {d.body_hash for _w, _p, d, _r in drafts}
    known = InboundMessage.objects.for_user(user).filter(
        Q(message_id__in=ids) | Q(body_hash__in=hashes)
    )
    seen_ids, seen_hashes = set(), set()
    for message_id, body_hash in known.values_list("message_id", "body_hash"):
        seen_ids.add(message_id)
        seen_hashes.add(body_hash)
    fresh = []
    for where, parsed, draft, raw in drafts:
        if (draft.message_id and draft.message_id in seen_ids) or draft.body_hash in seen_hashes:
            summary.add(where, IngestResult(Outcome.DUPLICATE, parsed=parsed))
            continue
        if draft.message_id:
            seen_ids.add(draft.message_id)
        seen_hashes.add(draft.body_hash)
        fresh.append((where, parsed, draft, raw))
    try:
        with transaction.atomic():
            InboundMessage.objects.bulk_create([d for _w, _p, d, _r in fresh])
            InboundAttachment.objects.bulk_create(
                InboundAttachment(
                    message=draft,
                    filename=a.filename,
                    content_type=a.content_type,
                    size=a.size,
                    data=a.data,
                )
                for _w, parsed, draft, _r in fresh
                for a in parsed.attachments
            )
    except IntegrityError:
        # The same letters arriving through another door at this moment: one at
        # a time, each behind its own guard.
        for where, _parsed, _draft, raw in fresh:
            summary.add(where, letter_ingest(user=user, raw=raw, source=source, matcher=matcher))
        return
    for where, parsed, draft, _raw in fresh:
        summary.add(where, IngestResult(Outcome.CREATED, draft=draft, parsed=parsed))


def mbox_messages(path: str, *, limit: int) -> Iterable[tuple[str, bytes]]:
    """The messages of an mbox file on disk, one at a time (never loaded whole),
    in one pass: the bytes mailbox.mbox's get_bytes gives (each message after
    its "From " line, without the blank line before the next), without its
    table of contents, which reads every line once more to find the starts.
    A message longer than the parser takes is cut one byte past that limit,
    so the parser refuses it without the whole of it in memory."""
    number = 0
    lines: list[bytes] | None = None  # None until the first "From " line
    held = 0
    with Path(path).open("rb") as handle:
        for line in handle:
            if line.startswith(b"From "):
                if lines is not None:
                    number += 1
                    yield _mbox_message(number, lines, limit)
                lines, held = [], 0
            elif lines is not None and held <= MAX_MESSAGE_BYTES:
                lines.append(line)
                held += len(line)
    if lines is not None:
        yield _mbox_message(number + 1, lines, limit)


def _mbox_message(number: int, lines: list[bytes], limit: int) -> tuple[str, bytes]:
    if number > limit:
        raise ValidationError(
            _("The mailbox has more than %(n)s messages: split it first.") % {"n": limit}
        )
    if lines and lines[-1] == b"\n":
        lines.pop()
    return _("message %(n)s") % {"n": number}, b"".join(lines)[: MAX_MESSAGE_BYTES + 1]
