"""The Reminders page and its actions, the failure banner, Settings, the admin."""

import datetime
from html import unescape

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.statements import sql_of
from applications.models import Application
from contacts.models import Interaction
from reminders.context_processors import failed_reminders
from reminders.models import Reminder, ReminderSettings, ReminderStatus
from reminders.selectors import SECTION_COUNT_CAP
from tests.factories import ApplicationFactory, ReminderFactory, UserFactory
from tests.reminders.helpers import log_rejection, log_with_insiders

pytestmark = pytest.mark.django_db


def set_status(reminder, status, **fields):
    Reminder.objects.filter(pk=reminder.pk).update(status=status, **fields)


def test_the_page_groups_reminders_by_what_they_need(user_client, user):
    now = timezone.now()
    due = ReminderFactory(user=user, due_at=now - datetime.timedelta(hours=1))
    upcoming = ReminderFactory(user=user, due_at=now + datetime.timedelta(days=3))
    snoozed = ReminderFactory(user=user, due_at=now + datetime.timedelta(days=7), snoozed_count=1)
    sent = ReminderFactory(user=user, due_at=now - datetime.timedelta(days=2))
    set_status(sent, ReminderStatus.SENT, sent_at=now)
    failed = ReminderFactory(user=user)
    set_status(failed, ReminderStatus.FAILED, last_error="550 mailbox unavailable")
    done, dismissed, cancelled = (ReminderFactory(user=user) for _ in range(3))
    set_status(done, ReminderStatus.DONE)
    set_status(dismissed, ReminderStatus.DISMISSED)
    set_status(cancelled, ReminderStatus.CANCELLED)
    ReminderFactory(user=UserFactory())  # someone else's

    response = user_client.get(reverse("reminders:list"))
    sections = {s["key"]: s["reminders"] for s in response.context["sections"]}
    assert {key: [r.pk for r in rows] for key, rows in sections.items()} == {
        "due": [due.pk],
        "failed": [failed.pk],
        "sent": [sent.pk],
        "upcoming": [upcoming.pk],
        "snoozed": [snoozed.pk],
        "done": [done.pk],
        "dismissed": [dismissed.pk],
        "cancelled": [cancelled.pk],
    }
    html = response.content.decode()
    assert "550 mailbox unavailable" in html
    assert reverse("reminders:retry", args=[failed.pk]) in html
    assert reverse("reminders:snooze", args=[due.pk]) in html
    assert reverse("reminders:reapply", args=[done.pk]) in html
    assert reverse("reminders:snooze", args=[done.pk]) not in html


@pytest.mark.parametrize("status", ["scheduled", "sent", "failed", "done"])
def test_the_page_query_count_and_size_are_the_same_for_5_and_5000_reminders(client, status):
    def queries_for(count):
        user = UserFactory()
        first = ApplicationFactory(user=user)
        applications = [
            first,
            *Application.objects.bulk_create(
                Application(user=user, company=first.company, role=f"Role {i}")
                for i in range(count - 1)
            ),
        ]
        ReminderFactory(user=user, application=applications[0])
        Reminder.objects.bulk_create(
            [
                Reminder(
                    user=user,
                    application=application,
                    kind="rejected",
                    counted_from=datetime.date(2026, 2, 1),
                    cooling_off_days=30,
                    due_date=datetime.date(2026, 3, 3),
                    due_at=timezone.now(),
                    next_attempt_at=timezone.now(),
                    status=status,
                    sent_at=timezone.now(),
                    # Done ones show the application made again: a related row each.
                    reapplication=application if status == "done" else None,
                )
                for application in applications[1:]
            ]
        )
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("reminders:list"))
        assert response.status_code == 200
        totals = [s["total"] for s in response.context["sections"]]
        if count <= SECTION_COUNT_CAP:
            assert sum(total.value for total in totals) == count
        else:
            # The section holding nearly all of them stops counting at the cap.
            assert [str(total) for total in totals if total.capped] == ["1,000+"]
        # Each section shows its first few: the page does not grow with the account.
        assert sum(len(s["reminders"]) for s in response.context["sections"]) <= 2 * 10
        return len(queries), len(response.content) // 2000

    assert queries_for(5)[0] == queries_for(5000)[0]
    assert queries_for(5000)[1] < 50  # under 100 KB


