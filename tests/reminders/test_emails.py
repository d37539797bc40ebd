"""The circle-back email: both parts, the headers and every link, per case."""

import datetime
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core import mail
from django.urls import resolve

from applications.models import Stage
from reminders import links
from reminders.emails import MAILTO_LIMIT, mailto_link, message_id_for, reminder_message
from reminders.services import NewContact, reminder_settings_get, reminder_snooze
from tests.factories import ContactFactory, UserFactory
from tests.reminders.helpers import (
    BASE_URL,
    html_part,
    links_in_html,
    links_in_text,
    log_rejection,
    log_with_insiders,
    path_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _email_settings(settings):
    settings.BASE_URL = BASE_URL
    settings.AJAR_MESSAGE_ID_DOMAIN = "mail.ajar.example"


@pytest.fixture
def seeker(db):
    return UserFactory(name="Jo Seeker", email="jo@seeker.example")


def mailto_parts(url):
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    return unquote(parts.path), query["subject"][0], query["body"][0]


def test_several_insiders_each_get_a_card_with_how_you_met_and_a_ready_note(seeker):
    result = log_with_insiders(seeker)
    # Someone at another company, and another user's contact at a namesake
    # company, are not insiders here.
    ContactFactory(user=seeker, name="Outsider Olga")
    ContactFactory(user=UserFactory(), name="Stranger Sam", email="sam@acme.example")

    message = reminder_message(result.reminder)
    text, body = message.body, html_part(message)

    assert message.subject == "Time to circle back with Acme"
    assert message.to == ["jo@seeker.example"]
    assert text.startswith("Hi Jo,\n")
    for part in (text, body):
        assert "Staff Engineer" in part
        assert "final round stage" in part
        assert "on 1 February" in part
        assert "by email" in part
        assert "never heard back" not in part
        for name in ("Priya Raman", "Tom Okafor", "Dana Webb", "Lee Chan"):
            assert name in part
        assert "Outsider Olga" not in part
        assert "Stranger Sam" not in part
        assert "Hiring manager" in part
        assert "Recruiter" in part
        assert "You met during your Staff Engineer application." in part
        assert "Someone you know at Acme." in part  # Dana: works there, met elsewhere
        assert "Last spoke: 25 Jan 2026" in part  # the latest of Priya's two
        assert "No conversation logged yet." in part
    # The ones met during this application come first.
    assert text.index("Lee Chan") < text.index("Dana Webb")
    assert text.index("Priya Raman") < text.index("Dana Webb")

    mailtos = [url for url in links_in_html(body) if url.startswith("mailto:")]
    assert len(mailtos) == 3  # Priya, Tom, Dana; Lee has no address
    # The text part carries each note to copy rather than a long mailto: URL.
    assert not [url for url in links_in_text(text) if url.startswith("mailto:")]
    assert text.count("I hope you've been well since we spoke") == 4
    assert "Write to priya@acme.example; your note, ready to edit:" in text
    by_address = {mailto_parts(url)[0]: url for url in mailtos}
    _address, subject, note = mailto_parts(by_address["priya@acme.example"])
    assert subject == "Keeping in touch: Acme"
    assert note.startswith("Hi Priya,\r\n")
    assert "the Staff Engineer role at Acme" in note
    assert note.endswith("Best,\r\nJo Seeker")
    assert "\n" not in by_address["priya@acme.example"]
    assert " " not in by_address["priya@acme.example"]  # percent-encoded
    assert all(len(url) <= MAILTO_LIMIT for url in mailtos)


def test_an_insider_without_an_email_gets_the_note_to_copy(seeker):
    result = log_rejection(
        seeker,
        new_contacts=[NewContact(name="Lee Chan", role="interviewer")],
    )
    message = reminder_message(result.reminder)
    text, body = message.body, html_part(message)
    for part in (text, body):
        assert "No email address on file: copy your note below" in part
        assert "Hi Lee," in part
        assert "mailto:" not in part
    assert re.search(r'<pre class="insider-note[^"]*" style="white-space:pre-wrap', body)


def test_nobody_known_explains_how_to_find_someone(seeker):
    result = log_rejection(seeker)
    message = reminder_message(result.reminder)
    text, body = message.body, html_part(message)
    assert "You have no contacts at Acme in Ajar yet" in text
    assert "Nobody at Acme yet? Find someone" in body
    for part in (text, body):
        assert "The people who interviewed you" in part
        assert "hiring manager" in part
        assert "mailto:" not in part


def test_a_ghosted_application_is_worded_as_silence_not_a_no(seeker):
    result = log_rejection(
        seeker, ghosted=True, stage_reached=Stage.INTERVIEW, received_on=datetime.date(2026, 3, 3)
    )
    message = reminder_message(result.reminder)
    assert message.subject == "No word from Acme? Time to circle back"
    for part in (message.body, html_part(message)):
        assert "never heard back" in part
        assert "you marked it on 3 March" in part
        assert "interview stage" in part
        assert "said no" not in part


def test_the_headers_carry_a_stable_message_id_and_one_click_unsubscribe(seeker):
    result = log_with_insiders(seeker)
    reminder = result.reminder
    first, again = reminder_message(reminder), reminder_message(reminder)
    headers = first.message()

    expected_id = f"<reminder-{reminder.pk}-1@mail.ajar.example>"
    assert headers["Message-ID"] == expected_id == message_id_for(reminder)
    assert again.message()["Message-ID"] == expected_id
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = headers["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{BASE_URL}/reminders/unsubscribe/")
    assert unsubscribe.endswith("/>")
    assert headers["Auto-Submitted"] == "auto-generated"
    assert headers["To"] == "jo@seeker.example"

    # A snooze is a new occurrence: the next email is a new message.
    reminder_snooze(reminder=reminder, weeks=1)
    reminder.refresh_from_db()
    assert reminder_message(reminder).message()["Message-ID"] == (
        f"<reminder-{reminder.pk}-2@mail.ajar.example>"
    )


def test_every_link_is_absolute_and_opens_its_page(seeker, client):
    result = log_with_insiders(seeker)
    message = reminder_message(result.reminder)
    text, body = message.body, html_part(message)

    web_links = [url for url in links_in_html(body) if not url.startswith("mailto:")]
    text_links = [url for url in links_in_text(text) if not url.startswith("mailto:")]
    assert set(web_links) == set(text_links)
    assert all(url.startswith(f"{BASE_URL}/") for url in web_links)
    names = sorted(
        f"{resolve(path_of(url)).namespace}:{resolve(path_of(url)).url_name}".lstrip(":")
        for url in web_links
    )
    assert names == sorted(
        [
            "reminders:email_link",  # done
            "reminders:email_link",  # snooze 1
            "reminders:email_link",  # snooze 2
            "reminders:email_link",  # snooze 4
            "reminders:email_link",  # dismiss
            "reminders:list",
            "review:application",
            "settings",
            "reminders:unsubscribe",
        ]
    )
    claims = sorted(
        (claim.action, claim.weeks or 0)
        for claim in (
            links.read_action_token(resolve(path_of(url)).kwargs["token"])
            for url in web_links
            if resolve(path_of(url)).url_name == "email_link"
        )
    )
    assert claims == [("dismiss", 0), ("done", 0), ("snooze", 1), ("snooze", 2), ("snooze", 4)]
    # The signed links open their confirmation page without a session.
    for url in web_links:
        match = resolve(path_of(url))
        if match.url_name in {"email_link", "unsubscribe"}:
            assert client.get(path_of(url)).status_code == 200, url
    unsubscribe = message.message()["List-Unsubscribe"].strip("<>")
    assert unsubscribe in web_links


def test_a_long_note_is_cut_to_fit_the_mailto_and_shown_in_full(seeker):
    settings_ = reminder_settings_get(user=seeker)
    settings_.note_template = "Hi {first_name},\n\n" + ("I would love to hear from you. " * 120)
    settings_.save()
    result = log_rejection(
        seeker,
        new_contacts=[NewContact(name="Priya Raman", email="priya@acme.example")],
    )
    message = reminder_message(result.reminder)
    (mailto,) = [url for url in links_in_html(html_part(message)) if url.startswith("mailto:")]
    assert len(mailto) <= MAILTO_LIMIT
    assert mailto_parts(mailto)[2].endswith("…")
    # The whole note is there to copy.
    assert html_part(message).count("I would love to hear from you.") == 120
    assert " ".join(message.body.split()).count("I would love to hear from you.") == 120


def test_mailto_links_percent_encode_everything_but_the_at_sign():
    url, shortened = mailto_link("a+b@x.example", "Hi & bye?", "Line 1\nLine 2 = 100%")
    assert url == (
        "mailto:a%2Bb@x.example?subject=Hi%20%26%20bye%3F&body=Line%201%0D%0ALine%202%20%3D%20100%25"
    )
    assert shortened is False


def test_the_html_part_escapes_what_the_user_typed(seeker):
    result = log_rejection(seeker, company="<b>Evil</b> & Co", role="Dev <script>")
    message = reminder_message(result.reminder)
    body = html_part(message)
    assert "<script>" not in body
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in body
    assert message.subject == "Time to circle back with <b>Evil</b> & Co"


def test_it_sends_through_the_mail_backend(seeker):
    result = log_with_insiders(seeker)
    reminder_message(result.reminder).send()
    (sent,) = mail.outbox
    assert sent.subject == "Time to circle back with Acme"


def test_the_raw_message_keeps_links_intact_for_a_file_or_console_mailbox(seeker):
    settings_ = reminder_settings_get(user=seeker)
    settings_.note_template = "Hi {first_name}, " + ("a very long paragraph " * 80)
    settings_.save()
    result = log_with_insiders(seeker)
    message = reminder_message(result.reminder)
    raw = message.message().as_string()
    # No quoted-printable soft breaks in the text part: every link is one line.
    text_part = message.message().get_payload()[0]
    assert text_part["Content-Transfer-Encoding"] in {"7bit", "8bit"}
    for url in links_in_text(message.body):
        assert url in raw


def _as_the_send_renders_it(reminder):
    from django.db import transaction

    from reminders.engine import locked_for_send

    with transaction.atomic():
        return reminder_message(locked_for_send().get(pk=reminder.pk), reload=False)


@pytest.mark.parametrize(
    ("contacts", "expected"),
    [
        pytest.param(
            lambda seeker: log_with_insiders(seeker),
            ["Priya Raman", "Tom Okafor", "Dana Webb", "Lee Chan"],
            id="met here and working there",
        ),
        pytest.param(
            lambda seeker: log_rejection(
                seeker, new_contacts=[NewContact(name="Lee Chan", role="interviewer")]
            ),
            ["Lee Chan"],
            id="met here only",
        ),
        pytest.param(
            lambda seeker: (
                ContactFactory(
                    user=seeker, company=log_rejection(seeker).application.company, name="Dana Webb"
                )
                and seeker.reminders.get()
            ),
            ["Dana Webb"],
            id="working there only",
        ),
        pytest.param(lambda seeker: log_rejection(seeker), [], id="nobody"),
    ],
)
def test_the_send_lists_the_same_insiders_as_a_fresh_render(seeker, contacts, expected):
    made = contacts(seeker)
    reminder = getattr(made, "reminder", made)
    ContactFactory(user=UserFactory(), name="Stranger Sam", email="sam@acme.example")
    fresh, sent = reminder_message(reminder), _as_the_send_renders_it(reminder)
    for message in (fresh, sent):
        for name in expected:
            assert name in message.body
        assert "Stranger Sam" not in message.body
        assert ("You have no contacts at Acme in Ajar yet" in message.body) == (not expected)
    assert sent.subject == fresh.subject
