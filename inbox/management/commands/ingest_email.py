"""Mail in from the command line: an MTA alias pipe, procmail, fetchmail, or an admin.

    python manage.py ingest_email [--user EMAIL] [--dry-run] [--format json] [PATH ...]

PATHs are .eml files, mbox files or maildirs; standard input (one message) when
there is none. Without --user, each message is routed by its recipient (the
user's forwarding address) and accepted only from one of that user's verified
addresses. Exit codes follow sysexits.h: 67 (EX_NOUSER) when a message is for no
known user, 75 (EX_TEMPFAIL) when the database is down, so the MTA tries again
later, 0 otherwise (refused, unreadable and duplicate messages included: they are
reported, and retrying would not change them).

`--dry-run --format json` saves nothing and prints a JSON array, one object per
message, with exactly these keys: message_id, from, company, role, received_on
(YYYY-MM-DD or null), kind, rejection_score, text, attachments (a list of
{filename, content_type, size}) and error (null or a sentence). Operators and
automated checks read the parser through it: keep it stable.
"""

from __future__ import annotations

import datetime
import json
import mailbox
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, InterfaceError, OperationalError

from accounts.models import User
from applications.letters.parser import MAX_MESSAGE_BYTES, LetterError, ParsedLetter, parse_letter
from inbox.models import Source
from inbox.services import IngestResult, Outcome, forwarded_letter_ingest, letter_ingest

EX_OK = 0
EX_NOUSER = 67
EX_TEMPFAIL = 75


def _messages(paths: list[str], stdin: Any) -> Iterator[tuple[str, bytes]]:
    """(where, raw bytes) for every message, streamed: an mbox is indexed on
    disk and read one message at a time, never loaded whole."""
    if not paths:
        data = stdin.buffer.read(MAX_MESSAGE_BYTES + 1) if hasattr(stdin, "buffer") else b""
        yield "<stdin>", data
        return
    for name in paths:
        path = Path(name)
        if path.is_dir():
            if not all((path / sub).is_dir() for sub in ("cur", "new")):
                raise CommandError(f"{name}: a directory that is not a maildir (no cur/ and new/)")
            maildir = mailbox.Maildir(path, factory=None, create=False)
            for key in maildir.iterkeys():
                yield f"{name}:{key}", maildir.get_bytes(key)
            continue
        if not path.is_file():
            raise CommandError(f"{name}: no such file")
        with path.open("rb") as handle:
            head = handle.read(5)
        if head == b"From ":
            box = mailbox.mbox(path, factory=None, create=False)
            try:
                for key in box.iterkeys():
                    yield f"{name}:{key}", box.get_bytes(key)
            finally:
                box.close()
            continue
        with path.open("rb") as handle:
            # One byte over the limit is enough for the parser to refuse it.
            yield name, handle.read(MAX_MESSAGE_BYTES + 1)


def contract_row(
    parsed: ParsedLetter | None, error: str, zone: datetime.tzinfo = datetime.UTC
) -> dict[str, Any]:
    """One message as the JSON contract states it, no more keys, no fewer."""
    if parsed is None:
        return {
            "message_id": None,
            "from": None,
            "company": None,
            "role": None,
            "received_on": None,
            "kind": None,
            "rejection_score": None,
            "text": None,
            "attachments": [],
            "error": error or None,
        }
    received_on = parsed.received_on(zone)
    return {
        "message_id": parsed.message_id or None,
        "from": parsed.sender_address or None,
        "company": parsed.company.value or None,
        "role": parsed.role.value or None,
        "received_on": received_on.isoformat() if received_on else None,
        "kind": str(parsed.kind),
        "rejection_score": parsed.rejection_score,
        "text": parsed.text,
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in parsed.attachments
        ],
        "error": error or None,
    }


def _ingest_one(
    raw: bytes, *, user: User | None, source: Source, dry_run: bool, files: bool
) -> IngestResult:
    if dry_run and user is None:
        # Parse only: nothing is routed, so no database is needed.
        try:
            return IngestResult(Outcome.CREATED, parsed=parse_letter(raw))
        except LetterError as exc:
            return IngestResult(Outcome.INVALID, error=str(exc))
    if user is not None and files:
        # An admin's files for a user: letters from employers, not forwards.
        result = letter_ingest(user=user, raw=raw, source=source, dry_run=dry_run)
    else:
        result = forwarded_letter_ingest(raw=raw, source=source, user=user, dry_run=dry_run)
    if result.outcome == Outcome.DUPLICATE:
        return IngestResult(
            Outcome.DUPLICATE,
            parsed=result.parsed,
            error="Already in the Inbox (the same Message-ID or the same letter).",
        )
    return result


class Command(BaseCommand):
    help = "Turn email messages (stdin, .eml, mbox, maildir) into Inbox drafts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", metavar="PATH")
        parser.add_argument("--user", metavar="EMAIL", help="file every message for this user")
        parser.add_argument("--dry-run", action="store_true", help="parse and report; save nothing")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            code = self._run(options)
        except (OperationalError, InterfaceError) as exc:
            self.stderr.write(f"ingest_email: the database is unavailable, try again later: {exc}")
            code = EX_TEMPFAIL
        except DatabaseError as exc:
            self.stderr.write(f"ingest_email: database error, try again later: {exc}")
            code = EX_TEMPFAIL
        if code:
            sys.exit(code)

    def _run(self, options: dict[str, Any]) -> int:
        dry_run, as_json = options["dry_run"], options["format"] == "json"
        user = None
        if options["user"]:
            user = User.objects.filter(email__iexact=options["user"].strip()).first()
            if user is None:
                self.stderr.write(f"ingest_email: no user {options['user']}")
                return EX_NOUSER
        zone = user.zone if user is not None else datetime.UTC
        source = Source.COMMAND if options["paths"] else Source.FORWARD
        rows: list[dict[str, Any]] = []
        counts: dict[str, int] = {}
        unknown = False
        paths = bool(options["paths"])
        for where, raw in _messages(options["paths"], sys.stdin):
            result = _ingest_one(raw, user=user, source=source, dry_run=dry_run, files=paths)
            parsed, error, outcome = result.parsed, result.error, result.outcome
            if result.draft is not None:
                zone = result.draft.user.zone
            unknown = unknown or outcome == Outcome.UNKNOWN_ADDRESS
            counts[outcome] = counts.get(outcome, 0) + 1
            rows.append(contract_row(parsed, error, zone))
            if not as_json:
                label = "would add" if dry_run and outcome == Outcome.CREATED else outcome
                subject = parsed.subject if parsed is not None else ""
                self.stdout.write(f"{where}: {label}: {error or subject}")
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
        if dry_run and Outcome.CREATED in counts:
            counts["would be added"] = counts.pop(Outcome.CREATED)
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items()))
        self.stderr.write(f"ingest_email: {summary or 'no messages'}")
        return EX_NOUSER if unknown else EX_OK
