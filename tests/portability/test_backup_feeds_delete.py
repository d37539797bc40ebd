"""Backup and restore, calendar and vCard files, deleting the account."""

import datetime
import io
import json
import zipfile

import icalendar
import pytest
import vobject
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from applications.models import Application, Attachment, Stage, StageEvent
from contacts.models import Contact
from portability import backup
from reminders import engine
from reminders.models import Reminder, ReminderStatus
from reminders.services import reminder_snooze
from tests.factories import (
    ApplicationFactory,
    AttachmentFactory,
    ContactFactory,
    InteractionFactory,
    ReminderFactory,
    UserFactory,
)
from tests.portability.helpers import zip_bytes

pytestmark = pytest.mark.django_db


def _fill(user):
    attachment = AttachmentFactory(user=user, rejection__application__outcome="rejected")
    app = attachment.rejection.application
    contact = ContactFactory(user=user, company=app.company, name="Ada Lovelace")
    contact.applications.add(app)
    talk = InteractionFactory(user=user, application=app, summary="Coffee")
    talk.contacts.add(contact)
    ReminderFactory(
        user=user, application=app, rejection=attachment.rejection, status=ReminderStatus.DONE
    )
    other = ApplicationFactory(user=user, role="Second")
    soon = timezone.now().replace(microsecond=0) + datetime.timedelta(days=7)
    StageEvent.objects.create(
        application=other, stage=Stage.INTERVIEW, occurred_on=soon.date(), scheduled_at=soon
    )
    return app


def _normalised(data: dict) -> dict:
    """The backup without ids, tokens or when it was taken: ids renumbered by position."""
    data = json.loads(json.dumps(data, default=str))
    data.pop("exported_at")
    maps = {}
    for table in backup.TABLES:
        maps[table.key] = {row["id"]: i for i, row in enumerate(data[table.key])}
    for table in backup.TABLES:
        for row in data[table.key]:
            row["id"] = maps[table.key][row["id"]]
            for name, target in {**table.links, **table.many}.items():
                value = row.get(name)
                if isinstance(value, list):
                    row[name] = sorted(maps[target][v] for v in value)
                elif value is not None:
                    row[name] = maps[target][value]
            row.pop("path", None)
    return data


def test_round_trip_is_lossless(user):
    _fill(user)
    first = backup.backup_bytes(user)
    fresh = UserFactory()
    result = backup.backup_restore(user=fresh, source=io.BytesIO(first))
    assert result.counts["applications"] == 2
    second = backup.backup_bytes(fresh)
    read = lambda blob: json.loads(zipfile.ZipFile(io.BytesIO(blob)).read("ajar.json"))  # noqa: E731
    assert _normalised(read(first)) == _normalised(read(second))
    restored = Attachment.objects.get(user=fresh)
    assert bytes(restored.data) == bytes(Attachment.objects.get(user=user).data)
    assert Reminder.objects.get(user=fresh).status == ReminderStatus.DONE


def test_restore_only_into_an_empty_account(user):
    _fill(user)
    blob = backup.backup_bytes(user)
    with pytest.raises(backup.RestoreError, match="empty account"):
        backup.backup_restore(user=user, source=io.BytesIO(blob))


def _backup_with(data=None, extra=None, compression=zipfile.ZIP_DEFLATED):
    payload = {"format": "ajar-backup", "format_version": 1, "user": {}, "reminder_settings": None}
    for table in backup.TABLES:
        payload[table.key] = []
    payload.update(data or {})
    members = {"ajar.json": json.dumps(payload).encode(), **(extra or {})}
    return zip_bytes(members, compression=compression)


@pytest.mark.parametrize(
    ("blob", "needle"),
    [
        (_backup_with({"format_version": 2}), "format version is 2"),
        (_backup_with({"applications": {"not": "a list"}}), "not a list"),
        (
            _backup_with({"applications": [{"id": 1, "company": 99, "role": "x"}]}),
            "missing company",
        ),
        (_backup_with(extra={"../../etc/passwd": b"x"}), "outside its folders"),
        (_backup_with(extra={"/abs": b"x"}), "outside its folders"),
        (_backup_with(extra={"attachments/../x": b"x"}), "outside its folders"),
        (
            _backup_with(
                extra={"attachments/big": b"\0" * (6 * 1024 * 1024)}, compression=zipfile.ZIP_STORED
            ),
            "5 MB",
        ),
        (_backup_with(extra={"attachments/bomb": b"\0" * (4 * 1024 * 1024)}), "suspiciously"),
        (zip_bytes({"ajar.json": b"{not json"}), "not valid JSON"),
        (zip_bytes({"ajar.json": b"[1, 2]"}), "not an Ajar backup"),
        (zip_bytes({"other.json": b"{}"}), "outside its folders"),
        (b"not a zip at all", "not a zip"),
    ],
)
def test_hostile_backups_are_refused_and_nothing_is_written(user, blob, needle):
    with pytest.raises(backup.RestoreError, match=needle):
        backup.backup_restore(user=user, source=io.BytesIO(blob))
    assert not Application.objects.filter(user=user).exists()


