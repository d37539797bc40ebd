"""The circle-back email of one reminder occurrence.

Rendered in the worker, without a request: links are absolute, from BASE_URL.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from reminders.models import Reminder


def message_id_for(reminder: Reminder) -> str:
    """Stable per reminder and occurrence: a message sent twice in the one
    documented window (worker death after SMTP accepted it) carries the same id,
    so mail clients show it once."""
    return f"<reminder-{reminder.pk}-{reminder.occurrence}@{settings.AJAR_MESSAGE_ID_DOMAIN}>"


def reminder_message(reminder: Reminder) -> EmailMultiAlternatives:
    application = reminder.application
    subject = f"Time to circle back with {application.company.name}"
    body = (
        f"It has been {reminder.cooling_off_days} days since {application.company.name} "
        f"closed the {application.role} process.\n\n"
        f"Open Ajar to see who to get back in touch with: {settings.BASE_URL}/reminders/\n"
    )
    return EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.user.email],
        headers={"Message-ID": message_id_for(reminder)},
    )
