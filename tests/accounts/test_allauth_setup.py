"""The django-allauth setup guards what reminders rely on: rate limits are on,
and a changed address is used only once it is verified."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def _link_in(message):
    return re.search(r"https?://[^\s]+", message.body).group(0)


def test_rate_limits_are_not_switched_off():
    assert getattr(settings, "ACCOUNT_RATE_LIMITS", None) is not False


def test_repeated_failed_logins_for_one_address_lock_it_for_a_while(client):
    user = UserFactory(email="ada@example.com")
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    # Even the right password is refused until the window passes.
    assert response.status_code in {200, 429}
    assert client.get(reverse("dashboard")).status_code == 302


def test_the_verified_address_stays_in_use_until_the_new_one_is_verified(user_client, user):
    old = user.email
    user_client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    user_client.post(reverse("account_email"), {"action_add": "", "email": "moved@example.com"})
    user.refresh_from_db()
    assert user.email == old
    assert EmailAddress.objects.get(user=user, primary=True).email == old

    user_client.post(_link_in(mail.outbox[-1]))

    user.refresh_from_db()
    assert user.email == "moved@example.com"
    primary = EmailAddress.objects.get(user=user, primary=True)
    assert (primary.email, primary.verified) == ("moved@example.com", True)
    # One address per user: the old one is gone, so nothing is sent to it, and
    # it was told of the change.
    assert not EmailAddress.objects.filter(user=user, email=old).exists()
    assert any(message.to == [old] for message in mail.outbox)


def test_the_cache_behind_the_rate_limits_can_be_shared_by_every_web_process():
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'])",
        ],
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "AJAR_TESTING": "1",
            "CACHE_URL": "redis://127.0.0.1:6379/9",
        },
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://127.0.0.1:6379/9",
    ]


def test_an_invitation_link_with_odd_bytes_is_a_404(client):
    assert client.get("/invite/a%00b/").status_code == 404
    assert client.get("/invite/a%20b/").status_code == 404


def test_moving_the_address_asks_for_the_password_first(user_client, user):
    response = user_client.post(
        reverse("account_email"), {"action_add": "", "email": "thief@example.com"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="thief@example.com").exists()
    assert not mail.outbox
