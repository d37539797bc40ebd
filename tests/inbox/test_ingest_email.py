"""`manage.py ingest_email`: the JSON contract, files, mbox, maildir and stdin,
and the MTA pipe as a real subprocess with sysexits exit codes."""

import io
import json
import mailbox
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from inbox.models import ForwardingAddress, InboundMessage
from inbox.services import address_for, forwarding_address_get
from tests.inbox.conftest import forwarded_to
from tests.inbox.letters import LETTERS, letter

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_KEYS = {
    "message_id",
    "from",
    "company",
    "role",
    "received_on",
    "kind",
    "rejection_score",
    "text",
    "attachments",
    "error",
}


def _json(*args, stdin: bytes = b"") -> list[dict]:
    out = io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        call_command("ingest_email", *args, stdout=out, stderr=io.StringIO())
    finally:
        sys.stdin = old_stdin
    return json.loads(out.getvalue())


def test_dry_run_json_gives_exactly_the_contracts_keys_for_every_letter():
    paths = sorted(str(p) for p in LETTERS.glob("*.eml"))
    rows = _json("--dry-run", "--format", "json", *paths)
    assert len(rows) == len(paths)
    for row in rows:
        assert set(row) == CONTRACT_KEYS
        assert row["kind"] in {"rejection", "received", "interview", "other", None}
        for attachment in row["attachments"]:
            assert set(attachment) == {"filename", "content_type", "size"}
    by_id = {row["message_id"]: row for row in rows if row["message_id"]}
    pdf = by_id["multipart-pdf-1@starkindustries.com"]
    assert pdf["company"] == "Stark Industries"
    assert pdf["received_on"] == "2025-02-17"
    assert pdf["kind"] == "rejection"
    assert pdf["error"] is None
    assert {"filename": "decision.pdf", "content_type": "application/pdf", "size": 45} in pdf[
        "attachments"
    ]
    errors = [row["error"] for row in rows if row["error"]]
    assert any("PNG image" in e for e in errors)
    assert any("too many parts" in e for e in errors)


def test_blank_fields_are_null_not_invented():
    [row] = _json("--dry-run", "--format", "json", str(LETTERS / "missing_charset_no_date.eml"))
    assert row["received_on"] is None
    assert row["role"] is None


def test_stdin_is_one_message(db):
    [row] = _json("--dry-run", "--format", "json", stdin=letter("fwd_apple.eml"))
    assert row["from"] == "jobs@umbrella.co.uk"
    assert row["received_on"] == "2025-01-21"


def _mbox(path: Path, names: list[str]) -> Path:
    box = mailbox.mbox(path)
    for name in names:
        box.add(letter(name))
    box.flush()
    box.close()
    return path


def test_an_mbox_and_a_maildir_are_read_message_by_message(tmp_path):
    names = ["fwd_gmail.eml", "interview.eml", "received.eml"]
    mbox_rows = _json("--dry-run", "--format", "json", str(_mbox(tmp_path / "export.mbox", names)))
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    for name in names:
        maildir.add(letter(name))
    maildir_rows = _json("--dry-run", "--format", "json", str(tmp_path / "Maildir"))
    assert sorted(r["kind"] for r in mbox_rows) == ["interview", "received", "rejection"]
    assert sorted(r["message_id"] for r in maildir_rows) == sorted(
        r["message_id"] for r in mbox_rows
    )


def test_files_for_a_user_become_drafts_and_a_second_run_skips_them(seeker):
    paths = [str(LETTERS / "multipart_pdf.eml"), str(LETTERS / "png_renamed.eml")]
    rows = _json("--user", seeker.email, "--format", "json", *paths)
    assert [r["error"] is None for r in rows] == [True, False]
    draft = InboundMessage.objects.get(user=seeker)
    assert draft.company == "Stark Industries"
    assert draft.attachments.count() == 3
    again = _json("--user", seeker.email, "--format", "json", *paths)
    assert "Already in the Inbox" in again[0]["error"]
    assert InboundMessage.objects.count() == 1


def test_dry_run_saves_nothing(seeker):
    _json("--user", seeker.email, "--dry-run", "--format", "json", str(LETTERS / "interview.eml"))
    assert not InboundMessage.objects.exists()


