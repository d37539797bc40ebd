"""iCalendar feed and files, vCards: parsed back by icalendar and vobject."""

import datetime

import icalendar
import pytest
import vobject
from django.urls import reverse
from django.utils import timezone

from applications.models import Stage, StageEvent
from reminders.services import reminder_snooze
from tests.factories import (
    ApplicationFactory,
    ContactFactory,
    ReminderFactory,
)
from tests.portability.helpers import fill_account

pytestmark = pytest.mark.django_db


def _feed(client, token):
    response = client.get(reverse("portability:calendar_feed", args=[token]))
    return response, (
        icalendar.Calendar.from_ical(response.content) if response.status_code == 200 else None
    )


def test_calendar_feed_parses_back_and_sequence_rises_on_snooze(client, user):
    fill_account(user)
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


def test_pages_link_to_the_calendar_and_vcard_files(user_client, user):
    reminder = ReminderFactory(user=user, due_at=timezone.now() + datetime.timedelta(days=2))
    contact = ContactFactory(user=user)
    page = user_client.get(reverse("reminders:list")).content.decode()
    assert reverse("portability:reminder_ics", args=[reminder.pk]) in page
    page = user_client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert reverse("portability:contact_vcard", args=[contact.pk]) in page


def test_regenerating_from_the_page_retires_the_old_address(user_client, user):
    from portability.services import calendar_feed_get

    old = calendar_feed_get(user=user).token
    page = user_client.get(reverse("portability:index")).content.decode()
    assert old in page
    response = user_client.post(reverse("portability:calendar_regenerate"))
    assert response.status_code == 302
    assert user_client.get(reverse("portability:calendar_feed", args=[old])).status_code == 404
    assert calendar_feed_get(user=user).token != old