def test_backup_page_and_restore_page(client, user):
    _fill(user)
    client.force_login(user)
    response = client.get(reverse("portability:export_backup"))
    blob = b"".join(response.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(blob)).namelist()[0] == "ajar.json"
    fresh = UserFactory()
    client.force_login(fresh)
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = client.post(
        reverse("portability:restore"), {"file": SimpleUploadedFile("b.zip", b"junk")}
    )
    assert bad.status_code == 400
    assert "not a zip" in bad.content.decode()
    ok = client.post(reverse("portability:restore"), {"file": SimpleUploadedFile("b.zip", blob)})
    assert ok.status_code == 302
    assert Application.objects.filter(user=fresh).count() == 2


def test_export_and_import_account_commands(tmp_path, user):
    _fill(user)
    path = tmp_path / "b.zip"
    call_command(
        "export_account", "--user", user.email, "--output", str(path), stdout=io.StringIO()
    )
    fresh = UserFactory()
    call_command("import_account", "--user", fresh.email, str(path), stdout=io.StringIO())
    assert Contact.objects.filter(user=fresh).count() == 1


# --- Calendar -------------------------------------------------------------------------


def _feed(client, token):
    response = client.get(reverse("portability:calendar_feed", args=[token]))
    return response, (
        icalendar.Calendar.from_ical(response.content) if response.status_code == 200 else None
    )


def test_calendar_feed_parses_back_and_sequence_rises_on_snooze(client, user):
    _fill(user)
    reminder = ReminderFactory(user=user, due_at=timezone.now() + datetime.timedelta(days=3))
    from portability.services import calendar_feed_get, calendar_feed_regenerate

    token = calendar_feed_get(user=user).token
    response, calendar = _feed(client, token)  # anonymous: the token is the credential
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert str(calendar["X-WR-CALNAME"]).startswith("Ajar")
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    uid = f"circle-back-{reminder.pk}@"
    mine = next(e for u, e in events.items() if u.startswith(uid))
    assert mine["DTSTART"].dt.tzinfo is not None
    assert mine["DTSTART"].dt.utcoffset() == datetime.timedelta(0)
    assert "DTSTAMP" in mine
    assert int(mine["SEQUENCE"]) == 0
    assert "URL" in mine
    assert any(str(u).startswith("interview-") for u in events)
    # Same again: same UID, same sequence.
    _, again = _feed(client, token)
    assert (
        int(next(e for e in again.walk("VEVENT") if str(e["UID"]).startswith(uid))["SEQUENCE"]) == 0
    )
    reminder_snooze(reminder=reminder, weeks=2)
    _, later = _feed(client, token)
    assert (
        int(next(e for e in later.walk("VEVENT") if str(e["UID"]).startswith(uid))["SEQUENCE"]) == 1
    )
    # A new secret retires the old URL.
    new = calendar_feed_regenerate(user=user).token
    assert _feed(client, token)[0].status_code == 404
    assert _feed(client, new)[0].status_code == 200


def test_one_off_ics_for_a_circle_back_and_an_interview(user_client, user):
    reminder = ReminderFactory(user=user)
    event = StageEvent.objects.create(
        application=reminder.application,
        stage=Stage.INTERVIEW,
        occurred_on=datetime.date(2026, 5, 1),
        scheduled_at=datetime.datetime(2026, 5, 1, 9, 30, tzinfo=datetime.UTC),
    )
    for url in (
        reverse("portability:reminder_ics", args=[reminder.pk]),
        reverse("portability:interview_ics", args=[event.pk]),
    ):
        response = user_client.get(url)
        calendar = icalendar.Calendar.from_ical(response.content)
        assert len(calendar.walk("VEVENT")) == 1
    interview = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert interview["DTSTART"].dt == datetime.datetime(2026, 5, 1, 9, 30, tzinfo=datetime.UTC)


# --- vCard ----------------------------------------------------------------------------


