import datetime

import pytest

from applications.models import Stage
from applications.selectors import application_search
from applications.services import application_move
from reminders.services import rejection_log
from review.selectors import application_timeline, reminder_of
from tests.factories import ApplicationFactory, CompanyFactory, InteractionFactory

pytestmark = pytest.mark.django_db


def test_search_matches_every_word_in_role_company_location_or_notes(user):
    acme = CompanyFactory(user=user, name="Acme")
    wanted = ApplicationFactory(user=user, company=acme, role="Backend", notes="remote ok")
    ApplicationFactory(user=user, company=acme, role="Frontend")
    ApplicationFactory(user=user, role="Backend")
    assert list(application_search(user=user, q="acme REMOTE")) == [wanted]


def test_search_never_returns_another_users_applications(user, other_user):
    ApplicationFactory(user=other_user, role="Backend")
    assert not application_search(user=user, q="backend").exists()


def test_the_date_range_includes_both_ends(user):
    first = ApplicationFactory(user=user, applied_on=datetime.date(2026, 1, 1))
    last = ApplicationFactory(user=user, applied_on=datetime.date(2026, 1, 31))
    ApplicationFactory(user=user, applied_on=datetime.date(2026, 2, 1))
    found = application_search(
        user=user, applied_from=datetime.date(2026, 1, 1), applied_to=datetime.date(2026, 1, 31)
    )
    assert set(found) == {first, last}


def test_the_timeline_orders_stages_interactions_the_rejection_and_the_circle_back(user):
    application = ApplicationFactory(user=user, applied_on=datetime.date(2026, 1, 5))
    application_move(
        application=application, stage=Stage.INTERVIEW, occurred_on=datetime.date(2026, 1, 20)
    )
    InteractionFactory(user=user, application=application, occurred_on=datetime.date(2026, 1, 10))
    rejection_log(
        user=user,
        application=application,
        stage_reached=Stage.INTERVIEW,
        received_on=datetime.date(2026, 2, 1),
    )
    timeline = application_timeline(application, reminder=reminder_of(application), attachment=None)
    assert [(e.on.isoformat(), e.kind) for e in timeline] == [
        ("2026-01-05", "stage"),
        ("2026-01-10", "interaction"),
        ("2026-01-20", "stage"),
        ("2026-02-01", "rejection"),
        ("2026-03-03", "reminder"),
    ]


def test_a_ghosted_application_shows_the_silence_instead_of_a_rejection(user):
    application = ApplicationFactory(user=user)
    rejection_log(
        user=user,
        application=application,
        stage_reached=Stage.APPLIED,
        received_on=datetime.date(2026, 2, 1),
        ghosted=True,
    )
    application.refresh_from_db()
    kinds = [e.kind for e in application_timeline(application, reminder=None, attachment=None)]
    assert kinds == ["stage", "ghosted"]


def test_the_search_finds_words_of_the_rejection_letter(user):
    found = ApplicationFactory(user=user, role="Engineer")
    rejection_log(
        user=user,
        application=found,
        stage_reached=Stage.APPLIED,
        letter_text="We chose a candidate with more Kubernetes experience.",
    )
    ApplicationFactory(user=user, role="Engineer")
    assert list(application_search(user=user, q="kubernetes")) == [found]


def test_on_postgresql_the_search_has_trigram_indexes():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%gin_trgm_ops%' ORDER BY 1"
        )
        names = [row[0] for row in cursor.fetchall()]
    assert names == [
        "application_location_trgm",
        "application_notes_trgm",
        "application_role_trgm",
        "company_name_trgm",
        "rejection_letter_trgm",
    ]
