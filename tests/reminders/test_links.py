"""The email's signed links: they act on one reminder and occurrence, for 30
days, only through a confirmation POST; anything else changes nothing."""

import base64
import datetime
import json

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.models import Interaction
from reminders import links
from reminders.models import ReminderSettings, ReminderStatus
from tests.factories import UserFactory
from tests.reminders.helpers import log_rejection, log_with_insiders

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client():
    # A phone with no session: the CSRF token comes from the confirmation page.
    return Client(enforce_csrf_checks=True)


def link(reminder, action, weeks=None):
    return reverse("reminders:email_link", args=[links.action_token(reminder, action, weeks)])


def post_confirm(client, url, data=None):
    page = client.get(url)
    assert page.status_code == 200
    token = page.context["csrf_token"]
    return client.post(url, {"csrfmiddlewaretoken": str(token), **(data or {})})


def snapshot(reminder):
    reminder.refresh_from_db()
    return (reminder.status, reminder.due_at, reminder.occurrence, reminder.updated_at)


def test_get_only_shows_a_confirmation_and_changes_nothing(csrf_client, user):
    reminder = log_with_insiders(user).reminder
    before = snapshot(reminder)
    for action, weeks in [("done", None), ("snooze", 2), ("dismiss", None)]:
        response = csrf_client.get(link(reminder, action, weeks))
        assert response.status_code == 200
        assert b'method="post"' in response.content
    assert snapshot(reminder) == before
    assert not Interaction.objects.filter(summary__startswith="Circled back").exists()


def test_a_snooze_link_confirmed_moves_the_due_date_and_a_second_use_is_already_done(
    csrf_client, user
):
    reminder = log_rejection(user).reminder  # due 2026-03-03, 30 days after 1 Feb
    url = link(reminder, "snooze", 2)
    with time_machine.travel(datetime.datetime(2026, 3, 3, 9, 30, tzinfo=datetime.UTC)):
        response = post_confirm(csrf_client, url)
        assert response.status_code == 200
        assert b"New due date: 17 Mar 2026." in response.content
        reminder.refresh_from_db()
        assert reminder.due_date == datetime.date(2026, 3, 17)
        assert reminder.occurrence == 2
        before = snapshot(reminder)

        again = csrf_client.get(url)
        assert again.status_code == 200
        # Snoozed, not done: the page says so.
        assert b"Snoozed since this email" in again.content
        assert b"Already done" not in again.content
        assert post_confirm_already(csrf_client, url, b"Snoozed since this email")
    assert snapshot(reminder) == before


def post_confirm_already(client, url, heading=b"Already done"):
    page = client.get(url)
    response = client.post(url, {"csrfmiddlewaretoken": str(page.context["csrf_token"])})
    return response.status_code == 200 and heading in response.content


def test_a_done_link_logs_one_interaction_per_contact_with_the_channel(csrf_client, user):
    result = log_with_insiders(user)
    reminder = result.reminder
    priya = result.application.contacts.get(name="Priya Raman")
    lee = result.application.contacts.get(name="Lee Chan")
    with time_machine.travel(datetime.datetime(2026, 3, 4, 12, tzinfo=datetime.UTC)):
        response = post_confirm(
            csrf_client,
            link(reminder, "done"),
            {"contacts": [priya.pk, lee.pk], "channel": "linkedin", "occurred_on": "2026-03-04"},
        )
    assert response.status_code == 200
    assert b"Done. Nice work circling back." in response.content
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.DONE
    logged = Interaction.objects.filter(application=result.application, channel="linkedin")
    assert logged.count() == 2
    assert sorted(c.name for i in logged for c in i.contacts.all()) == ["Lee Chan", "Priya Raman"]
    assert {i.occurred_on for i in logged} == {datetime.date(2026, 3, 4)}
    # Reused: nothing more is logged.
    assert post_confirm_already(csrf_client, link(reminder, "done"))
    assert Interaction.objects.filter(application=result.application).count() == 2


def test_a_done_link_refuses_someone_elses_contact_and_saves_nothing(csrf_client, user):
    result = log_with_insiders(user)
    stranger = log_with_insiders(UserFactory()).application.contacts.first()
    response = post_confirm(
        csrf_client,
        link(result.reminder, "done"),
        {"contacts": [stranger.pk], "channel": "email", "occurred_on": "2026-03-04"},
    )
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    result.reminder.refresh_from_db()
    assert result.reminder.status == ReminderStatus.SCHEDULED
    assert not Interaction.objects.filter(channel="email", application=result.application).exists()


def test_a_dismiss_link_dismisses(csrf_client, user):
    reminder = log_rejection(user).reminder
    response = post_confirm(csrf_client, link(reminder, "dismiss"))
    assert b"Dismissed" in response.content
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.DISMISSED


def _tamper(token, **changes):
    payload, rest = token.split(":", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
    return forged.decode().rstrip("=") + ":" + rest


def test_a_tampered_link_is_refused_and_changes_nothing(csrf_client, user):
    reminder = log_rejection(user).reminder
    token = links.action_token(reminder, "snooze", 1)
    before = snapshot(reminder)
    for bad in [
        token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),  # signature
        _tamper(token, w=4),  # a longer snooze than was signed
        _tamper(token, a="dismiss", w=None),
        token.split(":")[0],  # cut short
    ]:
        url = reverse("reminders:email_link", args=[bad])
        assert csrf_client.get(url).status_code == 400
        response = csrf_client.post(url)
        # No session, no token: CSRF refuses first, or the view does.
        assert response.status_code in {400, 403}
        assert b"This link is not valid" in csrf_client.get(url).content
    assert snapshot(reminder) == before


