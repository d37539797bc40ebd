"""The Settings note preview is a sample insider's card, drawn by the one
template the circle-back email draws its insiders with."""

import re
from contextlib import contextmanager
from html import unescape

import pytest
from django.template.loader import render_to_string
from django.test.signals import template_rendered
from django.urls import reverse

from reminders.emails import note_preview_insider, reminder_message
from tests.reminders.helpers import log_with_insiders

pytestmark = pytest.mark.django_db

CARD = "reminders/email/_insider_card.html"
TEMPLATE = "Hello {first_name}, still keen on {company} after the {role} role. {my_name}"


@contextmanager
def templates_rendered():
    names = []

    def record(sender, template, context, **kwargs):
        names.append(template.name)

    template_rendered.connect(record)
    try:
        yield names
    finally:
        template_rendered.disconnect(record)


def card_text(html):
    card = re.search(r'<div class="insider-card".*?</pre>\s*</div>', html, re.S).group(0)
    return " ".join(unescape(re.sub(r"<[^>]+>", "", card)).split())


def test_the_preview_is_a_sample_insiders_full_card_never_the_user(user_client, user):
    user.name = "Sam Seeker"
    user.save()
    response = user_client.get(reverse("settings"))
    assert CARD in [t.name for t in response.templates]
    text = card_text(response.content.decode())
    assert text.startswith("Alex Example, Hiring manager · Example Co ")
    assert "You met during your Product Designer application." in text
    assert "Last spoke: " in text
    assert "Write to Alex Example alex@example.com" in text
    assert "Hi Alex," in text


def test_the_preview_follows_what_is_typed_with_the_latest_real_company(user_client, user):
    user.name = "Sam Seeker"
    user.save()
    log_with_insiders(user)
    response = user_client.post(
        reverse("reminders:note_preview"), {"reminders-note_template": TEMPLATE}
    )
    text = card_text(response.content.decode())
    assert " · Acme " in text
    assert "You met during your Staff Engineer application." in text
    assert "Hello Alex, still keen on Acme after the Staff Engineer role. Sam Seeker" in text


def test_the_email_draws_its_insiders_with_the_same_card(user):
    result = log_with_insiders(user)
    with templates_rendered() as names:
        reminder_message(result.reminder)
    # Priya, Tom and Lee met there; Dana works there.
    assert names.count(CARD) == 4


def test_the_card_is_the_same_markup_in_the_email_and_on_the_page(user):
    insider = note_preview_insider(user, TEMPLATE)
    page = render_to_string(CARD, {"insider": insider, "for_email": False})
    email = render_to_string(CARD, {"insider": insider, "for_email": True})
    assert ' style="' not in page
    # The email's card is the page's with inline styles added, nothing else.
    assert re.sub(r' style="[^"]*"', "", email) == page
