"""Odd ids in the new-contact page's query string."""

import pytest
from django.urls import reverse

from tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["abc", "\x00", "1e400", "9" * 30, "-1"])
def test_an_odd_company_in_the_new_contact_query_prefills_nothing(user_client, user, raw):
    response = user_client.get(reverse("contacts:create"), {"company": raw})
    assert response.status_code == 200
    assert response.context["form"].initial.get("company") is None


@pytest.mark.django_db
def test_another_users_company_in_the_new_contact_query_prefills_nothing(user_client, other_user):
    theirs = factories.CompanyFactory(user=other_user)
    response = user_client.get(reverse("contacts:create"), {"company": theirs.pk})
    assert response.status_code == 200
    assert response.context["form"].initial.get("company") is None
