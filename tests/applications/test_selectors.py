import datetime

import pytest

from applications.selectors import application_search
from tests.factories import ApplicationFactory, CompanyFactory

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
