"""The IMAP poller against a real Dovecot: reads by UID, files drafts, moves
what it processed, and imports nothing twice after a restart."""

import imaplib
import shutil
import tempfile
from pathlib import Path

import pytest

from inbox.imap import imap_poll, target_from_url
from inbox.models import ImapState, InboundMessage
from inbox.services import address_for, forwarding_address_get
from tests.inbox.conftest import forwarded_to
from tests.inbox.dovecot import PASSWORD, USER, Dovecot, available
from tests.inbox.letters import letter

PROCESSED = "Ajar/Processed"


@pytest.fixture(scope="module")
def dovecot():
    reason = available()
    if reason:
        pytest.skip(reason)
    # Not under pytest's tmp_path: Dovecot's own user must traverse the path,
    # and pytest's base directory is private to root.
    workdir = Path(tempfile.mkdtemp(prefix="ajar-dovecot-"))
    server = Dovecot(workdir)
    try:
        yield server.start()
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def imap(dovecot):
    """A clean INBOX (and no processed folder) for each test."""
    client = imaplib.IMAP4("127.0.0.1", dovecot.port)
    client.login(USER, PASSWORD)
    for folder in ("INBOX", PROCESSED):
        status, data = client.select(folder)
        if status == "OK" and int(data[0]):
            client.store("1:*", "+FLAGS", r"\Deleted")
            client.expunge()
    client.select("INBOX")
    yield client
    client.logout()


def _append(client, raw: bytes) -> None:
    status, _ = client.append("INBOX", "", imaplib.Time2Internaldate(0), raw)
    assert status == "OK"


def _count(client, folder: str) -> int:
    status, data = client.select(folder, readonly=True)
    return int(data[0]) if status == "OK" else 0


def test_the_url_names_server_account_and_folder():
    target = target_from_url("imaps://ajar%40example.com:p%40ss@mail.example.com/Jobs")
    assert (target.host, target.port, target.user, target.password, target.folder) == (
        "mail.example.com",
        993,
        "ajar@example.com",
        "p@ss",
        "Jobs",
    )


@pytest.mark.django_db
def test_the_poller_files_drafts_and_moves_what_it_read(dovecot, imap, seeker, inbound_settings):
    address = address_for(forwarding_address_get(user=seeker).token)
    _append(imap, forwarded_to(letter("fwd_gmail.eml"), address))
    _append(imap, forwarded_to(letter("fwd_outlook.eml"), address))
    _append(imap, letter("png_renamed.eml"))

    result = imap_poll(url=dovecot.url, processed_folder=PROCESSED)

    assert result.seen == 3
    drafts = InboundMessage.objects.filter(user=seeker, source="imap")
    assert sorted(drafts.values_list("company", flat=True)) == ["Globex", "Initech"]
    assert _count(imap, "INBOX") == 0
    assert _count(imap, PROCESSED) == 3


@pytest.mark.django_db
def test_nothing_is_imported_twice_after_a_restart(dovecot, imap, seeker, inbound_settings):
    address = address_for(forwarding_address_get(user=seeker).token)
    _append(imap, forwarded_to(letter("fwd_apple.eml"), address))
    imap_poll(url=dovecot.url, processed_folder=PROCESSED)
    assert imap_poll(url=dovecot.url, processed_folder=PROCESSED).seen == 0

    # A crash after the draft was saved and before the UID was recorded and the
    # message moved: the next poll reads it again, and the Message-ID guard holds.
    client = imaplib.IMAP4("127.0.0.1", dovecot.port)
    client.login(USER, PASSWORD)
    _append(client, forwarded_to(letter("fwd_apple.eml"), address))
    client.logout()
    ImapState.objects.update(last_uid=0)
    result = imap_poll(url=dovecot.url, processed_folder=PROCESSED)
    assert result.outcomes == {"duplicate": 1}
    assert InboundMessage.objects.filter(user=seeker).count() == 1


@pytest.mark.django_db
def test_mail_from_strangers_is_moved_but_not_kept(dovecot, imap, seeker, inbound_settings):
    address = address_for(forwarding_address_get(user=seeker).token)
    raw = forwarded_to(letter("fwd_gmail.eml"), address).replace(
        b"seeker@example.com>", b"mallory@example.net>"
    )
    _append(imap, raw)
    result = imap_poll(url=dovecot.url, processed_folder=PROCESSED)
    assert result.outcomes == {"refused": 1}
    assert not InboundMessage.objects.exists()
    assert _count(imap, PROCESSED) == 1


def test_the_beat_task_does_nothing_without_a_mailbox(settings):
    from inbox.tasks import imap_poll as task

    settings.AJAR_INBOUND_IMAP_URL = ""
    assert task() == 0
