"""The IMAP poller: the operator's mailbox (AJAR_INBOUND_IMAP_URL) read by beat.

Each poll reads the messages whose UID is above the last one seen, one at a
time, files each through the same door as the MTA pipe (routed by recipient,
verified senders only), records the UID, then moves the message to the
processed folder. A restart re-reads at most the message it was working on, and
the Message-ID dedupe keeps that from becoming a second draft. A new
UIDVALIDITY (the folder was recreated) starts over from UID 1, with the same
guard.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from imap_tools import MailBox, MailBoxUnencrypted
from imap_tools.mailbox import BaseMailBox

from applications.letters.parser import MAX_MESSAGE_BYTES
from inbox.models import ImapState, Source
from inbox.services import Outcome, forwarded_letter_ingest

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30
# One poll handles at most this many messages; the next poll goes on.
BATCH = 200


@dataclass(frozen=True)
class ImapTarget:
    secure: bool
    host: str
    port: int
    user: str
    password: str
    folder: str

    @property
    def key(self) -> str:
        # Where the poller got to is kept per server, account and folder (no password).
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"


def target_from_url(url: str) -> ImapTarget:
    parts = urlsplit(url)
    if parts.scheme not in {"imap", "imaps"} or not parts.hostname:
        raise ImproperlyConfigured(
            "AJAR_INBOUND_IMAP_URL must look like imaps://user:password@host[:port]/FOLDER"
        )
    secure = parts.scheme == "imaps"
    return ImapTarget(
        secure=secure,
        host=parts.hostname,
        port=parts.port or (993 if secure else 143),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
    )


@dataclass
class PollResult:
    seen: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def _connect(target: ImapTarget) -> BaseMailBox:
    box_class = MailBox if target.secure else MailBoxUnencrypted
    box = box_class(target.host, target.port, timeout=TIMEOUT_SECONDS)
    box.login(target.user, target.password, initial_folder=target.folder)
    return box


def _uidvalidity(box: BaseMailBox, folder: str) -> int:
    status = box.folder.status(folder, ["UIDVALIDITY"])
    return int(status["UIDVALIDITY"])


def _fetch_raw(box: BaseMailBox, uid: str) -> bytes:
    # The raw bytes, unparsed: our parser (with its limits) is the only one to
    # read them. BODY.PEEK leaves the \Seen flag alone.
    status, data = box.client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        return b""
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return bytes(item[1])[: MAX_MESSAGE_BYTES + 1]
    return b""


def _ensure_folder(box: BaseMailBox, folder: str) -> None:
    if not box.folder.exists(folder):
        box.folder.create(folder)


def imap_poll(*, url: str | None = None, processed_folder: str | None = None) -> PollResult:
    """Read new messages from the IMAP folder into drafts, then move them."""
    target = target_from_url(url or settings.AJAR_INBOUND_IMAP_URL)
    processed = processed_folder or settings.AJAR_INBOUND_IMAP_PROCESSED
    result = PollResult()
    with _connect(target) as box:
        _ensure_folder(box, processed)
        box.folder.set(target.folder)
        state, _created = ImapState.objects.get_or_create(mailbox=target.key)
        validity = _uidvalidity(box, target.folder)
        if state.uidvalidity != validity:
            state.uidvalidity, state.last_uid = validity, 0
            state.save(update_fields=["uidvalidity", "last_uid", "updated_at"])
        # "UID n:*" always includes the highest UID, even when it is below n.
        uids = [
            uid
            for uid in box.uids(f"UID {state.last_uid + 1}:*")
            if re.fullmatch(r"\d+", uid) and int(uid) > state.last_uid
        ]
        for uid in sorted(uids, key=int)[:BATCH]:
            raw = _fetch_raw(box, uid)
            ingested = forwarded_letter_ingest(raw=raw, source=Source.IMAP)
            result.seen += 1
            result.outcomes[ingested.outcome] = result.outcomes.get(ingested.outcome, 0) + 1
            if ingested.outcome != Outcome.CREATED:
                logger.info("imap uid %s: %s %s", uid, ingested.outcome, ingested.error)
            state.last_uid = int(uid)
            state.save(update_fields=["last_uid", "updated_at"])
            box.move(uid, processed)
    return result
