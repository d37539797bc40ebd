"""The one letter parser, on letters of every shape the Inbox meets."""

import datetime
import email.message
import time
import zoneinfo

import pytest

from letters.classify import Kind, classify
from letters.parser import (
    MAX_DEPTH,
    LetterError,
    html_to_text,
    is_ats_domain,
    parse_letter,
)
from tests.inbox.letters import letter

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
LA = zoneinfo.ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    ("name", "company", "role", "received_on", "kind"),
    [
        ("ats_html_only.eml", "Acme", "Senior Backend Engineer", "2025-03-05", Kind.REJECTION),
        ("fwd_gmail.eml", "Globex", "Data Analyst", "2025-03-03", Kind.REJECTION),
        ("fwd_outlook.eml", "Initech", "Product Manager", "2025-02-14", Kind.REJECTION),
        ("fwd_apple.eml", "Umbrella", "UX Designer", "2025-01-21", Kind.REJECTION),
        ("fwd_thunderbird.eml", "Hooli", "QA Lead", "2025-02-05", Kind.REJECTION),
        ("fwd_as_attachment.eml", "Sabre", "Paper Sales", "2025-02-11", Kind.REJECTION),
        ("latin1_qp.eml", "Müller Werke", "Backend Developer", "2025-02-06", Kind.REJECTION),
        (
            "base64_utf8.eml",
            "Société Générale Tech",
            "Site Reliability Engineer",
            "2025-02-07",
            Kind.REJECTION,
        ),
        (
            "multipart_pdf.eml",
            "Stark Industries",
            "Mechanical Engineer",
            "2025-02-17",
            Kind.REJECTION,
        ),
        ("interview.eml", "Wayne Enterprises", "Security Analyst", "2025-02-18", Kind.INTERVIEW),
        ("received.eml", "Cyberdyne", "Robotics Engineer", "2025-02-19", Kind.RECEIVED),
        ("calendar_invite.eml", "Soylent", "Food Scientist", "2025-02-20", Kind.INTERVIEW),
        ("nul_byte.eml", "Vandelay", "Importer", "2025-02-21", Kind.REJECTION),
    ],
)
def test_each_letter_gives_its_employer_role_date_and_kind(name, company, role, received_on, kind):
    parsed = parse_letter(letter(name))
    assert parsed.company.value == company
    assert parsed.role.value == role
    assert str(parsed.received_on(PARIS)) == received_on
    assert parsed.kind == kind
    assert parsed.company.confidence > 0
    assert parsed.role.confidence > 0
    assert "\x00" not in parsed.text


def test_the_date_is_the_users_local_date():
    # 23:30 in California on the 4th is the 5th in Paris.
    parsed = parse_letter(letter("ats_html_only.eml"))
    assert parsed.received_on(LA) == datetime.date(2025, 3, 4)
    assert parsed.received_on(PARIS) == datetime.date(2025, 3, 5)


def test_an_ats_domain_is_never_the_employer():
    parsed = parse_letter(letter("ats_html_only.eml"))
    assert parsed.sender_address.endswith("greenhouse-mail.io")
    assert "greenhouse" not in parsed.company.value.lower()
    assert is_ats_domain("us.greenhouse-mail.io")
    assert is_ats_domain("cyberdyne.myworkdayjobs.com")
    assert not is_ats_domain("acme.com")


def test_html_only_letters_keep_paragraphs_and_decode_entities():
    text = parse_letter(letter("ats_html_only.eml")).text
    assert "Renée & the Acme Talent Team" in text
    assert "&eacute;" not in text
    assert "&amp;" not in text
    assert "Hi Jane,\n\nThank you" in text
    assert "invested.\n\nAfter careful" in text
    assert "search.\nRenée" in text  # the <br>


def test_html_to_text_does_not_leave_markdown_escapes():
    assert html_to_text("<p>1. Intro</p><p>C++ &amp; *stars*</p>") == "1. Intro\n\nC++ & *stars*"


@pytest.mark.parametrize(
    ("name", "sender"),
    [
        ("fwd_gmail.eml", "careers@globex.com"),
        ("fwd_outlook.eml", "talent@initech.com"),
        ("fwd_apple.eml", "jobs@umbrella.co.uk"),
        ("fwd_thunderbird.eml", "people@hooli.com"),
        ("fwd_as_attachment.eml", "recruiting@sabre.com"),
    ],
)
def test_a_forwarded_letter_gives_the_original_sender_and_text(name, sender):
    parsed = parse_letter(letter(name))
    assert parsed.forwarded
    assert parsed.sender_address == sender
    assert parsed.envelope_from == "seeker@example.com"
    assert not parsed.text.startswith(("For Ajar", "See attached", ">"))
    assert "Forwarded" not in parsed.text
    assert not parsed.subject.lower().startswith(("fwd", "fw"))


def test_every_attachment_inside_is_kept_as_its_own_file():
    parsed = parse_letter(letter("multipart_pdf.eml"))
    files = {(a.filename, a.content_type) for a in parsed.attachments}
    assert ("decision.pdf", "application/pdf") in files
    assert any(name == "feedback.docx" for name, _ in files)
    assert ("logo.png", "image/png") in files
    pdf = next(a for a in parsed.attachments if a.filename == "decision.pdf")
    assert pdf.data.startswith(b"%PDF-")
    assert "Please find attached" in parsed.text  # text/plain preferred over the HTML


