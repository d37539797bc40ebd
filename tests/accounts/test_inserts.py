"""insert_unless_conflict: one INSERT, or nothing when the key is taken."""

import pytest

from accounts.inserts import insert_unless_conflict
from applications.models import Company
from applications.services import company_get_or_create

pytestmark = pytest.mark.django_db


def test_a_new_row_is_inserted_with_its_id_and_defaults(user, django_assert_num_queries):
    with django_assert_num_queries(1):
        company = insert_unless_conflict(Company(user=user, name="Initech"))
    assert company is not None
    assert company.pk is not None
    assert not company._state.adding
    stored = Company.objects.get(pk=company.pk)
    assert (stored.name, stored.created_at) == ("Initech", company.created_at)


def test_a_taken_key_inserts_nothing_and_keeps_the_transaction_usable(user):
    first = insert_unless_conflict(Company(user=user, name="Initech"))
    assert insert_unless_conflict(Company(user=user, name="INITECH")) is None
    # No savepoint, and still no error: the caller's transaction goes on.
    assert company_get_or_create(user=user, name="initech") == first
    assert Company.objects.filter(user=user).count() == 1


def test_a_new_company_costs_its_lookup_and_one_insert(user, django_assert_num_queries):
    with django_assert_num_queries(2):
        company_get_or_create(user=user, name="Globex")
