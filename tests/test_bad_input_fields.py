"""Odd input in one field of an otherwise valid form: the service runs with
everything else in place, so this reaches deeper than all-garbage posts. Either
it is saved, or the field has an error and nothing is saved; never a 500."""

import pytest
from django.urls import reverse

from applications.models import Application, Company, Rejection
from contacts.models import Contact, Interaction
from reminders.models import Reminder
from tests.factories import ApplicationFactory, ContactFactory

pytestmark = pytest.mark.django_db

ODD = [
    "\x00",
    "a\x00b",
    "x" * 120_000,
    "9" * 30,
    "-1",
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59",
    "<b>\u202e\U0001f4a5</b>",
]


def _counts():
    return tuple(
        model.objects.count()
        for model in (Application, Company, Rejection, Reminder, Contact, Interaction)
    )


def _check(client, url, valid: dict, field: str, value: str, ok=(302,)):
    before = _counts()
    client.raise_request_exception = False
    response = client.post(url, {**valid, field: value})
    assert response.status_code < 500, f"{field}={value[:20]!r} answered {response.status_code}"
    if response.status_code not in ok:
        assert _counts() == before, f"{field}={value[:20]!r} saved something"


LOG = {
    "company_name": "Acme",
    "role": "Developer",
    "stage_reached": "30",
    "received_on": "2026-01-10",
    "channel": "email",
    "letter_text": "Thank you, but no.",
    "feedback": "",
    "cooling_off_days": "30",
    "new_contact-TOTAL_FORMS": "1",
    "new_contact-INITIAL_FORMS": "0",
    "new_contact-0-name": "Ada",
    "new_contact-0-role": "recruiter",
    "new_contact-0-email": "ada@acme.example",
}


@pytest.mark.parametrize("field", sorted(LOG))
def test_the_log_form_with_one_odd_field(user_client, field):
    for value in ODD:
        _check(user_client, reverse("reminders:log_rejection"), LOG, field, value)


APPLICATION = {
    "company_name": "Acme",
    "role": "Developer",
    "stage": "20",
    "job_url": "https://acme.example/jobs/1",
    "source": "",
    "location": "Remote",
    "applied_on": "2026-01-10",
    "salary_min": "50000",
    "salary_max": "60000",
    "salary_currency": "EUR",
    "job_description": "Build things.",
    "notes": "",
}


@pytest.mark.parametrize("field", sorted(APPLICATION))
def test_the_new_application_form_with_one_odd_field(user_client, field):
    for value in ODD:
        _check(user_client, reverse("applications:create"), APPLICATION, field, value)


CONTACT = {
    "name": "Ada Lovelace",
    "role": "recruiter",
    "title": "Talent partner",
    "email": "ada@acme.example",
    "phone": "+44 20 7946 0000",
    "profile_url": "https://example.com/ada",
    "notes": "",
}


@pytest.mark.parametrize("field", [*sorted(CONTACT), "company", "applications"])
def test_the_new_contact_form_with_one_odd_field(user_client, user, field):
    application = ApplicationFactory(user=user)
    valid = {**CONTACT, "company": application.company_id, "applications": [application.pk]}
    for value in ODD:
        _check(user_client, reverse("contacts:create"), valid, field, value)


@pytest.mark.parametrize(
    "field", ["occurred_on", "channel", "contacts", "new_contact", "summary", "application"]
)
def test_the_conversation_form_with_one_odd_field(user_client, user, field):
    application = ApplicationFactory(user=user)
    contact = ContactFactory(user=user, company=application.company)
    valid = {
        "occurred_on": "2026-01-10",
        "channel": "email",
        "contacts": [contact.pk],
        "new_contact": "Grace",
        "summary": "Coffee.",
        "application": application.pk,
    }
    for value in ODD:
        _check(user_client, reverse("contacts:log_interaction"), valid, field, value)
