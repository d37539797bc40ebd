"""What the page tests of several apps share: the main URLs, a log-rejection
POST with an empty people formset, and a count of everything a refused form
must leave unsaved."""

import datetime

from django.urls import reverse

from applications.models import Application, Company, Rejection
from contacts.models import Contact
from reminders.models import Reminder

LIST = reverse("applications:list")
CREATE = reverse("applications:create")
LOG = reverse("reminders:log_rejection")
PICKERS = reverse("reminders:log_rejection_pickers")

NO_NEW_CONTACTS = {
    "new_contact-TOTAL_FORMS": "1",
    "new_contact-INITIAL_FORMS": "0",
    "new_contact-MIN_NUM_FORMS": "0",
    "new_contact-MAX_NUM_FORMS": "20",
    "new_contact-0-role": "other",
}

NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


def log_post(client, **fields):
    return client.post(LOG, {**NO_NEW_CONTACTS, **fields})


def nothing_saved() -> tuple[int, ...]:
    return (
        Application.objects.count(),
        Rejection.objects.count(),
        Reminder.objects.count(),
        Contact.objects.count(),
        Company.objects.count(),
    )
