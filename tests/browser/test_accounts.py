"""Every django-allauth page our settings enable, walked in a real browser:
each is an Ajar page (its layout and account card), with no axe violation and
no Content-Security-Policy violation (the `page` fixture fails on one)."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new and unusual passphrase"
LONG_ADDRESS = "a.rather.long.address.that.must.not.be.cut@a-long-subdomain.example.com"


def link_in(message):
    return re.search(r"https?://[^\s]+", message.body).group(0)


def code_in(message):
    return re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.M).group(1)


@pytest.fixture
def ajar_page(page, axe_check):
    """Check that the page on screen is an Ajar account page, accessible."""

    def check(heading):
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.get_by_role("link", name="Ajar", exact=True)).to_be_visible()
        expect(page.locator("main#main .card")).to_have_count(1)
        assert page.title().endswith("· Ajar"), page.title()
        axe_check(page)

    return check


def test_every_signed_out_account_page(page, live_server, settings, ajar_page):
    settings.AJAR_SIGNUP = "open"
    user = UserFactory()
    base = f"{live_server.url}/accounts"

    page.goto(f"{base}/login/")
    ajar_page("Sign In")
    page.goto(f"{base}/inactive/")
    ajar_page("Account Inactive")
    page.goto(f"{base}/confirm-email/not-a-key/")
    ajar_page("Confirm your email address")
    page.goto(f"{base}/password/reset/key/1-not-a-key/")
    ajar_page("Bad Token")

    # Forgotten password: ask, follow the emailed link, set a new one.
    page.goto(f"{base}/password/reset/")
    ajar_page("Password Reset")
    page.get_by_label("Email").fill(user.email)
    page.get_by_role("button", name="Reset My Password").click()
    page.wait_for_url("**/password/reset/done/")
    ajar_page("Password Reset")
    page.goto(link_in(mail.outbox[-1]))
    ajar_page("Change Password")
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change Password").click()
    page.wait_for_url("**/password/reset/key/done/")
    ajar_page("Change Password")

    # Signed in by a code sent to the address, then out again.
    page.goto(f"{base}/login/code/")
    ajar_page("Send me a sign-in code")
    page.get_by_label("Email").fill(user.email)
    page.get_by_role("button", name="Request Code").click()
    page.wait_for_url("**/login/code/confirm/")
    ajar_page("Enter Sign-In Code")
    page.get_by_label("Code").fill(code_in(mail.outbox[-1]))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")

    # Sign-up, the page saying a link was sent, and the link's confirmation.
    page.goto(f"{base}/signup/")
    ajar_page("Sign Up")
    page.get_by_label("Email").fill("newcomer@example.com")
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    ajar_page("Verify Your Email Address")
    page.goto(link_in(mail.outbox[-1]))
    ajar_page("Confirm your email address")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    assert User.objects.get(email="newcomer@example.com").emailaddress_set.get().verified
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")

    settings.AJAR_SIGNUP = "closed"
    page.goto(f"{base}/signup/")
    ajar_page("Sign Up Closed")


def test_every_signed_in_account_page(page, live_server, user, login_with_form, ajar_page):
    base = f"{live_server.url}/accounts"
    login_with_form(page, user)

    page.goto(f"{base}/password/change/")
    ajar_page("Change Password")
    page.goto(f"{base}/reauthenticate/code/")
    ajar_page("Confirm Access")
    page.get_by_role("button", name="Request Code").click()
    page.wait_for_url("**/reauthenticate/code/confirm/")
    ajar_page("Enter Sign-In Code")

    page.goto(f"{base}/reauthenticate/")
    ajar_page("Confirm Access")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(lambda url: "/reauthenticate/" not in url)

    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("link", name="Change email address").click()
    page.wait_for_url("**/accounts/email/")
    ajar_page("Email address")
    page.get_by_label("Change to").fill(LONG_ADDRESS)
    page.get_by_role("button", name="Change Email").click()
    pending = page.get_by_text(LONG_ADDRESS, exact=True)
    expect(pending).to_be_visible()
    ajar_page("Email address")
    # The whole address is on screen, wrapped inside the card, not cut short.
    card = page.locator("main#main .card").bounding_box()
    box = pending.bounding_box()
    assert box["x"] >= card["x"]
    assert box["x"] + box["width"] <= card["x"] + card["width"]
    page.get_by_role("button", name="Cancel Change").click()
    expect(page.get_by_text(LONG_ADDRESS, exact=True)).to_have_count(0)
    page.get_by_role("main").get_by_role("link", name="Settings").click()
    page.wait_for_url("**/settings/")

    page.goto(f"{base}/logout/")
    ajar_page("Sign Out")
    page.get_by_role("main").get_by_role("button", name="Sign Out").click()
    page.wait_for_url("**/accounts/login/")
    ajar_page("Sign In")
