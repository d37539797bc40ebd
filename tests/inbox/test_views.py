"""The Inbox pages: upload, list, edit, confirm, not a rejection, add a stage, spread."""

import datetime
import mailbox

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import Attachment, Outcome, Rejection, Stage
from inbox.models import InboundMessage, Status
from letters import uploads
from tests.factories import ApplicationFactory, CompanyFactory
from tests.inbox.factories import InboundAttachmentFactory, InboundMessageFactory
from tests.inbox.letters import letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeker_client(client, seeker):
    client.force_login(seeker)
    return client


def _eml(name):
    return SimpleUploadedFile(name, letter(name), content_type="message/rfc822")


def test_several_eml_files_become_drafts_and_bad_ones_are_named(seeker_client, seeker):
    response = seeker_client.post(
        reverse("inbox:upload"),
        {"letters": [_eml("fwd_gmail.eml"), _eml("interview.eml"), _eml("png_renamed.eml")]},
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "2 messages added to the Inbox" in text
    assert "png_renamed.eml: This is not an email message" in text
    assert InboundMessage.objects.filter(user=seeker).count() == 2
    again = seeker_client.post(
        reverse("inbox:upload"), {"letters": [_eml("fwd_gmail.eml")]}, follow=True
    )
    assert "1 duplicate skipped" in again.content.decode()


def test_an_mbox_upload_is_read_message_by_message(seeker_client, seeker, tmp_path):
    box = mailbox.mbox(tmp_path / "takeout.mbox")
    for name in ("fwd_outlook.eml", "received.eml", "calendar_invite.eml"):
        box.add(letter(name))
    box.flush()
    upload = SimpleUploadedFile("takeout.mbox", (tmp_path / "takeout.mbox").read_bytes())
    response = seeker_client.post(reverse("inbox:upload"), {"letters": [upload]}, follow=True)
    assert "3 messages added" in response.content.decode()
    assert sorted(InboundMessage.objects.values_list("kind", flat=True)) == [
        "interview",
        "received",
        "rejection",
    ]


@pytest.mark.parametrize(
    "files",
    [
        [],
        [SimpleUploadedFile("a.mbox", b"From x\n"), SimpleUploadedFile("b.eml", b"From: a@b\n\nx")],
    ],
)
def test_a_bad_upload_gets_a_message_and_saves_nothing(seeker_client, files):
    response = seeker_client.post(reverse("inbox:upload"), {"letters": files}, follow=True)
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode() or "error" in response.content.decode()
    assert not InboundMessage.objects.exists()


def test_a_garbage_mbox_is_a_message_not_a_500(seeker_client):
    upload = SimpleUploadedFile("x.mbox", b"From nobody\n\x00\x01\x02 not mail at all")
    response = seeker_client.post(reverse("inbox:upload"), {"letters": [upload]}, follow=True)
    assert response.status_code == 200
    assert not InboundMessage.objects.exists()


def test_the_inbox_lists_pending_drafts_with_the_suggestion(seeker_client, seeker):
    app = ApplicationFactory(user=seeker, company=CompanyFactory(user=seeker, name="Acme 1"))
    InboundMessageFactory(user=seeker, company="Acme 1", suggested_application=app)
    InboundMessageFactory(user=seeker, status=Status.NOT_REJECTION, subject="Old news")
    response = seeker_client.get(reverse("inbox:list"))
    text = response.content.decode()
    assert "Looks like:" in text
    assert "Old news" not in text
    assert (
        "Old news"
        in seeker_client.get(reverse("inbox:list") + "?status=not_rejection").content.decode()
    )


@pytest.mark.parametrize("rows", [5, 60])
def test_the_inbox_query_count_is_flat(seeker_client, seeker, rows):
    for _ in range(rows):
        app = ApplicationFactory(user=seeker)
        InboundMessageFactory(user=seeker, suggested_application=app)
    seeker_client.get(reverse("inbox:list"))
    with CaptureQueriesContext(connection) as queries:
        response = seeker_client.get(reverse("inbox:list"))
    assert response.status_code == 200
    assert len(queries) <= 14, [q["sql"] for q in queries]


def test_editing_a_draft_saves_the_corrected_fields(seeker_client, seeker):
    draft = InboundMessageFactory(user=seeker)
    response = seeker_client.post(
        reverse("inbox:detail", args=[draft.pk]),
        {
            "company": "Acme Corp",
            "role": "Staff Engineer",
            "received_on": "2026-01-03",
            "kind": "rejection",
            "text": "Unfortunately no.",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.company, draft.role, draft.received_on) == (
        "Acme Corp",
        "Staff Engineer",
        datetime.date(2026, 1, 3),
    )


def test_a_bad_edit_shows_the_form_again(seeker_client, seeker):
    draft = InboundMessageFactory(user=seeker)
    response = seeker_client.post(
        reverse("inbox:detail", args=[draft.pk]),
        {"company": "X", "role": "Y", "received_on": "not a date", "kind": "bogus", "text": ""},
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.company != "X"


def test_confirm_logs_the_rejection_through_rejection_log(seeker_client, seeker):
    draft = InboundMessageFactory(user=seeker, company="Acme", role="Engineer")
    response = seeker_client.post(
        reverse("inbox:confirm", args=[draft.pk]), {"stage_reached": Stage.ONSITE, "target": "new"}
    )
    assert response.status_code == 302
    rejection = Rejection.objects.get(application__user=seeker)
    assert rejection.received_on == draft.received_on
    assert rejection.stage_reached == Stage.ONSITE
    draft.refresh_from_db()
    assert draft.status == Status.CONFIRMED
    assert draft.application == rejection.application


def test_confirm_says_which_files_the_rejection_could_not_keep(seeker_client, seeker, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_FILES_PER_REJECTION", 2)  # the message and one file
    draft = InboundMessageFactory(user=seeker, company="Acme", role="Engineer")
    InboundAttachmentFactory(message=draft, filename="one.pdf")
    InboundAttachmentFactory(message=draft, filename="two.pdf", data=b"%PDF-1.5\n")
    response = seeker_client.post(
        reverse("inbox:confirm", args=[draft.pk]),
        {"stage_reached": Stage.ONSITE, "target": "new"},
        follow=True,
    )
    assert "1 file with the letter was not kept (two.pdf)" in response.content.decode()
    assert Attachment.objects.filter(kind="enclosed").get().filename == "one.pdf"


def test_confirm_on_the_suggested_application(seeker_client, seeker):
    app = ApplicationFactory(user=seeker)
    draft = InboundMessageFactory(user=seeker, suggested_application=app)
    seeker_client.post(
        reverse("inbox:confirm", args=[draft.pk]),
        {"stage_reached": Stage.APPLIED, "target": str(app.pk)},
    )
    app.refresh_from_db()
    assert app.outcome == Outcome.REJECTED


def test_confirm_refuses_an_application_that_was_not_offered(seeker_client, seeker):
    offered = ApplicationFactory(user=seeker)
    other = ApplicationFactory(user=seeker)
    draft = InboundMessageFactory(user=seeker, suggested_application=offered)
    response = seeker_client.post(
        reverse("inbox:confirm", args=[draft.pk]),
        {"stage_reached": Stage.APPLIED, "target": str(other.pk)},
    )
    assert response.status_code == 302
    assert not Rejection.objects.exists()


def test_confirm_without_a_company_asks_for_one(seeker_client, seeker):
    draft = InboundMessageFactory(user=seeker, company="")
    response = seeker_client.post(
        reverse("inbox:confirm", args=[draft.pk]),
        {"stage_reached": Stage.APPLIED, "target": "new"},
        follow=True,
    )
    assert "Fill in the company and the role first" in response.content.decode()
    assert not Rejection.objects.exists()


def test_not_a_rejection(seeker_client, seeker):
    draft = InboundMessageFactory(user=seeker)
    seeker_client.post(reverse("inbox:dismiss", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == Status.NOT_REJECTION
    assert not Rejection.objects.exists()


def test_add_stage_from_an_interview_invitation(seeker_client, seeker):
    app = ApplicationFactory(user=seeker)
    draft = InboundMessageFactory(user=seeker, kind="interview", suggested_application=app)
    seeker_client.post(reverse("inbox:add_stage", args=[draft.pk]))
    app.refresh_from_db()
    assert app.current_stage == Stage.INTERVIEW


def test_another_users_draft_is_a_404(seeker_client, other_user):
    draft = InboundMessageFactory(user=other_user)
    attachment = InboundAttachmentFactory(message=draft)
    for name in ("inbox:detail", "inbox:confirm", "inbox:dismiss", "inbox:add_stage"):
        assert seeker_client.post(reverse(name, args=[draft.pk])).status_code == 404
    url = reverse("inbox:attachment_download", args=[attachment.pk])
    assert seeker_client.get(url).status_code == 404
    draft.refresh_from_db()
    assert draft.status == Status.PENDING


def test_attachments_download_only_as_files_typed_by_their_bytes(seeker_client, seeker):
    attachment = InboundAttachmentFactory(message__user=seeker, filename='evil".html')
    response = seeker_client.get(reverse("inbox:attachment_download", args=[attachment.pk]))
    assert response["Content-Type"] == "application/pdf"  # what the bytes are
    assert response["Content-Disposition"] == 'attachment; filename="evil_.html"'
    page = InboundAttachmentFactory(
        message__user=seeker, content_type="image/png", data=b"<html><script>alert(1)</script>"
    )
    response = seeker_client.get(reverse("inbox:attachment_download", args=[page.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_the_forwarding_address_shows_and_regenerates(seeker_client, seeker, inbound_settings):
    text = seeker_client.get(reverse("inbox:list")).content.decode()
    token = seeker.forwarding_address.token
    assert f"ajar+{token}@inbound.example.org" in text
    seeker_client.post(reverse("inbox:address_regenerate"))
    seeker.forwarding_address.refresh_from_db()
    assert seeker.forwarding_address.token != token


def test_settings_show_the_forwarding_address_with_copy_and_regenerate(
    seeker_client, seeker, inbound_settings
):
    html = seeker_client.get(reverse("settings")).content.decode()
    token = seeker.forwarding_address.token
    assert f'value="ajar+{token}@inbound.example.org"' in html
    assert 'data-copy-target="forwarding-address"' in html
    response = seeker_client.post(reverse("inbox:address_regenerate"), {"next": "settings"})
    assert response["Location"] == reverse("settings")
    seeker.forwarding_address.refresh_from_db()
    assert seeker.forwarding_address.token != token


def test_the_inbox_offers_to_spread_old_rejections_and_does_on_request(seeker_client, seeker):
    old = [
        InboundMessageFactory(user=seeker, received_on=datetime.date(2020, 1, i + 1))
        for i in range(3)
    ]
    html = seeker_client.get(reverse("inbox:list")).content.decode()
    assert "would all fall due at once" in html
    seeker_client.post(reverse("inbox:spread"))
    for draft in old:
        draft.refresh_from_db()
        assert draft.planned_cooling_off_days
    assert (
        "would all fall due at once"
        not in seeker_client.get(reverse("inbox:list")).content.decode()
    )
    assert not Rejection.objects.exists()  # nothing logged until confirmed


def test_an_mbox_larger_than_the_sites_request_cap_is_accepted(seeker_client, settings):
    settings.AJAR_REQUEST_MAX_BYTES = 1000
    upload = SimpleUploadedFile("big.mbox", b"From x\n" + letter("fwd_gmail.eml") * 2)
    response = seeker_client.post(reverse("inbox:upload"), {"letters": [upload]})
    assert response.status_code == 302
