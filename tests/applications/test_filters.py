import datetime

import pytest

from applications.filters import ApplicationFilter
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