def test_a_calendar_invite_is_an_interview_with_its_ics_kept():
    parsed = parse_letter(letter("calendar_invite.eml"))
    assert parsed.kind == Kind.INTERVIEW
    assert "calendar invitation" in parsed.matched_phrases
    assert [a.content_type for a in parsed.attachments] == ["text/calendar"]


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("latin1_qp.eml", "vielen Dank für Ihre Bewerbung"),
        ("base64_utf8.eml", "Société Générale Tech. Unfortunately"),
        ("wrong_charset.eml", "Dear Renée"),  # declared UTF-8, written in Latin-1
        ("unknown_charset.eml", "Unfortunately we will not"),
        ("missing_charset_no_date.eml", "Café"),
    ],
)
def test_charsets_declared_missing_or_wrong_are_read(name, fragment):
    assert fragment in parse_letter(letter(name)).text


def test_what_it_cannot_find_stays_blank():
    parsed = parse_letter(letter("missing_charset_no_date.eml"))
    assert parsed.received_on(PARIS) is None
    assert parsed.received_confidence == 0
    assert parsed.role.value == ""
    assert parsed.role.confidence == 0


def test_a_polite_thank_you_alone_is_not_a_rejection():
    parsed = parse_letter(letter("polite_only.eml"))
    assert parsed.kind == Kind.OTHER
    assert parsed.rejection_score < 0.5
    assert classify(subject="", text="Thank you for your interest.").kind == Kind.OTHER


def test_the_rejection_score_and_matched_phrases_are_given():
    parsed = parse_letter(letter("fwd_outlook.eml"))
    assert parsed.rejection_score == 1.0
    assert "regret to inform you" in parsed.matched_phrases


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (letter("png_renamed.eml"), "looks like a PNG image"),
        (letter("nesting_bomb.eml"), "too many parts"),
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"just some words, no headers at all\n", "does not start with mail headers"),
        (b"%PDF-1.4 junk", "looks like a PDF"),
    ],
)
def test_bad_input_is_a_clear_error(data, message):
    with pytest.raises(LetterError, match=message):
        parse_letter(data)


def _nested(depth: int) -> bytes:
    message = email.message.EmailMessage()
    message["From"] = "deep@example.net"
    message["Subject"] = "deep"
    inner = message
    for _ in range(depth):
        child = email.message.EmailMessage()
        inner.make_mixed()
        inner.attach(child)
        inner = child
    inner.set_content("bottom")
    return message.as_bytes()


def test_nesting_beyond_the_limit_is_a_clear_error_not_a_recursion_error():
    parse_letter(_nested(MAX_DEPTH - 2))
    with pytest.raises(LetterError, match="nested too deeply"):
        parse_letter(_nested(MAX_DEPTH + 5))


def test_parse_time_is_bounded():
    with pytest.raises(LetterError, match="too long"):
        parse_letter(letter("multipart_pdf.eml"), max_seconds=-1)


def test_a_big_letter_parses_quickly():
    body = ("Unfortunately we will not be moving forward. " * 20 + "\n") * 2000
    raw = f"From: a@b.com\nSubject: x\nContent-Type: text/plain\n\n{body}".encode()
    started = time.monotonic()
    parse_letter(raw)
    assert time.monotonic() - started < 2


def test_a_bomb_spelled_oddly_is_still_a_clear_error():
    depth = 3000
    head = (
        "From: bomb@example.net\nSubject: x\nMIME-Version: 1.0\n"
        'Content-Type: mUltipart/mixed; boundary="b0"\n\n'
    )
    body = "".join(
        f'--b{i - 1}\nContent-Type: mUltipart/mixed; boundary="b{i}"\n\n' for i in range(1, depth)
    )
    with pytest.raises(LetterError, match=r"nested too deeply|too many parts"):
        parse_letter((head + body + "--b0--\n").encode())


def test_encoded_headers_and_filenames_are_decoded():
    raw = (
        b"From: =?utf-8?q?Soci=C3=A9t=C3=A9_Recrutement?= <rh@societe.example>\n"
        b"Subject: =?iso-8859-1?q?Votre_candidature_=E0_Lyon?=\n"
        b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=x\n\n--x\n"
        b"Content-Type: text/plain; charset=utf-8\n\nMalheureusement non.\n--x\n"
        b"Content-Type: application/pdf\n"
        b'Content-Disposition: attachment; filename="=?utf-8?q?d=C3=A9cision.pdf?="\n'
        b"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--x--\n"
    )
    parsed = parse_letter(raw)
    assert parsed.subject == "Votre candidature à Lyon"
    assert parsed.sender_name == "Société Recrutement"
    assert [a.filename for a in parsed.attachments] == ["décision.pdf"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("We regret to inform you that we will not proceed.", True),
        ("We REGRET\nto   inform you...", True),
        ("we regretfully inform you, regret-to-inform-you", False),  # not as whole words
        ("Nous regrettons : we regret to inform you. Désolés.", True),  # non-ASCII text
        ("to inform you, regret", False),
    ],
)
def test_phrases_are_found_as_whole_words_whatever_the_text(text, found):
    matched = classify(subject="", text=text).matched
    assert ("regret to inform you" in matched) is found


def test_move_forward_alone_does_not_make_a_letter_a_forward():
    raw = (
        b"From: Acme Recruiting <jobs@acme.example>\r\nSubject: Your application\r\n"
        b"Date: Mon, 2 Feb 2026 10:00:00 +0000\r\n\r\n"
        b"We have decided to move forward with other candidates.\r\n"
    )
    parsed = parse_letter(raw)
    assert not parsed.forwarded
    assert parsed.sender_address == "jobs@acme.example"
