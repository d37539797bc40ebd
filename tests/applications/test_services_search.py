"""Application.search_text: every service that writes what the list's search
reads keeps it true, and the search finds what the five-column OR found."""

import datetime
import io
import random

import pytest
from django.db import connection
from django.db.models import Q

from applications.filters import ApplicationFilter
from applications.models import Application, Rejection, Stage
from applications.services import (
    SEARCH_LETTER_CHARS,
    application_create,
    application_search_refresh,
    application_update,
    company_get_or_create,
    company_rename,
)
from contacts.services import company_merge
from inbox.services import draft_confirm
from portability import backup
from portability.services import import_apply
from reminders.services import application_reopen, rejection_log, rejection_update
from tests.factories import ApplicationFactory, CompanyFactory, RejectionFactory, UserFactory
from tests.inbox.factories import InboundMessageFactory
from tests.portability.helpers import csv_bytes
from tests.portability.test_importing import plan

pytestmark = pytest.mark.django_db


def found(user, q: str) -> set[int]:
    return set(ApplicationFilter({"q": q}, user=user).qs.values_list("pk", flat=True))


def old_search(user, q: str) -> set[int]:
    """The list's search before search_text: five columns ORed for every word."""
    queryset = Application.objects.for_user(user)
    for word in q.split()[:10]:
        queryset = queryset.filter(
            Q(role__icontains=word)
            | Q(company__name__icontains=word)
            | Q(location__icontains=word)
            | Q(notes__icontains=word)
            | Q(rejection__letter_text__icontains=word)
        )
    return set(queryset.values_list("pk", flat=True))


def test_a_new_application_is_found_by_its_role_company_location_and_notes(user):
    company = company_get_or_create(user=user, name="Initech")
    app = application_create(
        user=user, company=company, role="Backend engineer", location="Lisbon", notes="gym"
    )
    ApplicationFactory(user=user, role="Designer")
    for q in ("backend", "INITECH", "lisb", "gym", "initech lisbon"):
        assert found(user, q) == {app.pk}


def test_an_edit_is_found_by_its_new_words_not_its_old_ones(user):
    app = ApplicationFactory(user=user, role="Engineer", notes="old words")
    other = CompanyFactory(user=user, name="Globex")
    application_update(
        application=app,
        company=other,
        role="Platform lead",
        job_url="",
        job_description="",
        source="",
        location="Porto",
        salary_min=None,
        salary_max=None,
        salary_currency="",
        applied_on=app.applied_on,
        notes="fresh words",
    )
    assert found(user, "platform globex porto fresh") == {app.pk}
    assert found(user, "old") == set()


def test_renaming_a_company_finds_its_applications_by_the_new_name(user):
    company = CompanyFactory(user=user, name="Acme")
    apps = {ApplicationFactory(user=user, company=company).pk for _ in range(2)}
    ApplicationFactory(user=user)
    company_rename(company=company, name="Zenith Labs")
    assert found(user, "zenith") == apps
    assert found(user, "acme") == set()


def test_a_merge_finds_the_moved_applications_by_the_kept_name(user):
    keep = CompanyFactory(user=user, name="Acme")
    duplicate = CompanyFactory(user=user, name="ACME Corp")
    moved = ApplicationFactory(user=user, company=duplicate)
    company_merge(keep=keep, duplicate=duplicate)
    assert found(user, "acme") == {moved.pk}
    assert found(user, "corp") == set()


def test_logging_editing_and_undoing_a_rejection_follow_its_letter(user):
    app = ApplicationFactory(user=user, role="Engineer")
    result = rejection_log(
        user=user,
        application=app,
        stage_reached=Stage.APPLIED,
        received_on=datetime.date(2026, 2, 1),
        letter_text="Kubernetes skills",
    )
    assert found(user, "kubernetes") == {app.pk}
    rejection_update(
        rejection=result.rejection,
        received_on=result.rejection.received_on,
        letter_text="We wanted more Haskell.",
    )
    assert found(user, "haskell") == {app.pk}
    assert found(user, "kubernetes") == set()
    application_reopen(application=app)
    assert found(user, "haskell") == set()
    assert found(user, "engineer") == {app.pk}


def test_a_rejection_logged_for_a_new_application_is_found_by_company_role_and_letter(user):
    result = rejection_log(
        user=user,
        stage_reached=Stage.SCREEN,
        company_name="Hooli",
        role="Data scientist",
        letter_text="Not this time.",
    )
    assert found(user, "hooli scientist this") == {result.application.pk}


