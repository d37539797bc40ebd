"""The list's search runs the same queries at 5 and at 5,000 rows."""

import pytest
from django.urls import reverse

from tests.rows import query_counts_at_5_and_5000

pytestmark = pytest.mark.django_db


def test_the_search_query_count_is_the_same_with_5_and_5000_rows(client):
    words = [{"q": q} for q in ("role 1", "bulk company", "no.", "nothing-matches")]
    few, many = query_counts_at_5_and_5000(client, reverse("applications:list"), words)
    assert few == many
