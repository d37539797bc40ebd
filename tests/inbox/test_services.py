"""Drafts: ingest, dedupe, suggest, confirm through rejection_log, dismiss, add a
stage, spread old circle-backs."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from applications.models import Application, Attachment, Outcome, Rejection, Stage
from inbox.models import InboundAttachment, InboundMessage, Source, Status
from inbox.services import (
    Outcome as IngestOutcome,
)
from inbox.services import (
    draft_add_stage,
    draft_confirm,
    draft_dismiss,
    drafts_spread,
    letter_ingest,
    letters_ingest,
    overdue_drafts,
    spread_plan,
)
from letters import uploads
from reminders.models import Reminder
from tests.factories import ApplicationFactory, CompanyFactory
from tests.inbox.factories import InboundMessageFactory
from tests.inbox.letters import letter

pytestmark = pytest.mark.django_db


def test_a_letter_becomes_a_pending_draft_with_its_attachments(seeker):
    result = letter_ingest(user=seeker, raw=letter("multipart_pdf.eml"), source=Source.UPLOAD)
    assert result.outcome == IngestOutcome.CREATED
    draft = result.draft
    assert draft.status == Status.PENDING
    assert (draft.company, draft.role, draft.received_on) == (
        "Stark Industries",
        "Mechanical Engineer",
        datetime.date(2025, 2, 17),
    )
    assert draft.confidence["company"] > 0.5
    assert bytes(draft.raw) == letter("multipart_pdf.eml")
    assert sorted(draft.attachments.values_list("filename", flat=True)) == [
        "decision.pdf",
        "feedback.docx",
        "logo.png",
    ]
    assert not Rejection.objects.exists()  # nothing is logged without the user


def test_the_same_message_id_or_the_same_letter_is_skipped_and_counted(seeker):
    raw = letter("fwd_gmail.eml")
    reworded_id = raw.replace(b"fwd-gmail-1@mail.gmail.com", b"another-id@mail.gmail.com")
    summary = letters_ingest(
        user=seeker,
        messages=[("a", raw), ("b", raw), ("c", reworded_id), ("d", letter("png_renamed.eml"))],
        source=Source.UPLOAD,
    )
    assert (summary.created, summary.duplicates) == (1, 2)
    assert summary.refused == [("d", "This is not an email message: it looks like a PNG image.")]
    assert InboundMessage.objects.count() == 1


def test_drafts_are_per_user(seeker, other_user):
    letter_ingest(user=seeker, raw=letter("fwd_gmail.eml"), source=Source.UPLOAD)
    assert letter_ingest(user=other_user, raw=letter("fwd_gmail.eml"), source=Source.UPLOAD).draft


def test_the_matching_open_application_is_suggested_not_applied(seeker):
    globex = CompanyFactory(user=seeker, name="GLOBEX Corporation")
    ApplicationFactory(user=seeker, company=globex, role="Backend Engineer")
    analyst = ApplicationFactory(user=seeker, company=globex, role="Data analyst")
    draft = letter_ingest(user=seeker, raw=letter("fwd_gmail.eml"), source=Source.UPLOAD).draft
    assert draft.suggested_application == analyst
    analyst.refresh_from_db()
    assert analyst.outcome == Outcome.OPEN


def test_no_suggestion_for_a_company_not_applied_to(seeker):
    ApplicationFactory(user=seeker, company=CompanyFactory(user=seeker, name="Initech"))
    draft = letter_ingest(user=seeker, raw=letter("fwd_gmail.eml"), source=Source.UPLOAD).draft
    assert draft.suggested_application is None


@time_machine.travel(datetime.datetime(2025, 3, 10, 12, tzinfo=datetime.UTC))
def test_confirming_logs_the_rejection_from_the_letters_date(seeker):
    draft = letter_ingest(user=seeker, raw=letter("fwd_outlook.eml"), source=Source.UPLOAD).draft
    draft = draft_confirm(draft=draft, stage_reached=Stage.INTERVIEW).draft
    assert draft.status == Status.CONFIRMED
    rejection = Rejection.objects.get(application__user=seeker)
    assert rejection.received_on == datetime.date(2025, 2, 14)
    assert rejection.application.company.name == "Initech"
    assert rejection.application.role == "Product Manager"
    assert "pursue other candidates" in rejection.letter_text
    assert Attachment.objects.get(rejection=rejection).content_type == "message/rfc822"
    reminder = Reminder.objects.get(application=rejection.application)
    assert reminder.counted_from == datetime.date(2025, 2, 14)
    with pytest.raises(ValidationError):
        draft_confirm(draft=draft, stage_reached=Stage.INTERVIEW)


def test_confirming_moves_the_files_inside_the_letter_to_the_rejection(seeker):
    draft = letter_ingest(user=seeker, raw=letter("multipart_pdf.eml"), source=Source.UPLOAD).draft
    assert InboundAttachment.objects.filter(message=draft).count() == 3
    result = draft_confirm(draft=draft, stage_reached=Stage.INTERVIEW)
    assert result.files_left_out == []
    rejection = Rejection.objects.get(application__user=seeker)
    files = list(
        rejection.attachments.letter_first().values_list("kind", "filename", "content_type")
    )
    assert files == [
        ("letter", "Your application for Mechanical Engineer.eml", "message/rfc822"),
        ("enclosed", "decision.pdf", "application/pdf"),
        ("enclosed", "feedback.docx", "application/octet-stream"),  # its bytes are no docx
        ("enclosed", "logo.png", "image/png"),
    ]
    assert bytes(Attachment.objects.get(filename="decision.pdf").data).startswith(b"%PDF-1.4")
    # Moved, not copied: the draft keeps its message, not a second copy of the files.
    assert not InboundAttachment.objects.filter(message=draft).exists()


def test_confirming_a_draft_with_more_files_than_a_rejection_keeps_says_so(seeker, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_FILES_PER_REJECTION", 2)
    draft = letter_ingest(user=seeker, raw=letter("multipart_pdf.eml"), source=Source.UPLOAD).draft
    result = draft_confirm(draft=draft, stage_reached=Stage.INTERVIEW)
    assert [f.filename for f in result.files_left_out] == ["feedback.docx", "logo.png"]
    assert Attachment.objects.count() == 2


def test_a_draft_too_large_to_keep_its_message_still_gives_its_files(seeker):
    draft = letter_ingest(user=seeker, raw=letter("multipart_pdf.eml"), source=Source.UPLOAD).draft
    InboundMessage.objects.filter(pk=draft.pk).update(raw=b"")
    draft_confirm(draft=draft, stage_reached=Stage.INTERVIEW)
    assert (
        list(Attachment.objects.order_by("id").values_list("kind", flat=True)) == ["enclosed"] * 3
    )


def test_confirming_on_the_suggested_application_closes_it(seeker):
    app = ApplicationFactory(user=seeker, company=CompanyFactory(user=seeker, name="Globex"))
    draft = letter_ingest(user=seeker, raw=letter("fwd_gmail.eml"), source=Source.UPLOAD).draft
    draft_confirm(draft=draft, stage_reached=Stage.SCREEN, application=draft.suggested_application)
    app.refresh_from_db()
    assert app.outcome == Outcome.REJECTED
    assert Application.objects.for_user(seeker).count() == 1


def test_not_a_rejection_is_kept_and_never_logged(seeker):
    draft = letter_ingest(user=seeker, raw=letter("polite_only.eml"), source=Source.UPLOAD).draft
    draft_dismiss(draft=draft)
    draft.refresh_from_db()
    assert draft.status == Status.NOT_REJECTION
    assert not Rejection.objects.exists()
    again = letter_ingest(user=seeker, raw=letter("polite_only.eml"), source=Source.UPLOAD)
    assert again.outcome == IngestOutcome.DUPLICATE


def test_an_interview_invitation_adds_the_stage_on_confirmation(seeker):
    wayne = CompanyFactory(user=seeker, name="Wayne Enterprises")
    app = ApplicationFactory(user=seeker, company=wayne, role="Security Analyst")
    draft = letter_ingest(user=seeker, raw=letter("interview.eml"), source=Source.UPLOAD).draft
    assert draft.suggested_application == app
    app.refresh_from_db()
    assert app.current_stage == Stage.APPLIED  # not applied silently
    draft_add_stage(draft=draft, application=app)
    app.refresh_from_db()
    assert app.current_stage == Stage.INTERVIEW
    assert app.events.filter(stage=Stage.INTERVIEW, occurred_on=datetime.date(2025, 2, 18)).exists()


def test_a_rejection_draft_does_not_add_a_stage(seeker):
    app = ApplicationFactory(user=seeker)
    draft = InboundMessageFactory(user=seeker)
    with pytest.raises(ValidationError):
        draft_add_stage(draft=draft, application=app)


def test_the_spread_plan_puts_old_circle_backs_over_the_coming_weeks():
    today = datetime.date(2026, 6, 1)
    received = [datetime.date(2026, 1, 1) + datetime.timedelta(days=i) for i in range(12)]
    plan = spread_plan(received=received, today=today, weeks=6)
    due = [r + datetime.timedelta(days=d) for r, d in zip(received, plan, strict=True)]
    assert min(due) >= today + datetime.timedelta(days=7)
    assert max(due) <= today + datetime.timedelta(days=7 + 42)
    assert len(set(due)) == 12
    assert spread_plan(received=[datetime.date(2020, 1, 1)], today=today, weeks=6) == [365]


@time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC))
def test_old_rejections_are_offered_a_spread_and_confirm_with_it(seeker):
    old = [
        InboundMessageFactory(user=seeker, received_on=datetime.date(2026, 3, i + 1))
        for i in range(5)
    ]
    recent = InboundMessageFactory(user=seeker, received_on=datetime.date(2026, 5, 30))
    assert {d.pk for d in overdue_drafts(user=seeker)} == {d.pk for d in old}
    assert drafts_spread(user=seeker) == 5
    assert overdue_drafts(user=seeker) == []
    recent.refresh_from_db()
    assert recent.planned_cooling_off_days is None
    dues = []
    for draft in old:
        draft.refresh_from_db()
        draft_confirm(draft=draft, stage_reached=Stage.APPLIED)
        dues.append(Reminder.objects.get(application__company__name=draft.company).due_date)
    assert len(set(dues)) == 5
    assert min(dues) > datetime.date(2026, 6, 1)


def test_an_mbox_is_read_in_one_pass_as_mailbox_reads_it(tmp_path):
    import mailbox

    from inbox.services import mbox_messages

    path = tmp_path / "odd.mbox"
    path.write_bytes(
        b"junk before the first message\n"
        b"From a@example.com Mon Jan  1 00:00:00 2024\nSubject: one\n\nbody\n\n"
        b"From b@example.com Mon Jan  1 00:00:00 2024\nSubject: two\n\nno blank line after\n"
        b"From c@example.com Mon Jan  1 00:00:00 2024\r\nSubject: three\r\n\r\nx\r\n\r\n"
    )
    box = mailbox.mbox(path, factory=None, create=False)
    expected = [box.get_bytes(key) for key in box.iterkeys()]
    box.close()
    read = list(mbox_messages(str(path), limit=10))
    assert [raw for _where, raw in read] == expected
    assert [where for where, _raw in read] == ["message 1", "message 2", "message 3"]
    with pytest.raises(ValidationError, match="more than 2 messages"):
        list(mbox_messages(str(path), limit=2))


def test_a_message_larger_than_the_parser_takes_is_cut_not_held_whole(tmp_path, monkeypatch):
    from inbox import services

    monkeypatch.setattr(services, "MAX_MESSAGE_BYTES", 100)
    path = tmp_path / "big.mbox"
    path.write_bytes(b"From x\nSubject: big\n\n" + b"y" * 80 + b"\n" + b"z" * 500 + b"\n")
    [(_where, raw)] = list(services.mbox_messages(str(path), limit=10))
    assert len(raw) == 101  # one byte over: the parser says it is too large
