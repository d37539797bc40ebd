"""{% reminder_cards %} writes what the template loop it replaced wrote.

reminder_cards_reference.html is that loop, kept here as the reference: for
cards in every state (hostile text included), both render the same HTML, up to
the amount of whitespace between tags."""

import datetime
import re
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.template import engines
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from contacts.models import ContactRole
from reminders import links
from reminders.cards import card_rows, snooze_buttons
from reminders.models import Reminder, ReminderStatus
from reminders.selectors import reminder_people, reminder_section, reminders_page
from tests.factories import ApplicationFactory, ContactFactory, ReminderFactory

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).with_name("reminder_cards_reference.html").read_text()
HOSTILE = "<b>R&D</b> \"quoted\" 'single'"


def _cards_in_every_state(user) -> list[Reminder]:
    now = timezone.now()
    hostile = ApplicationFactory(user=user, role=HOSTILE, company__name=f"{HOSTILE} Inc")
    met = ContactFactory(user=user, company=hostile.company, name=HOSTILE, email="a&b@example.com")
    met.applications.add(hostile)
    ContactFactory(user=user, company=hostile.company, name="No Email", email="").applications.add(
        hostile
    )

    def make(status, **fields):
        application = fields.pop("application", None)
        if application is None:
            # One pending step an application: each card on an application of its own.
            application = ApplicationFactory(user=user, role=HOSTILE, company=hostile.company)
            met.applications.add(application)
        reminder = ReminderFactory(user=user, application=application)
        Reminder.objects.filter(pk=reminder.pk).update(status=status, **fields)

    make(ReminderStatus.SCHEDULED, due_at=now - datetime.timedelta(hours=1), snoozed_count=2)
    make(ReminderStatus.SCHEDULED, due_at=now + datetime.timedelta(days=3))
    make(
        ReminderStatus.SCHEDULED,
        due_at=now + datetime.timedelta(days=9),
        moved_on=now.date(),
        due_date_before_move=(now - datetime.timedelta(days=2)).date(),
    )
    make(ReminderStatus.WAITING, due_at=now, snoozed_count=1)
    make(
        ReminderStatus.SENDING,
        due_at=now - datetime.timedelta(minutes=5),
        claim_token=uuid.uuid4(),
        lease_expires_at=now + datetime.timedelta(minutes=5),
    )
    make(ReminderStatus.SENT, sent_at=now, application=ApplicationFactory(user=user))
    make(ReminderStatus.FAILED, last_error=f"550 {HOSTILE}")
    make(ReminderStatus.FAILED, last_error="")
    make(ReminderStatus.DONE, resolved_at=now)
    make(ReminderStatus.DONE, reapplication=ApplicationFactory(user=user, role=f"Again {HOSTILE}"))
    make(ReminderStatus.DISMISSED, resolved_at=now)
    make(ReminderStatus.CANCELLED)
    writer = ContactFactory(user=user, company=hostile.company, role=ContactRole.RECRUITER)
    make(ReminderStatus.SCHEDULED, contact=writer)
    groups = reminders_page(user, now=now, limit=10)
    cards = [card for group in groups.values() for card in group]
    reminder_people(cards)
    card_rows(cards)
    return cards


def _render(source: str, cards: list[Reminder], request) -> str:
    context = {"cards": cards, "snooze_buttons": snooze_buttons(links.SNOOZE_WEEKS)}
    return engines["django"].from_string(source).render(context, request)


def _words(html: str) -> str:
    # A render's CSRF token is masked afresh: the field, not its value, compared.
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)
    return " ".join(html.split())


def test_the_cards_match_the_template_loop_in_every_state(user):
    cards = _cards_in_every_state(user)
    assert {card.status for card in cards} == set(ReminderStatus.values)
    request = RequestFactory().get(reverse("reminders:list"))
    request.user = user
    written = _render("{% load reminder_cards %}{% reminder_cards cards %}", cards, request)
    assert _words(written) == _words(_render(REFERENCE, cards, request))
    # What the comparison relies on: the hostile text escaped, the forms' CSRF
    # field, the moved card's undo form.
    assert HOSTILE not in written
    assert "&lt;b&gt;R&amp;D&lt;/b&gt; &quot;quoted&quot; &#x27;single&#x27;" in written
    assert written.count('name="csrfmiddlewaretoken"') > len(cards)
    [moved] = [card for card in cards if card.moved_on]
    assert reverse("reminders:move_undo", args=[moved.pk]) in written


def test_the_page_writes_its_cards_with_the_tag(user_client, user):
    cards = _cards_in_every_state(user)
    page = user_client.get(reverse("reminders:list")).content.decode()
    for card in cards:
        assert f'id="reminder-{card.pk}"' in page
    assert page.count('<li class="card mb-2 reminder-card"') == len(cards)


def test_the_cards_carry_the_rows_around_them_as_values_not_models(user):
    """A card's application, company, contact and reapplication are read as
    values with it (reminders.selectors.CARD_VALUES): as models they were most
    of the page's model instances. Writing the cards then reads nothing more."""
    cards = _cards_in_every_state(user)
    section = reminder_section(user, "due", now=timezone.now())
    cards_of_a_section = list(section[0:50])
    assert cards_of_a_section
    for card in [*cards, *cards_of_a_section]:
        for relation in (Reminder.application, Reminder.contact, Reminder.reapplication):
            assert not relation.is_cached(card)
        assert card.card_role == Application.objects.get(pk=card.application_id).role
    request = RequestFactory().get(reverse("reminders:list"))
    request.user = user
    with CaptureQueriesContext(connection) as queries:
        written = _render("{% load reminder_cards %}{% reminder_cards cards %}", cards, request)
    assert not queries.captured_queries
    writer = next(card for card in cards if card.contact_id)
    assert f"Write to {writer.contact.name} (recruiter)" in written
