"""{% application_rows %} writes what the list template's loop it replaced wrote.

application_rows_reference.html is that loop, kept as the reference: for rows
in every stage, outcome and source, with and without a date, hostile text
included, both render the same HTML, up to the amount of whitespace between
tags."""

import itertools
from pathlib import Path

import pytest
from django.template import engines

from accounts.labels import date_rows, label_rows
from applications.models import Application, Outcome, Source, Stage
from tests.factories import ApplicationFactory, CompanyFactory
from tests.pages import LIST

pytestmark = pytest.mark.django_db

HOSTILE = "<b>R&D</b> \"quoted\" 'single'"
REFERENCE = Path(__file__).with_name("application_rows_reference.html").read_text()


def _rows(user) -> list[Application]:
    sources = itertools.cycle(["", *Source.values])
    outcomes = itertools.cycle(Outcome.values)
    company = CompanyFactory(user=user, name=f"{HOSTILE} Inc")
    for number, stage in enumerate(Stage.values * 2):
        application = ApplicationFactory(
            user=user,
            role=f"{HOSTILE} {number}",
            company=company,
            current_stage=stage,
            furthest_stage=Stage.OFFER,
            source=next(sources),
        )
        Application.objects.filter(pk=application.pk).update(
            outcome=next(outcomes), applied_on=None if number % 3 == 0 else application.applied_on
        )
    return list(Application.objects.for_user(user).select_related("company").order_by("id"))


def _words(html: str) -> str:
    return " ".join(html.split())


def test_the_rows_match_the_template_loop_they_replaced(user):
    rows = _rows(user)
    assert {row.outcome for row in rows} == set(Outcome.values)
    assert {row.source for row in rows} == {"", *Source.values}
    assert {row.applied_on is None for row in rows} == {True, False}
    written = (
        engines["django"]
        .from_string("{% load application_rows %}{% application_rows rows %}")
        .render({"rows": rows})
    )
    label_rows(rows, current_stage=Stage, outcome=Outcome, source=Source)
    date_rows(rows, applied_on="DATE_FORMAT")
    reference = engines["django"].from_string(REFERENCE).render({"rows": rows})
    assert _words(written) == _words(reference)
    assert HOSTILE not in written
    assert "&lt;b&gt;R&amp;D&lt;/b&gt; &quot;quoted&quot; &#x27;single&#x27;" in written


def test_the_list_writes_its_rows_with_the_tag(user_client, user):
    rows = _rows(user)
    page = user_client.get(LIST).content.decode()
    assert page.count('<li class="list-group-item d-flex') == len(rows)
    for row in rows:
        assert f'href="{row.get_absolute_url()}"' in page
