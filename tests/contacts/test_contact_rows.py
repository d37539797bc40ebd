"""{% contact_rows %} writes what the list template's loop it replaced wrote.

contact_rows_reference.html is that loop, kept as the reference: for rows in
every role, with and without a company, an email and a last-contacted day,
hostile text included, both render the same HTML, up to the amount of
whitespace between tags."""

import datetime
from pathlib import Path

import pytest
from django.template import engines
from django.urls import reverse

from accounts.labels import date_rows, label_rows
from contacts.filters import ContactFilter
from contacts.models import Contact, ContactRole
from contacts.templatetags.contact_rows import contact_rows
from tests.factories import CompanyFactory, ContactFactory, ConversationFactory

pytestmark = pytest.mark.django_db

HOSTILE = "<b>R&D</b> \"quoted\" 'single'"
REFERENCE = Path(__file__).with_name("contact_rows_reference.html").read_text()
LIST = reverse("contacts:list")


def _rows(user) -> list[Contact]:
    company = CompanyFactory(user=user, name=f"{HOSTILE} Inc")
    for number, role in enumerate(ContactRole.values * 2):
        contact = ContactFactory(
            user=user,
            name=f"{HOSTILE} {number}",
            company=None if number % 3 == 0 else company,
            role=role,
            email="" if number % 4 == 1 else f"o'brien&{number}@example.com",
        )
        if number % 2 == 0:
            day = datetime.date(2026, 1, 5) + datetime.timedelta(days=number)
            ConversationFactory(user=user, contacts=[contact], occurred_on=day)
    # The list's own query: last_contacted_on is its annotation.
    return list(ContactFilter({}, user=user).qs)


def _words(html: str) -> str:
    return " ".join(html.split())


def test_the_rows_match_the_template_loop_they_replaced(user):
    rows = _rows(user)
    assert {row.role for row in rows} == set(ContactRole.values)
    assert {row.company is None for row in rows} == {True, False}
    assert {row.email == "" for row in rows} == {True, False}
    assert {row.last_contacted_on is None for row in rows} == {True, False}
    written = (
        engines["django"]
        .from_string("{% load contact_rows %}{% contact_rows rows %}")
        .render({"rows": rows})
    )
    label_rows(rows, role=ContactRole)
    date_rows(rows, last_contacted_on="DATE_FORMAT")
    reference = engines["django"].from_string(REFERENCE).render({"rows": rows})
    assert _words(written) == _words(reference)
    assert HOSTILE not in written
    assert "&lt;b&gt;R&amp;D&lt;/b&gt; &quot;quoted&quot; &#x27;single&#x27;" in written
    assert 'href="mailto:o&#x27;brien&amp;0@example.com"' in written


def test_the_list_writes_its_rows_with_the_tag(user_client, user):
    rows = _rows(user)
    page = user_client.get(LIST).content.decode()
    assert page.count("<tr>\n<td><a href=") == len(rows)
    assert contact_rows(rows) in page
    for row in rows:
        assert f'href="{row.get_absolute_url()}"' in page
