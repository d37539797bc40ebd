"""Two requests naming the same new company at once (a double-clicked submit)."""

import threading

import pytest
from django.db import connection, transaction

from applications.models import Company
from applications.services import company_get_or_create
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_a_company_created_meanwhile_by_another_request_is_reused():
    if connection.vendor != "postgresql":
        pytest.skip("needs two concurrent connections (PostgreSQL)")
    user = UserFactory()
    created, release = threading.Event(), threading.Event()

    def first_request():
        try:
            with transaction.atomic():
                Company.objects.create(user=user, name="Acme")
                created.set()
                release.wait(10)
        finally:
            connection.close()

    other = threading.Thread(target=first_request)
    other.start()
    assert created.wait(10)
    # The lookup misses (not committed yet); the insert then waits on the unique
    # index until the first request commits.
    threading.Timer(0.5, release.set).start()
    with transaction.atomic():
        company = company_get_or_create(user=user, name="ACME")
    other.join(10)
    assert company.name == "Acme"
    assert Company.objects.filter(user=user).count() == 1