def test_another_reminders_id_in_a_link_is_refused(csrf_client, user):
    mine = log_rejection(user, company="Acme").reminder
    other = log_rejection(user, company="Globex").reminder
    forged = _tamper(links.action_token(mine, "dismiss"), r=other.pk)
    response = csrf_client.get(reverse("reminders:email_link", args=[forged]))
    assert response.status_code == 400
    before = snapshot(other)
    # A genuine link of one reminder never touches another.
    post_confirm(csrf_client, link(mine, "dismiss"))
    assert snapshot(other) == before


def test_a_link_older_than_30_days_has_expired(csrf_client, user):
    reminder = log_rejection(user).reminder
    with time_machine.travel(timezone.now() - datetime.timedelta(days=31)):
        url = link(reminder, "dismiss")
    before = snapshot(reminder)
    response = csrf_client.get(url)
    assert response.status_code == 410
    assert b"This link has expired" in response.content
    assert snapshot(reminder) == before


def test_a_link_from_before_a_snooze_no_longer_acts(csrf_client, user):
    reminder = log_rejection(user).reminder
    old_dismiss = link(reminder, "dismiss")
    post_confirm(csrf_client, link(reminder, "snooze", 1))
    # A used Dismiss on a snoozed reminder is not headed "Already done".
    assert post_confirm_already(csrf_client, old_dismiss, b"Snoozed since this email")
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SCHEDULED


def test_an_inactive_users_link_is_refused(csrf_client, user):
    reminder = log_rejection(user).reminder
    url = link(reminder, "dismiss")
    user.is_active = False
    user.save()
    assert csrf_client.get(url).status_code == 404
    # A POST as the confirmation page's button would make it (CSRF aside).
    assert Client().post(url).status_code == 404
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SCHEDULED


def test_tokens_of_another_salt_are_not_action_links(user):
    with pytest.raises(links.LinkInvalid):
        links.read_action_token(signing.dumps({"u": user.pk, "r": 1, "o": 1, "a": "done"}))


# --- RFC 8058 one-click unsubscribe ----------------------------------------------------


def test_one_click_unsubscribe_posts_without_a_session_or_csrf_token(csrf_client, user):
    log_rejection(user)
    url = reverse("reminders:unsubscribe", args=[links.unsubscribe_token(user)])
    response = csrf_client.post(
        url,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not ReminderSettings.objects.get(user=user).email_enabled


def test_the_unsubscribe_page_asks_before_turning_email_off(csrf_client, user):
    log_rejection(user)
    url = reverse("reminders:unsubscribe", args=[links.unsubscribe_token(user)])
    response = csrf_client.get(url)
    assert b"Stop reminder emails?" in response.content
    assert ReminderSettings.objects.get(user=user).email_enabled
    assert b"Reminder emails are off" in csrf_client.post(url).content
    assert not ReminderSettings.objects.get(user=user).email_enabled


def test_a_tampered_unsubscribe_link_changes_nothing(csrf_client, user):
    log_rejection(user)
    token = links.unsubscribe_token(user)
    other = UserFactory()
    forged = _tamper(token, u=other.pk)
    for bad in (forged, token + "x"):
        response = csrf_client.post(reverse("reminders:unsubscribe", args=[bad]))
        assert response.status_code == 400
    assert ReminderSettings.objects.get(user=user).email_enabled
    assert not ReminderSettings.objects.filter(user=other, email_enabled=False).exists()


@pytest.mark.parametrize("name", ["reminders:email_link", "reminders:unsubscribe"])
def test_token_paths_are_what_reverse_builds(name, settings):
    """Resolved once per URL name, the token put in: the same path as
    reverse(), for signed tokens of every length and for a token it must quote."""
    tokens = [
        signing.dumps({"u": n, "r": n * 7919, "o": n % 5, "a": "done"}, salt=links.ACTION_SALT)
        for n in range(0, 4000, 37)
    ]
    for token in [*tokens, "a b?ç#"]:
        assert links.token_path(name, token) == reverse(name, args=[token])


@pytest.mark.parametrize("salt", [links.ACTION_SALT, links.UNSUBSCRIBE_SALT])
def test_tokens_are_the_strings_django_signing_writes(salt, settings):
    """The key derived once per salt and secret: the same token, so the
    views (signing.loads) read it as before, and a new secret takes effect."""
    payloads = [{"u": n, "r": n * 7919, "o": n % 5, "a": "done", "w": 2} for n in range(0, 500, 7)]
    with time_machine.travel(datetime.datetime(2026, 3, 3, 9, tzinfo=datetime.UTC), tick=False):
        for payload in [*payloads, {"u": 1}, {"n": "Zoë"}]:
            assert links.dumps(payload, salt=salt) == signing.dumps(payload, salt=salt)
        settings.SECRET_KEY = "another-" + "k" * 60
        assert links.dumps({"u": 1}, salt=salt) == signing.dumps({"u": 1}, salt=salt)
        assert signing.loads(links.dumps({"u": 1}, salt=salt), salt=salt) == {"u": 1}


def test_static_urls_are_what_reverse_builds(settings):
    for name in ("reminders:list", "settings"):
        assert links.static_url(name) == links.absolute(reverse(name))
