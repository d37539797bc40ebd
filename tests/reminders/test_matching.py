"""Which open application a letter is about: the company named exactly first,
fuzzily otherwise, the role deciding between several; each name matched once."""

import pytest

from reminders.matching import ApplicationMatcher
from tests.factories import ApplicationFactory, CompanyFactory

pytestmark = pytest.mark.django_db


def test_the_company_named_exactly_wins_over_a_near_name_with_a_closer_role(user):
    exact = ApplicationFactory(
        user=user, company=CompanyFactory(user=user, name="Acme 5"), role="Designer"
    )
    ApplicationFactory(user=user, company=CompanyFactory(user=user, name="Acme 50"), role="QA")
    matcher = ApplicationMatcher.for_user(user)
    assert matcher.best("ACME 5", "QA") == exact.pk


def test_a_near_name_still_matches_and_the_role_decides(user):
    company = CompanyFactory(user=user, name="Initech")
    ApplicationFactory(user=user, company=company, role="Backend Engineer")
    analyst = ApplicationFactory(user=user, company=company, role="Data Analyst")
    matcher = ApplicationMatcher.for_user(user)
    assert matcher.best("Initech Inc", "Data Analyst") == analyst.pk
    assert matcher.best("Globex", "Data Analyst") is None


def test_each_company_and_role_is_matched_once_per_batch(user, monkeypatch):
    ApplicationFactory(user=user, company=CompanyFactory(user=user, name="Initech"))
    matcher = ApplicationMatcher.for_user(user)
    calls = []
    real = matcher._best
    monkeypatch.setattr(matcher, "_best", lambda *a: calls.append(a) or real(*a))
    first = matcher.best("Initech", "Engineer")
    assert [matcher.best("Initech", "Engineer") for _ in range(3)] == [first] * 3
    assert len(calls) == 1
