"""Every django-allauth page our settings enable is an Ajar page: it extends
Ajar's layout, is styled with Bootstrap, and carries no inline style or script
(the strict CSP would block them); every account email names the site from
settings, never the host it was reached on."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
LONG_ADDRESS = "a.rather.long.address.that.must.not.be.cut@a-long-subdomain.example.com"


def link_in(message):
    return re.search(r"https?://[^\s]+", message.body).group(0)


def assert_ajar_page(response):
    assert response.status_code == 200, response
    body = response.content.decode()
    assert 'class="navbar-brand' in body, "not Ajar's layout"
    assert "· Ajar</title>" in body
    assert 'class="card shadow-sm"' in body, "not the account card"
    assert not re.search(r"\sstyle=", body), "an inline style"
    assert not re.search(r"<script(?![^>]*\bsrc=)", body), "an inline script"
    # The stock elements' bare markup: every input is a Bootstrap control.
    for tag in re.findall(r"<input\b[^>]*>", body):
        if 'type="hidden"' not in tag:
            assert re.search(r'class="[^"]*form-(control|check-input|select)', tag), tag
    return body


def test_every_signed_out_account_page_is_an_ajar_page(client, settings):
    settings.AJAR_SIGNUP = "open"
    user = UserFactory()
    for name in (
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key_done",
        "account_inactive",
        "account_email_verification_sent",
        "account_request_login_code",
    ):
        assert_ajar_page(client.get(reverse(name)))
    assert_ajar_page(client.get("/accounts/password/reset/key/1-not-a-key/"))
    assert_ajar_page(client.get("/accounts/confirm-email/not-a-key/"))
    settings.AJAR_SIGNUP = "closed"
    assert "Sign Up Closed" in assert_ajar_page(client.get(reverse("account_signup")))

    client.post(reverse("account_reset_password"), {"email": user.email})
    assert_ajar_page(client.get(link_in(mail.outbox[-1]), follow=True))

    client.post(reverse("account_request_login_code"), {"email": user.email})
    assert_ajar_page(client.get(reverse("account_confirm_login_code")))


def test_every_signed_in_account_page_is_an_ajar_page(client):
    user = UserFactory()
    client.force_login(user)
    for name in ("account_logout", "account_reauthenticate", "account_change_password"):
        assert_ajar_page(client.get(reverse(name)))
    client.post(reverse("account_request_reauthentication_code"), {"recipient": user.email})
    assert_ajar_page(client.get(reverse("account_confirm_reauthentication_code")))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert_ajar_page(client.get(reverse("account_email")))
    assert_ajar_page(client.post(reverse("account_email"), {"action_add": "", "email": "x"}))


def test_the_email_page_shows_a_pending_address_whole_without_an_inline_style(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.post(reverse("account_email"), {"action_add": "", "email": LONG_ADDRESS})
    body = assert_ajar_page(client.get(reverse("account_email")))
    assert f'<strong class="text-break email-address">{LONG_ADDRESS}</strong>' in body
    assert user.email in body
    # Its re-send and cancel buttons post the pending address.
    response = client.post(reverse("account_email"), {"action_remove": "", "email": LONG_ADDRESS})
    assert response.status_code == 302
    assert "Changing to" not in client.get(reverse("account_email")).content.decode()


# --- The account emails ----------------------------------------------------------------


@pytest.fixture
def site(settings):
    settings.AJAR_SITE_NAME = "Ajar at Home"
    settings.BASE_URL = "https://ajar.example"
    settings.AJAR_SIGNUP = "open"


def assert_names_the_site(message):
    assert message.subject.startswith("[Ajar at Home] "), message.subject
    assert "Hello from Ajar at Home!" in message.body
    assert "Thank you for using Ajar at Home!" in message.body
    for host in ("testserver", "127.0.0.1", "localhost"):
        assert f"Hello from {host}" not in message.body
        assert f"Thank you for using {host}" not in message.body


def test_the_verification_email_names_the_site(client, site):
    client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "time_zone": "UTC",
        },
    )
    (message,) = mail.outbox
    assert_names_the_site(message)
    assert "/accounts/confirm-email/" in message.body


def test_the_password_reset_email_names_the_site(client, site):
    user = UserFactory()
    client.post(reverse("account_reset_password"), {"email": user.email})
    (message,) = mail.outbox
    assert_names_the_site(message)
    assert "/accounts/password/reset/key/" in message.body


def test_a_reset_asked_for_an_unknown_address_names_the_site(client, site):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    (message,) = mail.outbox
    assert_names_the_site(message)


def test_the_sign_in_code_email_names_the_site(client, site):
    user = UserFactory()
    client.post(reverse("account_request_login_code"), {"email": user.email})
    (message,) = mail.outbox
    assert_names_the_site(message)


def test_the_password_changed_notice_names_the_site(client, site):
    user = UserFactory()
    client.force_login(user)
    new = "another long and unusual passphrase"
    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    (message,) = mail.outbox
    assert_names_the_site(message)