def test_every_card_renders_in_one_loop_a_section_and_the_people_in_one_query(user_client, user):
    """No include per card (each one a template context and lookups of its
    own): one cards template per section; whom to write to is one query for
    the cards of every section, not one a section."""
    now = timezone.now()
    for hours in range(3):
        ReminderFactory(user=user, due_at=now - datetime.timedelta(hours=hours + 1))
    done = ReminderFactory(user=user)
    set_status(done, ReminderStatus.DONE)
    with CaptureQueriesContext(connection) as queries:
        response = user_client.get(reverse("reminders:list"))
    names = [t.name for t in response.templates]
    assert names.count("reminders/_reminder_cards.html") == 2  # "due" and "done"
    assert "reminders/_reminder.html" not in names
    ran = [sql_of(q["sql"]) for q in queries.captured_queries]
    people = [sql for sql in ran if "contacts_contact_applications" in sql]
    assert len(people) == 1
    # The cards' rows carry what a card shows, not a rejection's letter or the
    # applications' search text.
    sections = [sql for sql in ran if "reminders_reminder" in sql]
    assert not [sql for sql in sections if "letter_text" in sql or "search_text" in sql]


def _done_reminders(user, count):
    """`count` applications with a done reminder each, the newest first by due time."""
    first = ApplicationFactory(user=user)
    applications = Application.objects.bulk_create(
        Application(user=user, company=first.company, role=f"Role {i}") for i in range(count)
    )
    now = timezone.now()
    Reminder.objects.bulk_create(
        Reminder(
            user=user,
            application=application,
            kind="ghosted",
            counted_from=datetime.date(2026, 2, 1),
            cooling_off_days=30,
            due_date=datetime.date(2026, 3, 3),
            due_at=now - datetime.timedelta(minutes=i),
            next_attempt_at=now,
            status=ReminderStatus.DONE,
        )
        for i, application in enumerate(applications)
    )
    return applications


def test_a_long_section_shows_its_first_ten_and_pages_through_the_rest(user_client, user):
    applications = _done_reminders(user, 29)
    overview = user_client.get(reverse("reminders:list"))
    done = next(s for s in overview.context["sections"] if s["key"] == "done")
    assert (len(done["reminders"]), done["total"].value, done["more"]) == (10, 29, True)
    assert "?section=done" in overview.content.decode()

    second = user_client.get(reverse("reminders:list"), {"section": "done", "page": "2"})
    [section] = second.context["sections"]
    assert section["key"] == "done"
    assert len(section["reminders"]) == 4  # 29 = 25 + 4, newest first
    assert section["reminders"][-1].application_id == applications[-1].pk
    assert "section=done&amp;page=1" in second.content.decode()


def test_past_the_count_cap_a_section_says_so_and_still_pages(user_client, user, monkeypatch):
    monkeypatch.setattr("reminders.views.reminders.SECTION_COUNT_CAP", 5)
    _done_reminders(user, 29)
    overview = unescape(user_client.get(reverse("reminders:list")).content.decode())
    assert "(5+)</span>" in overview
    assert "Show all 5+" in overview

    first_page = user_client.get(reverse("reminders:list"), {"section": "done"})
    content = first_page.content.decode()
    assert len(first_page.context["sections"][0]["reminders"]) == 25
    assert "Page 1<" in content  # not "of N": past the cap the pages are not counted
    assert "section=done&amp;page=2" in content
    second = user_client.get(reverse("reminders:list"), {"section": "done", "page": "2"})
    assert len(second.context["sections"][0]["reminders"]) == 4
    assert "page=3" not in second.content.decode()


@pytest.mark.parametrize("section", ["nonsense", "", "due\x00", "page"])
def test_an_unknown_section_shows_the_overview(user_client, section):
    response = user_client.get(reverse("reminders:list"), {"section": section, "page": "x"})
    assert response.status_code == 200
    assert len(response.context["sections"]) == 8


def test_snooze_and_dismiss_from_the_page(user_client, user):
    reminder = log_rejection(user).reminder
    response = user_client.post(reverse("reminders:snooze", args=[reminder.pk]), {"weeks": "4"})
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.snoozed_count == 1
    user_client.post(reverse("reminders:dismiss", args=[reminder.pk]))
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.DISMISSED


def test_a_bad_snooze_is_a_message_and_changes_nothing(user_client, user):
    reminder = log_rejection(user).reminder
    response = user_client.post(
        reverse("reminders:snooze", args=[reminder.pk]), {"weeks": "3"}, follow=True
    )
    assert "Snooze for 1, 2 or 4 weeks." in response.content.decode()
    reminder.refresh_from_db()
    assert reminder.snoozed_count == 0


