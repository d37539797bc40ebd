"""The Reminders page's cards, each with what it shows looked up once a page.

A section's cards are written in one pass (`{% reminder_cards %}`,
reminders/templatetags/reminder_cards.py), not an include per card:
`get_FOO_display` (the choices rebuilt and translated per call), the `date`
filter (the format and the language looked up per call), `{% blocktranslate %}`
and `{% url %}` per card were most of the page's time. Here each card gets its
labels and its status line, the formats and the sentences translated once a page.
"""

from collections.abc import Iterable
from typing import Any

from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.labels import label_rows, moment_text
from accounts.markup import fill
from contacts.models import ContactRole
from reminders.models import Reminder, ReminderKind, ReminderStatus, ReminderStep


def snooze_buttons(weeks: Iterable[int]) -> list[tuple[int, str]]:
    """Each snooze button's value and label, translated once a page."""
    return [
        (n, ngettext("Snooze %(counter)s week", "%(counter)s weeks", n) % {"counter": n})
        for n in weeks
    ]


def card_rows(reminders: list[Reminder]) -> None:
    """Set on each reminder what its card shows: `step_label`, `kind_label`,
    `status_label`, `when` (its status line), `snoozed`, `write_to` (the
    sentence naming whom to write to, or "" when `people` lists them).
    `people` comes from reminders.selectors.reminder_people(), run first; the
    names around the reminder from reminders.selectors.CARD_VALUES."""
    label_rows(reminders, step=ReminderStep, kind=ReminderKind, status=ReminderStatus)
    day, moment = get_format("DATE_FORMAT"), get_format("DATETIME_FORMAT")
    next_on, due, emailed = _("next, on %(day)s"), _("due %(day)s"), _("emailed %(day)s")
    sending = _("being sent now")
    write_to = _("Write to %(name)s (%(role)s), who wrote the letter.")
    nobody = _("Nobody at %(company)s yet: add the people you met on the application's page.")
    roles = {value: str(label) for value, label in ContactRole.choices}
    for row in reminders:
        # The card's attributes are set here, not fields of the model.
        reminder: Any = row
        status = reminder.status
        if status == ReminderStatus.WAITING:
            reminder.when = fill(next_on, day=moment_text(reminder.due_at, day))
        elif status == ReminderStatus.SCHEDULED:
            reminder.when = fill(due, day=moment_text(reminder.due_at, moment))
        elif status == ReminderStatus.SENT:
            reminder.when = fill(emailed, day=moment_text(reminder.sent_at, moment))
        elif status == ReminderStatus.SENDING:
            reminder.when = sending
        elif reminder.resolved_at:
            reminder.when = fill(
                "%(status)s %(day)s",
                status=reminder.status_label,
                day=moment_text(reminder.resolved_at, day),
            )
        else:
            reminder.when = reminder.status_label
        count = reminder.snoozed_count
        reminder.snoozed = (
            ngettext("snoozed once", "snoozed %(counter)s times", count) % {"counter": count}
            if count
            else ""
        )
        if reminder.contact_id is not None:
            role = roles.get(reminder.card_contact_role, reminder.card_contact_role)
            reminder.people = []
            reminder.write_to = fill(write_to, name=reminder.card_contact_name, role=role.lower())
        else:
            reminder.write_to = (
                "" if reminder.people else fill(nobody, company=reminder.card_company)
            )
