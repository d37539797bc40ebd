"""The README's first account: createsuperuser, then signing in sends the
confirmation link; confirming it signs the admin in."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_superuser_from_createsuperuser_confirms_the_address_at_first_sign_in(
    client, monkeypatch
):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long and unusual passphrase")
    call_command("createsuperuser", "--noinput", "--email", "Admin@Example.com", verbosity=0)
    form = {"login": "admin@example.com", "password": "a long and unusual passphrase"}
    client.post(reverse("account_login"), form)
    assert "_auth_user_id" not in client.session
    (message,) = mail.outbox
    assert message.to == ["admin@example.com"]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    client.post(link.split("testserver", 1)[-1])
    assert EmailAddress.objects.get(email="admin@example.com").verified
    client.post(reverse("account_login"), form)
    assert "_auth_user_id" in client.session
    assert client.get("/admin/").status_code == 200