def test_a_confirmed_inbox_draft_is_found_by_its_letter(user):
    draft = InboundMessageFactory(user=user, company="Vandelay", text="Latex importing role")
    draft_confirm(draft=draft, stage_reached=Stage.APPLIED)
    draft.refresh_from_db()
    assert found(user, "vandelay latex") == {draft.application_id}


def test_imported_applications_are_found_by_their_rows_and_letters(user):
    text = (
        "Company,Role,Date Applied,Status,Notes\n"
        "Acme,Engineer,2026-01-05,Applied,liked the team\n"
        "Beta,Developer,2026-01-06,Rejected,\n"
    )
    import_apply(user=user, plan=plan(user, csv_bytes(text)))
    acme = Application.objects.get(user=user, company__name="Acme")
    beta = Application.objects.get(user=user, company__name="Beta")
    assert found(user, "liked acme") == {acme.pk}
    assert found(user, "beta developer") == {beta.pk}


def test_a_restored_account_is_found_as_the_original(user):
    RejectionFactory(application__user=user, letter_text="We chose Mallory.")
    ApplicationFactory(user=user, role="Analyst", notes="remote")
    fresh = UserFactory()
    backup.backup_restore(user=fresh, source=io.BytesIO(backup.backup_bytes(user)))
    for q in ("mallory", "analyst remote", "company"):
        assert len(found(fresh, q)) == len(found(user, q)) >= 1


def test_only_the_start_of_a_long_letter_is_searched(user):
    app = ApplicationFactory(user=user)
    letter = "early " + "x" * SEARCH_LETTER_CHARS + " lateword"
    RejectionFactory(application=app, letter_text=letter)
    assert found(user, "early") == {app.pk}
    assert found(user, "lateword") == set()
    assert len(Application.objects.get(pk=app.pk).search_text) < SEARCH_LETTER_CHARS + 300


WORDS = ["acme", "Kube", "rnetes", "lis", "bon", "Ops", "data", "é", "50%", "a_b", "ne"]


def test_the_search_finds_what_the_five_column_or_found(user):
    rng = random.Random(16)

    def text(n: int) -> str:
        return " ".join(rng.choice(WORDS) + rng.choice(["", "x", "-"]) for _ in range(n))

    companies = [CompanyFactory(user=user, name=text(2)) for _ in range(5)]
    for i in range(40):
        app = ApplicationFactory(
            user=user,
            company=rng.choice(companies),
            role=text(2) or "role",
            location=text(1),
            notes=text(rng.randrange(4)),
        )
        if i % 3 == 0:
            RejectionFactory(application=app, letter_text=text(5))
    ApplicationFactory(user=UserFactory(), role="acme Kube data")
    queries = [*WORDS, "acme data", "kube rnetes ops", "lis bon", "ACME é", "nothing"]
    for q in queries:
        assert found(user, q) == old_search(user, q), q
    assert any(found(user, q) for q in queries)


def test_a_refresh_without_ids_or_companies_writes_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        application_search_refresh()


def test_on_postgresql_one_trigram_index_serves_the_search_text():
    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'application_search_trgm'"
        )
        (definition,) = cursor.fetchone()
    # The expression Django's icontains compiles to, or the index would not serve it.
    assert "gin (upper(search_text) gin_trgm_ops)" in definition
    sql, _params = ApplicationFilter({"q": "x"}, user=UserFactory()).qs.query.sql_with_params()
    assert 'UPPER("applications_application"."search_text"::text) LIKE UPPER(' in sql


def test_rejections_kept_by_bulk_rows_have_their_letter(user):
    """tests/rows.py keeps the search text too (the query-count fixtures)."""
    from tests.rows import make_rows

    make_rows(user, 3)
    rejected = set(Rejection.objects.for_user(user).values_list("application_id", flat=True))
    assert rejected
    assert found(user, "no.") == rejected


def test_a_full_save_of_a_stale_copy_keeps_the_search_text(user):
    app = ApplicationFactory(user=user, company__name="Acme")
    stale = Application.objects.get(pk=app.pk)
    company_rename(company=app.company, name="Zenith")
    stale.notes = "edited elsewhere"
    stale.save()
    assert found(user, "zenith") == {app.pk}


def test_a_rejection_without_a_letter_for_a_new_application_is_found(user):
    result = rejection_log(
        user=user, stage_reached=Stage.APPLIED, company_name="Umbrella", role="Chemist"
    )
    assert found(user, "umbrella chemist") == {result.application.pk}
