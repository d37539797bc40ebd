"""Odd input that once gave a 500: each test names the input and what it gets now."""

import pytest
from django.urls import reverse

from tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["foo", "1e400", "a:b", "https://evil.example/"])
def test_a_next_that_is_not_a_path_falls_back_after_deleting_a_conversation(
    user_client, user, target
):
    conversation = factories.ConversationFactory(user=user)
    response = user_client.post(
        reverse("contacts:interaction_delete", kwargs={"pk": conversation.pk}), {"next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:list")


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["foo", "1e400", "a:b", "//evil.example/"])
def test_a_next_that_is_not_a_path_falls_back_after_acknowledging_failures(user_client, target):
    response = user_client.post(reverse("reminders:acknowledge_failures"), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("reminders:list")


@pytest.mark.django_db
def test_a_next_path_is_still_followed(user_client):
    response = user_client.post(reverse("reminders:acknowledge_failures"), {"next": "/contacts/"})
    assert response["Location"] == "/contacts/"


@pytest.mark.django_db
def test_a_nul_byte_in_the_companies_search_is_ignored(user_client, user):
    factories.CompanyFactory(user=user, name="Acme")
    response = user_client.get(reverse("review:company_list"), {"q": "Ac\x00me"})
    assert response.status_code == 200
    assert b"Acme" in response.content