def test_the_done_page_logs_the_picked_insiders(user_client, user):
    result = log_with_insiders(user)
    url = reverse("reminders:done", args=[result.reminder.pk])
    page = user_client.get(url)
    assert page.status_code == 200
    assert "Priya Raman" in page.content.decode()
    tom = result.application.contacts.get(name="Tom Okafor")
    response = user_client.post(
        url,
        {
            "contacts": [tom.pk],
            "channel": "video",
            "occurred_on": timezone.localdate().isoformat(),
            "applied_again": "on",
            "role": "Staff Engineer II",
        },
    )
    assert response.status_code == 302
    result.reminder.refresh_from_db()
    assert result.reminder.status == ReminderStatus.DONE
    assert result.reminder.reapplication.role == "Staff Engineer II"
    assert Interaction.objects.get(channel="video").contacts.get() == tom


def test_the_done_page_refuses_a_future_date_and_a_foreign_contact(user_client, user):
    result = log_with_insiders(user)
    foreign = log_with_insiders(UserFactory()).application.contacts.first()
    response = user_client.post(
        reverse("reminders:done", args=[result.reminder.pk]),
        {
            "contacts": [foreign.pk],
            "channel": "email",
            "occurred_on": (timezone.localdate() + datetime.timedelta(days=5)).isoformat(),
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "contacts" in errors
    assert "occurred_on" in errors
    result.reminder.refresh_from_db()
    assert result.reminder.status == ReminderStatus.SCHEDULED
    assert not Interaction.objects.filter(summary__startswith="Circled back").exists()


def test_retry_puts_a_failed_reminder_back_in_the_queue(user_client, user):
    reminder = ReminderFactory(user=user)
    set_status(reminder, ReminderStatus.FAILED, attempts=6, last_error="timed out")
    response = user_client.post(reverse("reminders:retry", args=[reminder.pk]))
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("scheduled", 0)


def test_another_users_reminder_is_a_404_for_every_action(user_client):
    theirs = ReminderFactory(user=UserFactory())
    for name in ("done", "snooze", "dismiss", "retry", "reapply"):
        url = reverse(f"reminders:{name}", args=[theirs.pk])
        assert user_client.get(url).status_code == 404
        assert user_client.post(url, {"weeks": "1"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ReminderStatus.SCHEDULED


def test_a_failed_email_puts_a_banner_on_every_page_until_acknowledged(user_client, user):
    reminder = ReminderFactory(user=user)
    set_status(reminder, ReminderStatus.FAILED, last_error="550")
    for url in (reverse("dashboard"), reverse("settings"), reverse("reminders:list")):
        assert "A circle-back email could not be sent." in user_client.get(url).content.decode()
    response = user_client.post(
        reverse("reminders:acknowledge_failures"), {"next": reverse("settings")}
    )
    assert response["Location"] == reverse("settings")
    assert "could not be sent" not in user_client.get(reverse("dashboard")).content.decode()
    # An outside "next" is not followed.
    response = user_client.post(
        reverse("reminders:acknowledge_failures"), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("reminders:list")


def test_the_banner_names_the_latest_unacknowledged_failures_in_one_small_query(rf, user):
    """Its SQL gives what the ORM's query gives: the user's failed emails not
    acknowledged, latest first, at most five, with their role and company."""
    other = UserFactory()
    set_status(ReminderFactory(user=other), ReminderStatus.FAILED, last_error="550")
    ReminderFactory(user=user)
    request = rf.get("/")
    request.user = user
    banner = failed_reminders(request)["failed_reminders"]
    with CaptureQueriesContext(connection) as queries:
        assert banner() == []
    assert len(queries) == 1
    failures = []
    for _ in range(7):
        failure = ReminderFactory(user=user)
        set_status(failure, ReminderStatus.FAILED, last_error="550")
        failures.append(failure)
    Reminder.objects.filter(pk=failures[-1].pk).update(failure_acknowledged=True)
    for minutes, failure in enumerate(failures):
        Reminder.objects.filter(pk=failure.pk).update(
            updated_at=timezone.now() - datetime.timedelta(minutes=minutes)
        )
    expected = [
        (reminder.application.role, reminder.application.company.name)
        for reminder in Reminder.objects.filter(
            user=user, status=ReminderStatus.FAILED, failure_acknowledged=False
        )
        .select_related("application__company")
        .order_by("-updated_at")[:5]
    ]
    assert len(expected) == 5
    with CaptureQueriesContext(connection) as queries:
        assert banner() == expected
    [query] = queries.captured_queries
    if connection.vendor == "postgresql":  # planned once a connection, not each page
        assert query["sql"].startswith("EXECUTE ajar_reminders_context_processors_banner_")


# --- Settings ---------------------------------------------------------------------------


def settings_data(user, **changes):
    data = {
        "profile-name": user.name,
        "reminders-time_zone": user.time_zone,
        "reminders-cooling_off_days": "30",
        "reminders-send_time": "09:00",
        "reminders-email_enabled": "on",
        "reminders-note_template": "Hi {first_name}, any news at {company}?",
        "reminders-thank_you_enabled": "on",
        "reminders-keep_on_radar_months": "6",
        "reminders-digest_mode": "each",
        "reminders-digest_weekday": "0",
    }
    data.update(changes)
    return data


def test_the_settings_page_saves_the_cadence_and_a_cooling_off_per_stage(user_client, user):
    response = user_client.post(
        reverse("settings"),
        settings_data(
            user,
            **{
                "reminders-thank_you_enabled": "",
                "reminders-keep_on_radar_months": "12",
                "reminders-digest_mode": "weekly",
                "reminders-digest_weekday": "4",
                "reminders-cooling_off_60": "45",
                "reminders-cooling_off_30": "",
            },
        ),
    )
    assert response.status_code == 302
    settings_ = ReminderSettings.objects.get(user=user)
    assert settings_.thank_you_enabled is False
    assert (settings_.keep_on_radar_months, settings_.digest_mode) == (12, "weekly")
    assert settings_.digest_weekday == 4
    assert settings_.cooling_off_by_stage == {"60": 45}
    page = user_client.get(reverse("settings")).content.decode()
    assert 'name="reminders-cooling_off_60"' in page
    assert 'value="45"' in page


@pytest.mark.parametrize(
    "bad",
    [
        {"reminders-cooling_off_60": "0"},
        {"reminders-cooling_off_60": "400"},
        {"reminders-keep_on_radar_months": "5"},
        {"reminders-digest_mode": "hourly"},
        {"reminders-digest_weekday": "9"},
    ],
)
def test_bad_cadence_settings_are_field_errors_and_nothing_is_saved(user_client, user, bad):
    response = user_client.post(reverse("settings"), settings_data(user, **bad))
    assert response.status_code == 200
    settings_ = ReminderSettings.objects.get(user=user)
    assert (settings_.keep_on_radar_months, settings_.digest_mode) == (6, "each")
    assert settings_.cooling_off_by_stage == {}


def test_changing_zone_and_send_time_in_settings_recomputes_scheduled_reminders(user_client, user):
    reminder = log_rejection(user, received_on=datetime.date(2026, 6, 1)).reminder
    assert reminder.due_at == datetime.datetime(2026, 7, 1, 9, tzinfo=datetime.UTC)
    response = user_client.post(
        reverse("settings"),
        settings_data(
            user, **{"reminders-time_zone": "Asia/Tokyo", "reminders-send_time": "08:30"}
        ),
    )
    assert response.status_code == 302
    reminder.refresh_from_db()
    user.refresh_from_db()
    assert user.time_zone == "Asia/Tokyo"
    assert reminder.due_date == datetime.date(2026, 7, 1)
    assert reminder.due_at == datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC)
    settings_ = ReminderSettings.objects.get(user=user)
    assert settings_.note_template == "Hi {first_name}, any news at {company}?"


def test_an_unknown_placeholder_is_a_field_error_and_nothing_is_saved(user_client, user):
    log_rejection(user)
    response = user_client.post(
        reverse("settings"),
        settings_data(
            user,
            **{"reminders-note_template": "Hi {firstname}", "reminders-send_time": "07:00"},
        ),
    )
    assert response.status_code == 200
    assert "Unknown placeholder: {firstname}" in response.content.decode()
    settings_ = ReminderSettings.objects.get(user=user)
    assert settings_.send_time == datetime.time(9, 0)


def test_the_settings_page_shows_the_preview_the_last_delivery_and_the_test_button(
    user_client, user
):
    reminder = log_rejection(user).reminder
    html = user_client.get(reverse("settings")).content.decode()
    assert "No reminder email has been delivered yet." in html
    assert "Hi Sam," in html  # the preview of the default note, to a sample insider
    assert "Staff Engineer role at Acme" in html
    assert reverse("reminders:send_test") in html
    sent_at = datetime.datetime(2026, 3, 3, 9, 0, 5, tzinfo=datetime.UTC)
    set_status(reminder, ReminderStatus.SENT, sent_at=sent_at)
    html = user_client.get(reverse("settings")).content.decode()
    assert "Last reminder email delivered on 3 Mar 2026, 09:00." in html


def test_the_note_preview_renders_as_you_type(user_client, user):
    response = user_client.post(
        reverse("reminders:note_preview"),
        {"reminders-note_template": "Hello {first_name} from {my_name} {oops}"},
        HTTP_HX_REQUEST="true",
    )
    html = unescape(response.content.decode())
    assert f"Hello Sam from {user.name} {{oops}}" in html
    assert "Unknown placeholders stay as typed: {oops}" in html


def test_send_me_a_test_reminder(user_client, user, mailoutbox):
    response = user_client.post(reverse("reminders:send_test"), follow=True)
    assert f"Test reminder sent to {user.email}." in response.content.decode()
    assert len(mailoutbox) == 1


# --- Admin ------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_lists_by_status_and_searches_by_user_email(admin_client):
    owner = UserFactory(email="findme@example.com")
    failed = ReminderFactory(user=owner)
    set_status(failed, ReminderStatus.FAILED)
    ReminderFactory()
    url = reverse("admin:reminders_reminder_changelist")
    response = admin_client.get(url, {"status__exact": "failed"})
    assert [r.pk for r in response.context["cl"].result_list] == [failed.pk]
    response = admin_client.get(url, {"q": "findme@"})
    assert [r.pk for r in response.context["cl"].result_list] == [failed.pk]


def test_admin_retry_and_cancel_actions(admin_client):
    failed, scheduled, sent = (ReminderFactory() for _ in range(3))
    set_status(failed, ReminderStatus.FAILED, attempts=6)
    set_status(sent, ReminderStatus.SENT, sent_at=timezone.now())
    url = reverse("admin:reminders_reminder_changelist")
    ids = [str(r.pk) for r in (failed, scheduled, sent)]
    admin_client.post(url, {"action": "retry", "_selected_action": ids})
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("scheduled", 0)
    admin_client.post(url, {"action": "cancel", "_selected_action": ids})
    statuses = dict(Reminder.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert statuses == {failed.pk: "cancelled", scheduled.pk: "cancelled", sent.pk: "sent"}
    assert "retry" in site._registry[Reminder].actions


def test_deactivating_a_user_stops_their_reminders():
    from reminders.engine import overdue

    reminder = ReminderFactory(due_at=timezone.now() - datetime.timedelta(minutes=1))
    assert list(overdue(timezone.now())) == [reminder]
    reminder.user.is_active = False
    reminder.user.save(update_fields=["is_active"])
    assert list(overdue(timezone.now())) == []


def test_the_welcome_page_does_not_ask_for_the_time_zone_again(user_client, user):
    user.time_zone = "Asia/Tokyo"
    user.save()
    page = user_client.get(reverse("onboarding")).content.decode()
    assert 'name="time_zone"' not in page
    assert "Asia/Tokyo" in page
    response = user_client.post(
        reverse("onboarding"),
        {"cooling_off_days": "45", "send_time": "08:00", "email_enabled": "on"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.time_zone == "Asia/Tokyo"
    assert ReminderSettings.objects.get(user=user).cooling_off_days == 45


def test_the_note_preview_never_greets_the_user_by_their_own_name(user_client, user):
    user.name = "Sam Seeker"
    user.save()
    html = user_client.get(reverse("settings")).content.decode()
    assert "Hi Alex," in html
    assert "Hi Sam," not in html


def test_the_reminders_page_says_when_emails_are_off_and_creates_no_settings(user_client, user):
    ReminderFactory(user=user)  # and the user's settings, emails on
    notice = "Reminder emails are off"
    assert notice not in user_client.get(reverse("reminders:list")).content.decode()
    ReminderSettings.objects.filter(user=user).update(email_enabled=False)
    assert notice in user_client.get(reverse("reminders:list")).content.decode()
    # A user with no settings yet: the default (on) is shown, and nothing is written.
    ReminderSettings.objects.filter(user=user).delete()
    assert notice not in user_client.get(reverse("reminders:list")).content.decode()
    assert not ReminderSettings.objects.filter(user=user).exists()
