"""Sign-in throttling holds for staff at /admin/login/, and behind a proxy each
client is counted on its own address."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def _is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def staff():
    return UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("login_url", ["/admin/login/", "/accounts/login/"])
def test_thirty_wrong_passwords_then_the_right_one_is_refused_for_staff(client, staff, login_url):
    for _ in range(30):
        client.post(login_url, {"username": staff.email, "login": staff.email, "password": "nope"})
    client.post(login_url, {"username": staff.email, "login": staff.email, "password": PASSWORD})
    assert not _is_signed_in(client)
    assert client.get("/admin/").status_code == 302


def test_the_admin_login_is_the_main_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    # The admin's own form, which has no lockout, is never served.
    response = client.get("/admin/login/?next=/admin/", follow=True)
    assert b'name="username"' not in response.content


def test_staff_sign_in_through_the_main_login_and_reach_the_admin(client, staff):
    response = client.get("/admin/", follow=True)
    login_url = response.redirect_chain[-1][0]
    response = client.post(login_url, {"login": staff.email, "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/admin/"
    assert b"Site administration" in response.content


def test_a_signed_in_user_without_staff_access_gets_a_404_not_a_loop(user_client):
    assert user_client.get("/admin/login/?next=/admin/").status_code == 404


def test_the_admin_login_does_not_redirect_off_site(client, staff):
    client.force_login(staff)
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/admin/"


def _ten_failed_logins_from(client, address: str) -> None:
    for n in range(10):
        client.post(
            reverse("account_login"),
            {"login": f"nobody{n}@example.com", "password": "nope"},
            HTTP_X_FORWARDED_FOR=address,
        )


def test_behind_a_proxy_one_clients_failed_logins_do_not_lock_out_another(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    user = UserFactory()
    _ten_failed_logins_from(client, "203.0.113.7")
    # Same proxy (REMOTE_ADDR), another client: its own bucket.
    client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert _is_signed_in(client)


def test_behind_a_proxy_a_forged_leftmost_address_does_not_escape_the_limit(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    user = UserFactory()
    for n in range(10):
        client.post(
            reverse("account_login"),
            {"login": f"nobody{n}@example.com", "password": "nope"},
            # The client made up the first entry; the proxy appended the real one.
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.7",
        )
    client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7",
    )
    assert not _is_signed_in(client)


def test_without_a_proxy_the_forwarded_header_is_ignored(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    user = UserFactory()
    _ten_failed_logins_from(client, "203.0.113.7")
    client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert not _is_signed_in(client)
