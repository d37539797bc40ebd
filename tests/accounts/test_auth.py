"""Sign-up, verification, login by email, password change and reset, sign-up modes."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import Invitation, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase"


def sign_up(client, email="new@example.com", time_zone="Europe/Berlin"):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD, "time_zone": time_zone},
    )


def link_in(message):
    return re.search(r"https?://[^\s]+", message.body).group(0)


def test_sign_up_stores_the_time_zone_and_sends_a_verification_email(client):
    response = sign_up(client)
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.time_zone == "Europe/Berlin"
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert "/accounts/confirm-email/" in link_in(mail.outbox[0])


def test_sign_up_refuses_an_unknown_time_zone(client):
    response = sign_up(client, time_zone="Mars/Olympus_Mons")
    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    assert not User.objects.exists()


def test_the_sign_up_page_offers_the_browser_zone_detection(client):
    response = client.get(reverse("account_signup"))
    assert b"data-detect-timezone" in response.content
    assert b"js/ajar.js" in response.content


def test_an_email_taken_in_another_case_cannot_sign_up_again(client):
    UserFactory(email="ada@example.com")
    sign_up(client, email="ADA@Example.com")
    assert User.objects.filter(email__iexact="ada@example.com").count() == 1


def test_verifying_the_email_confirms_it_and_logs_in(client):
    sign_up(client)
    confirm_url = link_in(mail.outbox[0])
    page = client.get(confirm_url)
    assert page.status_code == 200  # a confirmation page: GET changes nothing
    assert not EmailAddress.objects.get(email="new@example.com").verified
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="new@example.com").verified
    assert client.get(reverse("dashboard")).status_code == 200


def test_an_unverified_user_cannot_log_in(client):
    UserFactory(email="unverified@example.com", verified=False)
    response = client.post(
        reverse("account_login"),
        {"login": "unverified@example.com", "password": "correct horse battery"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("dashboard")).status_code == 302


def test_login_by_email_ignores_case(client):
    UserFactory(email="ada@example.com")
    response = client.post(
        reverse("account_login"), {"login": "ADA@Example.COM", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_wrong_password_is_refused_with_a_message(client):
    UserFactory(email="ada@example.com")
    response = client.post(
        reverse("account_login"), {"login": "ada@example.com", "password": "wrong"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get(reverse("dashboard")).status_code == 302


def test_logout_is_a_post(user_client):
    assert user_client.post(reverse("account_logout")).status_code == 302
    assert user_client.get(reverse("dashboard")).status_code == 302


def test_password_change(user_client, user):
    response = user_client.post(
        reverse("account_change_password"),
        {"oldpassword": "correct horse battery", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_reset_by_email_link(client, user):
    client.post(reverse("account_reset_password"), {"email": user.email.upper()})
    assert len(mail.outbox) == 1
    reset_url = link_in(mail.outbox[0])
    form_page = client.get(reset_url, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else reset_url,
        {"password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_changing_the_email_requires_verifying_the_new_one(user_client, user):
    user_client.post(reverse("account_reauthenticate"), {"password": "correct horse battery"})
    response = user_client.post(
        reverse("account_email"), {"action_add": "", "email": "moved@example.com"}
    )
    assert response.status_code == 302
    new = EmailAddress.objects.get(email="moved@example.com")
    assert not new.verified
    assert mail.outbox[-1].to == ["moved@example.com"]


# --- Sign-up modes -----------------------------------------------------------------------------


def test_closed_sign_up_refuses_everyone(client, settings):
    settings.AJAR_SIGNUP = "closed"
    response = sign_up(client)
    assert not User.objects.exists()
    assert b"closed" in client.get(reverse("account_signup")).content.lower()
    assert response.status_code == 200


def test_invite_only_sign_up_refuses_without_an_invitation(client, settings):
    settings.AJAR_SIGNUP = "invite"
    sign_up(client)
    assert not User.objects.exists()


def test_invite_only_sign_up_accepts_an_invitation_once(client, settings):
    settings.AJAR_SIGNUP = "invite"
    invitation = Invitation.objects.create(email="new@example.com")
    response = client.get(reverse("invitation_accept", args=[invitation.token]))
    assert response["Location"] == reverse("account_signup")
    sign_up(client)
    assert User.objects.filter(email="new@example.com").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert client.get(reverse("invitation_accept", args=[invitation.token])).status_code == 404


def test_sign_up_is_closed_by_default_with_debug_off():
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.AJAR_SIGNUP)"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "AJAR_TESTING": "1",
        "SECRET_KEY": "x" * 10 + "a-long-random-production-secret-key-for-this-test-0123456789",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "closed"


# --- The user's time zone is active on every page ------------------------------------------


def test_the_users_time_zone_is_active_during_their_requests(rf, user):
    from django.utils import timezone

    from accounts.middleware import UserTimezoneMiddleware

    user.time_zone = "Asia/Tokyo"
    seen = []
    middleware = UserTimezoneMiddleware(lambda request: seen.append(timezone.localdate()) or seen)
    request = rf.get("/")
    request.user = user
    middleware(request)
    assert timezone.get_current_timezone_name() == "UTC"  # deactivated afterwards
    with timezone.override("Asia/Tokyo"):
        assert seen == [timezone.localdate()]
    request.user = user
    active = []
    UserTimezoneMiddleware(lambda r: active.append(timezone.get_current_timezone_name()))(request)
    assert active == ["Asia/Tokyo"]
