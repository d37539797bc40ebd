"""Pages whose forms pick among the account's rows stay the same size, and run
the same queries, at 5 and at 5,000 rows (the pickers search on the server)."""

import pytest
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import UserFactory
from tests.rows import make_rows

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url_name",
    [
        "reminders:log_rejection",
        "applications:create",
        "contacts:create",
        "contacts:log_interaction",
        "applications:search",
    ],
)
def test_a_form_page_is_the_same_at_5_and_5000_rows(client, url_name):
    small, large = UserFactory(), UserFactory()
    make_rows(small, 5)
    make_rows(large, 5000)
    measured = []
    for owner in (small, large):
        client.force_login(owner)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(url_name))
        assert response.status_code == 200
        measured.append((len(queries), len(response.content)))
    (few_queries, few_bytes), (many_queries, many_bytes) = measured
    assert few_queries == many_queries
    assert many_bytes < few_bytes + 5_000


def test_templates_are_compiled_once_per_process():
    # Django's cached loader is on when TEMPLATES names no loaders (Django >= 4.1).
    loaders = engines["django"].engine.template_loaders
    assert [type(loader).__module__ for loader in loaders] == ["django.template.loaders.cached"]
