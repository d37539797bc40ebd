"""The list's search runs the same queries at 5 and at 5,000 rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import UserFactory
from tests.rows import make_rows

pytestmark = pytest.mark.django_db


def test_the_search_query_count_is_the_same_with_5_and_5000_rows(client):
    small, large = UserFactory(), UserFactory()
    make_rows(small, 5)
    make_rows(large, 5000)
    counts = []
    for owner in (small, large):
        client.force_login(owner)
        for q in ("role 1", "bulk company", "no.", "nothing-matches"):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(reverse("applications:list"), {"q": q})
            assert response.status_code == 200
            counts.append(len(ctx.captured_queries))
    assert counts[:4] == counts[4:]
