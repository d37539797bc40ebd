"""Two requests naming the same new company at once (a double-clicked submit)."""

import threading
import time

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
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        our_pid = cursor.fetchone()[0]
    waited = threading.Event()

    def release_once_we_wait_on_the_index():
        # The lookup misses (not committed yet); the insert then waits on the
        # unique index. Release the first request only once PostgreSQL shows
        # this connection blocked on that lock: then the race really happened.
        deadline = time.monotonic() + 10
        try:
            while time.monotonic() < deadline:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [our_pid]
                    )
                    if cursor.fetchone()[0] == "Lock":
                        waited.set()
                        break
                time.sleep(0.01)
        finally:
            release.set()
            connection.close()

    watcher = threading.Thread(target=release_once_we_wait_on_the_index)
    watcher.start()
    with transaction.atomic():
        company = company_get_or_create(user=user, name="ACME")
    other.join(10)
    watcher.join(10)
    assert waited.is_set()
    assert company.name == "Acme"
    assert Company.objects.filter(user=user).count() == 1