# --- The MTA pipe, as a real subprocess -------------------------------------------------


def _database_url() -> str:
    s = connection.settings_dict
    host = s["HOST"] or ""
    auth = s["USER"] or ""
    netloc = f"{auth}@{host}" if auth and host else host
    if s["PORT"] and host:
        netloc += f":{s['PORT']}"
    return f"postgres://{netloc}/{s['NAME']}"


def _pipe(raw: bytes, database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "AJAR_INBOUND_ADDRESS": "ajar@inbound.example.org",
        "AJAR_TESTING": "1",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "ingest_email", *args],
        input=raw,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture
def pipe_db(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("the MTA pipe test runs against PostgreSQL (DATABASE_URL)")
    return _database_url()


def _snapshot() -> tuple:
    from applications.models import Application

    return (
        InboundMessage.objects.count(),
        Application.objects.count(),
        list(ForwardingAddress.objects.values_list("token", flat=True)),
    )


def test_the_pipe_files_a_forwarded_letter_as_a_pending_draft(pipe_db, seeker, inbound_settings):
    address = address_for(forwarding_address_get(user=seeker).token)
    done = _pipe(forwarded_to(letter("fwd_outlook.eml"), address), pipe_db)
    assert done.returncode == 0, done.stderr
    draft = InboundMessage.objects.get(user=seeker)
    assert (draft.company, draft.role, str(draft.received_on)) == (
        "Initech",
        "Product Manager",
        "2025-02-14",
    )
    assert draft.status == "pending"
    assert draft.source == "forward"


def test_an_unknown_address_exits_67_and_changes_nothing(pipe_db, seeker, inbound_settings):
    forwarding_address_get(user=seeker)
    before = _snapshot()
    done = _pipe(
        forwarded_to(letter("fwd_gmail.eml"), "ajar+nosuchtoken@inbound.example.org"), pipe_db
    )
    assert done.returncode == 67, done.stderr
    assert _snapshot() == before


def test_a_retired_address_exits_67(pipe_db, seeker, inbound_settings):
    from inbox.services import forwarding_address_regenerate

    old = address_for(forwarding_address_get(user=seeker).token)
    forwarding_address_regenerate(user=seeker)
    done = _pipe(forwarded_to(letter("fwd_gmail.eml"), old), pipe_db)
    assert done.returncode == 67
    assert not InboundMessage.objects.exists()


def test_mail_from_an_unverified_sender_is_refused_and_counted(pipe_db, seeker, inbound_settings):
    address = address_for(forwarding_address_get(user=seeker).token)
    raw = forwarded_to(letter("fwd_gmail.eml"), address).replace(
        b"From: Jane Seeker <seeker@example.com>", b"From: Mallory <mallory@example.net>"
    )
    before = _snapshot()
    done = _pipe(raw, pipe_db)
    assert done.returncode == 0
    assert "1 refused" in done.stderr.decode()
    assert _snapshot() == before
    assert ForwardingAddress.objects.get(user=seeker).dropped_count == 1


def test_failed_dkim_is_refused(pipe_db, seeker, inbound_settings):
    address = address_for(forwarding_address_get(user=seeker).token)
    raw = b"Authentication-Results: mx.example.org; dkim=fail; spf=pass\n" + forwarded_to(
        letter("fwd_gmail.eml"), address
    )
    done = _pipe(raw, pipe_db)
    assert done.returncode == 0
    assert "refused" in done.stderr.decode()
    assert not InboundMessage.objects.exists()


def test_unreadable_mail_exits_0_with_nothing_saved(pipe_db, seeker, inbound_settings):
    done = _pipe(letter("png_renamed.eml"), pipe_db)
    assert done.returncode == 0
    assert "invalid" in done.stderr.decode()
    assert not InboundMessage.objects.exists()


def test_the_database_down_exits_75_so_the_mta_retries(tmp_path):
    done = _pipe(letter("fwd_gmail.eml"), "postgres://nobody@127.0.0.1:1/nothing?connect_timeout=2")
    assert done.returncode == 75, done.stderr
    assert "try again later" in done.stderr.decode()
