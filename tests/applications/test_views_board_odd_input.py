"""Odd query values on the board."""

import pytest
from django.urls import reverse

from tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize("offset", ["9" * 30, "-5", "abc"])
def test_an_odd_offset_on_a_board_column_shows_a_page(user_client, user, offset):
    factories.ApplicationFactory(user=user)
    response = user_client.get(
        reverse("applications:board_column"), {"stage": "20", "offset": offset}
    )
    assert response.status_code == 200
