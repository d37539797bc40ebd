import datetime

import pytest

from applications.filters import ApplicationFilter
from applications.models import Application, Stage
from reminders.services import rejection_log
from tests.factories import ApplicationFactory, CompanyFactory

pytestmark = pytest.mark.django_db


def test_search_matches_every_word_in_role_company_location_or_notes(user):
    acme = CompanyFactory(user=user, name="Acme")
    wanted = ApplicationFactory(user=user, company=acme, role="Backend", notes="remote ok")
    ApplicationFactory(user=user, company=acme, role="Frontend")
    ApplicationFactory(user=user, role="Backend")
    assert list(ApplicationFilter({"q": "acme REMOTE"}, user=user).qs) == [wanted]


def test_search_never_returns_another_users_applications(user, other_user):
    ApplicationFactory(user=other_user, role="Backend")
    assert not ApplicationFilter({"q": "backend"}, user=user).qs.exists()


def test_the_date_range_includes_both_ends(user):
    first = ApplicationFactory(user=user, applied_on=datetime.date(2026, 1, 1))
    last = ApplicationFactory(user=user, applied_on=datetime.date(2026, 1, 31))
    ApplicationFactory(user=user, applied_on=datetime.date(2026, 2, 1))
    found = ApplicationFilter(
        {"applied_from": "2026-01-01", "applied_to": "2026-01-31"}, user=user
    ).qs
    assert set(found) == {first, last}


def test_the_search_finds_words_of_the_rejection_letter(user):
    found = ApplicationFactory(user=user, role="Engineer")
    rejection_log(
        user=user,
        application=found,
        stage_reached=Stage.APPLIED,
        letter_text="We chose a candidate with more Kubernetes experience.",
    )
    ApplicationFactory(user=user, role="Engineer")
    assert list(ApplicationFilter({"q": "kubernetes"}, user=user).qs) == [found]


def test_on_postgresql_the_search_and_the_pickers_have_trigram_indexes():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%gin_trgm_ops%' ORDER BY 1"
        )
        names = [row[0] for row in cursor.fetchall()]
    # The list's search reads one column; the pickers search roles and names.
    assert names == ["application_role_trgm", "application_search_trgm", "company_name_trgm"]


def test_the_list_reads_in_the_order_of_its_index(user):
    """A page of the list is a range of application_list_idx: the FilterSet's
    order is the index's, after the user."""
    index = next(i for i in Application._meta.indexes if i.name == "application_list_idx")
    order = ApplicationFilter({}, user=user).qs.query.order_by
    assert ["user", *order] == index.fields


def test_the_company_filter_takes_each_users_own_companies_from_one_form_class(user, other_user):
    # The form class is built once for every request: the choices are each form's.
    mine, theirs = CompanyFactory(user=user), CompanyFactory(user=other_user)
    own_application = ApplicationFactory(user=user, company=mine)
    ApplicationFactory(user=other_user, company=theirs)
    for owner, own, foreign in ((user, mine, theirs), (other_user, theirs, mine)):
        assert ApplicationFilter({"company": own.pk}, user=owner).form.is_valid()
        foreign_filter = ApplicationFilter({"company": foreign.pk}, user=owner)
        assert "company" in foreign_filter.form.errors
        assert ApplicationFilter({}, user=owner).form.__class__ is type(foreign_filter.form)
    # Another user's company is a field error, that filter ignored: only one's own rows.
    assert list(ApplicationFilter({"company": theirs.pk}, user=user).qs) == [own_application]
