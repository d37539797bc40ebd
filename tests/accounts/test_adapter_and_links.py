"""Invitations, the email-confirmation link, login by code after a lockout."""

import re
import threading

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core import mail
from django.urls import reverse

from accounts.models import Invitation, User
from accounts.services import invitation_consume
from tests.factories import UserFactory

PASSWORD = "a long and unusual passphrase"


def sign_up(client, email):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD, "time_zone": "UTC"},
    )


# --- Invitations ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_invitation_is_for_its_address_only(client, settings):
    settings.AJAR_SIGNUP = "invite"
    invitation = Invitation.objects.create(email="Invited@Example.com")
    client.get(reverse("invitation_accept", args=[invitation.token]))
    response = sign_up(client, "someone.else@example.com")
    assert "This invitation is for another email address." in response.content.decode()
    assert not User.objects.exists()
    sign_up(client, "invited@example.com")
    assert User.objects.filter(email="invited@example.com").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


@pytest.mark.django_db
def test_an_invitation_is_consumed_once():
    invitation = Invitation.objects.create(email="a@example.com")
    assert invitation_consume(invitation_id=invitation.pk) is True
    assert invitation_consume(invitation_id=invitation.pk) is False


@pytest.mark.django_db
def test_a_sign_up_that_loses_the_race_for_its_invitation_creates_nothing(client, settings):
    settings.AJAR_SIGNUP = "invite"
    invitation = Invitation.objects.create(email="a@example.com")
    client.get(reverse("invitation_accept", args=[invitation.token]))
    # Another sign-up consumed it between this one's checks and its save.
    from accounts import adapter

    real_lookup = adapter.invitation_from_session
    calls = []

    def lookup_then_lose(request):
        found = real_lookup(request)
        calls.append(found)
        return found

    adapter.invitation_from_session = lookup_then_lose
    try:
        original = adapter.invitation_consume

        def consumed_elsewhere(*, invitation_id):
            original(invitation_id=invitation_id)
            return original(invitation_id=invitation_id)

        adapter.invitation_consume = consumed_elsewhere
        client.raise_request_exception = False
        response = sign_up(client, "a@example.com")
    finally:
        adapter.invitation_from_session = real_lookup
        adapter.invitation_consume = original
    assert response.status_code == 403
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_consumers_of_one_invitation_get_it_exactly_once():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's concurrent writers")
    invitation = Invitation.objects.create(email="a@example.com")
    barrier = threading.Barrier(4)
    results = []

    def consume():
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            results.append(invitation_consume(invitation_id=invitation.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=consume) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, False, False, True]


# --- The email-confirmation link ---------------------------------------------------------------


def _confirmation_url(user):
    address = EmailAddress.objects.get(user=user)
    return reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key])


@pytest.mark.django_db
def test_opening_someone_elses_confirmation_link_signs_no_one_out_and_names_no_one(client):
    stranger = UserFactory(email="stranger@example.com")
    owner = UserFactory(email="owner@example.com", verified=False)
    client.force_login(stranger)
    url = _confirmation_url(owner)
    for method in ("get", "head"):
        response = getattr(client, method)(url)
        assert response.status_code == 200
        assert "owner@example.com" not in response.content.decode()
        assert str(owner) not in response.content.decode()
        assert client.session.get("_auth_user_id") == str(stranger.pk)
    assert not EmailAddress.objects.get(user=owner).verified


@pytest.mark.django_db
def test_the_confirmation_link_confirms_on_post(client):
    owner = UserFactory(email="owner@example.com", verified=False)
    response = client.post(_confirmation_url(owner))
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=owner).verified


# --- Locked out: a one-time code ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_locked_out_owner_signs_in_with_a_code_sent_to_the_verified_address(client):
    owner = UserFactory(email="owner@example.com")
    for _ in range(6):
        client.post(reverse("account_login"), {"login": owner.email, "password": "wrong"})
    client.post(
        reverse("account_login"), {"login": owner.email, "password": "correct horse battery"}
    )
    assert "_auth_user_id" not in client.session

    mail.outbox.clear()
    response = client.post(reverse("account_request_login_code"), {"email": owner.email})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["owner@example.com"]
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.M).group(1)
    client.post(reverse("account_confirm_login_code"), {"code": code})
    assert client.session.get("_auth_user_id") == str(owner.pk)
