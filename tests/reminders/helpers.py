"""Shared set-up for the circle-back email tests: rejections logged through the
real service, so reminders, contacts and history look as the app leaves them."""

import datetime
import html
import re
from urllib.parse import urlsplit

from applications.models import Stage
from contacts.models import ContactRole
from reminders.services import NewContact, rejection_log
from tests.factories import ContactFactory, InteractionFactory

BASE_URL = "https://ajar.example"


def log_rejection(user, *, company="Acme", role="Staff Engineer", **kwargs):
    kwargs.setdefault("stage_reached", Stage.FINAL_ROUND)
    kwargs.setdefault("received_on", datetime.date(2026, 2, 1))
    return rejection_log(user=user, company_name=company, role=role, **kwargs)


def log_with_insiders(user):
    """Acme, final round: Priya (met there, spoke twice), Tom (met there, never
    spoke since), Dana (works there, met elsewhere) and Lee (met there, no email)."""
    result = log_rejection(
        user,
        new_contacts=[
            NewContact(
                name="Priya Raman", role=ContactRole.HIRING_MANAGER, email="priya@acme.example"
            ),
            NewContact(name="Tom Okafor", role=ContactRole.RECRUITER, email="tom@acme.example"),
            NewContact(name="Lee Chan", role=ContactRole.INTERVIEWER, email=""),
        ],
    )
    application = result.application
    priya = application.contacts.get(name="Priya Raman")
    for day in (datetime.date(2026, 1, 10), datetime.date(2026, 1, 25)):
        InteractionFactory(user=user, occurred_on=day).contacts.add(priya)
    ContactFactory(
        user=user, company=application.company, name="Dana Webb", role=ContactRole.EMPLOYEE
    )
    return result


def links_in_html(body: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]+)"', body)]


def links_in_text(body: str) -> list[str]:
    return re.findall(r"(?:https?|mailto):\S+", body)


def path_of(url: str) -> str:
    return urlsplit(url).path


def html_part(message) -> str:
    ((content, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return content