def test_vcards_parse_back(user_client, user):
    app = ApplicationFactory(user=user, role="Data engineer", company__name="Initech")
    contact = ContactFactory(
        user=user,
        company=app.company,
        name="Grace Hopper",
        title="CTO",
        phone="+1 555 0100",
        profile_url="https://example.com/grace",
        email="grace@initech.example",
    )
    contact.applications.add(app)
    ContactFactory(user=user, name="Alan Turing")
    one = user_client.get(reverse("portability:contact_vcard", args=[contact.pk])).content.decode()
    card = vobject.readOne(one)
    assert card.version.value == "3.0"
    assert card.fn.value == "Grace Hopper"
    assert card.org.value == ["Initech"]
    assert card.title.value == "CTO"
    assert card.email.value == "grace@initech.example"
    assert card.tel.value == "+1 555 0100"
    assert card.url.value == "https://example.com/grace"
    assert "Data engineer at Initech" in card.note.value
    everyone = list(
        vobject.readComponents(
            user_client.get(reverse("portability:contacts_vcard")).content.decode()
        )
    )
    assert sorted(c.fn.value for c in everyone) == ["Alan Turing", "Grace Hopper"]


# --- Activity log ------------------------------------------------------------------------


def test_activity_log_page_and_csv(user_client, user):
    app = ApplicationFactory(
        user=user, company__name="Acme", role="Dev", applied_on=datetime.date(2026, 1, 5)
    )
    talk = InteractionFactory(user=user, application=app, occurred_on=datetime.date(2026, 1, 6))
    talk.contacts.add(ContactFactory(user=user, name="Bob"))
    url = reverse("portability:activity")
    page = user_client.get(url, {"start": "2026-01-01", "end": "2026-01-31"}).content.decode()
    assert "Applied" in page
    assert "Bob" in page
    assert "css/print.css" in page
    response = user_client.get(url, {"start": "2026-01-01", "end": "2026-01-31", "format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].startswith("Date,Employer,Position")
    assert "2026-01-05,Acme,Dev,Applied" in body
    bad = user_client.get(url, {"start": "2026-02-01", "end": "2026-01-01"})
    assert bad.status_code == 400


# --- Deleting the account -------------------------------------------------------------------


def test_deleting_needs_the_password_and_deletes_everything(
    client, user, django_capture_on_commit_callbacks
):
    _fill(user)
    client.force_login(user)
    url = reverse("portability:account_delete")
    assert "Download a backup first" in client.get(url).content.decode()
    wrong = client.post(url, {"password": "nope"})
    assert wrong.status_code == 200
    assert User.objects.filter(pk=user.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"password": "correct horse battery"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    for model in (Application, Attachment, Contact, Reminder):
        assert not model.objects.filter(pk__isnull=False, user_id=user.pk).exists()
    assert mail.outbox[-1].to == [user.email]
    assert "deleted" in mail.outbox[-1].subject
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_claimed_reminder_is_not_delivered_after_the_account_is_deleted(user):
    reminder = ReminderFactory(user=user, due_at=timezone.now() - datetime.timedelta(minutes=1))
    claim = engine.claim_batch(now=timezone.now())
    assert claim is not None
    assert reminder.pk in claim.reminder_ids
    from portability.services import account_delete

    account_delete(user=user)
    outcome = engine.reminder_send(reminder_id=reminder.pk, token=claim.token)
    assert outcome == engine.SendOutcome.STALE
    assert not [m for m in mail.outbox if "deleted" not in m.subject]


def test_pages_link_to_the_calendar_and_vcard_files(user_client, user):
    reminder = ReminderFactory(user=user, due_at=timezone.now() + datetime.timedelta(days=2))
    contact = ContactFactory(user=user)
    page = user_client.get(reverse("reminders:list")).content.decode()
    assert reverse("portability:reminder_ics", args=[reminder.pk]) in page
    page = user_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert reverse("portability:contact_vcard", args=[contact.pk]) in page


@pytest.mark.parametrize("n", [5, 1000])
def test_activity_log_and_exports_query_counts_stay_flat(
    user_client, user, django_assert_max_num_queries, n
):
    apps = [
        ApplicationFactory(user=user, applied_on=datetime.date(2026, 1, 5))
        for _ in range(min(n, 50))
    ]
    if n > len(apps):
        # The rest in bulk: the counts, not the seeding, are what is measured.
        from applications.models import Company

        company = Company.objects.create(user=user, name="Bulk")
        more = Application.objects.bulk_create(
            Application(
                user=user, company=company, role=f"R{i}", applied_on=datetime.date(2026, 2, 1)
            )
            for i in range(n - len(apps))
        )
        StageEvent.objects.bulk_create(
            StageEvent(application=a, stage=Stage.APPLIED, occurred_on=a.applied_on) for a in more
        )
    with django_assert_max_num_queries(12):
        response = user_client.get(
            reverse("portability:activity"), {"start": "2026-01-01", "end": "2026-12-31"}
        )
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        b"".join(user_client.get(reverse("portability:export_applications")).streaming_content)
