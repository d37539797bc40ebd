"""Every insight's trigger and non-trigger, counted within the current search."""

import datetime

import pytest
from django.template.loader import render_to_string

from applications.models import Attachment, Channel, Stage
from reminders.models import ReminderStatus
from reminders.services import rejection_log, reminder_reapply
from review.insights import insights_for, months_before, search_start
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 9, 15)
LETTER = "Thank you for meeting the team. We were impressed, and we hope to stay in touch."


def reject(user, day, *, stage=Stage.INTERVIEW, company="", channel=Channel.EMAIL, letter=""):
    """A rejection logged the way the app logs one (a new application, then its circle-back)."""
    reject.n += 1
    return rejection_log(
        user=user,
        stage_reached=stage,
        company_name=company or f"Company {reject.n}",
        role="Engineer",
        received_on=day,
        channel=channel,
        letter_text=letter,
    )


reject.n = 0


def keys(user, today=TODAY):
    return [i.key for i in insights_for(user, today)]


def insight(user, key, today=TODAY):
    found = [i for i in insights_for(user, today) if i.key == key]
    return found[0] if found else None


# --- The search start ----------


def test_no_applications_means_no_insights(user):
    assert search_start(user) is None
    assert insights_for(user, TODAY) == []


def test_the_search_starts_with_the_first_application_unless_the_user_set_a_day(user):
    ApplicationFactory(user=user, applied_on=D(2026, 3, 2))
    ApplicationFactory(user=user, applied_on=D(2026, 2, 9))
    assert search_start(user) == D(2026, 2, 9)
    user.search_started_on = D(2026, 4, 1)
    assert search_start(user) == D(2026, 4, 1)


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert months_before(D(2026, 9, 15), 6) == D(2026, 3, 15)
    assert months_before(D(2026, 8, 31), 6) == D(2026, 2, 28)
    assert months_before(D(2026, 2, 10), 3) == D(2025, 11, 10)


# --- Final-round rejections ------------------------------------------------------------------


def test_three_final_round_rejections_in_six_months_trigger_the_last_step_advice(user):
    for day in (D(2026, 4, 1), D(2026, 6, 1), D(2026, 9, 1)):
        reject(user, day, stage=Stage.FINAL_ROUND)
    found = insight(user, "final_round")
    assert found is not None
    assert found.message.startswith("3 rejections at the final round since")
    assert "Rethink how you present yourself at the last step" in found.message
    assert ("Final-round rejections", 3) in found.figures
    assert found.link_url == "/applications/?outcome=rejected&stage=60"


def test_two_final_round_rejections_are_not_enough(user):
    for day in (D(2026, 6, 1), D(2026, 9, 1)):
        reject(user, day, stage=Stage.FINAL_ROUND)
    reject(user, D(2026, 9, 2), stage=Stage.ONSITE)
    assert "final_round" not in keys(user)


def test_a_final_round_rejection_older_than_six_months_does_not_count(user):
    reject(user, D(2026, 3, 14), stage=Stage.FINAL_ROUND)  # the day before the window
    for day in (D(2026, 6, 1), D(2026, 9, 1)):
        reject(user, day, stage=Stage.FINAL_ROUND)
    assert "final_round" not in keys(user)
    assert "final_round" in keys(user, today=D(2026, 9, 14))


def test_final_round_rejections_before_the_search_started_do_not_count(user):
    for day in (D(2026, 5, 1), D(2026, 6, 1), D(2026, 9, 1)):
        reject(user, day, stage=Stage.FINAL_ROUND)
    user.search_started_on = D(2026, 5, 2)
    assert "final_round" not in keys(user)


def test_the_final_round_threshold_is_a_setting(user, settings):
    settings.AJAR_INSIGHT_FINAL_ROUND_REJECTIONS = 1
    reject(user, D(2026, 9, 1), stage=Stage.FINAL_ROUND)
    assert insight(user, "final_round").message.startswith("1 rejection at the final round")
    settings.AJAR_INSIGHT_FINAL_ROUND_MONTHS = 0
    assert "final_round" in keys(user, today=D(2026, 9, 1))
    assert "final_round" not in keys(user, today=D(2026, 9, 2))


# --- A dozen rejections ----------


def test_a_dozen_rejections_call_for_a_review_of_the_approach(user):
    for i in range(12):
        reject(user, D(2026, 1, 5) + datetime.timedelta(days=i))
    found = insight(user, "review_approach")
    assert found.message.startswith("12 rejections since your search started on")
    assert ("Rejections in this search", 12) in found.figures
    assert found.link_url == "/applications/?outcome=rejected"
    assert "keep_going" not in keys(user)


def test_before_a_dozen_the_advice_is_to_keep_going(user):
    for i in range(11):
        reject(user, D(2026, 1, 5) + datetime.timedelta(days=i))
    found = insight(user, "keep_going")
    assert found.message.startswith("11 rejections since your search started on")
    assert "Keep doing what got you this far" in found.message
    assert "review_approach" not in keys(user)


def test_no_rejection_gives_neither_review_nor_keep_going(user):
    ApplicationFactory(user=user, applied_on=D(2026, 9, 1))
    assert keys(user) == []


def test_rejections_of_an_earlier_search_do_not_count_towards_the_dozen(user):
    for i in range(12):
        reject(user, D(2026, 1, 5) + datetime.timedelta(days=i))
    user.search_started_on = D(2026, 1, 10)  # five of them were before
    assert "review_approach" not in keys(user)
    assert insight(user, "keep_going").figures[0] == ("Rejections in this search", 7)


def test_the_review_threshold_is_a_setting(user, settings):
    settings.AJAR_INSIGHT_REVIEW_AFTER_REJECTIONS = 2
    reject(user, D(2026, 9, 1))
    assert "keep_going" in keys(user)
    reject(user, D(2026, 9, 2))
    assert "review_approach" in keys(user)


# --- Companies to keep on the radar ----------


def test_a_rejection_after_a_long_process_with_a_letter_puts_the_company_on_the_radar(user):
    result = reject(user, D(2026, 9, 1), stage=Stage.ONSITE, company="Globex", letter=LETTER)
    found = insight(user, "on_your_radar")
    assert found.message.startswith("1 company rejected you after a long process")
    [item] = found.items
    assert item.label == "Globex: Engineer"
    assert item.url == result.application.get_absolute_url()
    # With its circle-back status: scheduled, due 30 days later.
    assert "circle back on 1 Oct 2026" in item.detail


@pytest.mark.parametrize(
    ("stage", "channel", "letter"),
    [
        (Stage.INTERVIEW, Channel.EMAIL, LETTER),  # not a long process
        (Stage.FINAL_ROUND, Channel.PORTAL, LETTER),  # a portal's status change
        (Stage.FINAL_ROUND, Channel.EMAIL, ""),  # no letter kept
    ],
)
def test_a_short_process_a_portal_or_no_letter_keeps_the_company_off_the_radar(
    user, stage, channel, letter
):
    reject(user, D(2026, 9, 1), stage=stage, channel=channel, letter=letter)
    assert "on_your_radar" not in keys(user)


def test_an_attached_letter_counts_as_a_real_letter(user):
    result = reject(user, D(2026, 9, 1), stage=Stage.ONSITE, channel=Channel.LETTER)
    Attachment.objects.create(
        user=user,
        rejection=result.rejection,
        filename="letter.pdf",
        content_type="application/pdf",
        size=4,
        data=b"%PDF",
    )
    assert "on_your_radar" in keys(user)


def test_a_company_is_listed_once_and_the_list_is_capped(user, settings):
    settings.AJAR_INSIGHT_MAX_ITEMS = 2
    reject(user, D(2026, 8, 1), stage=Stage.ONSITE, company="Initech", letter=LETTER)
    reject(user, D(2026, 8, 2), stage=Stage.FINAL_ROUND, company="Initech", letter=LETTER)
    for name in ("Umbrella", "Hooli"):
        reject(user, D(2026, 8, 3), stage=Stage.ONSITE, company=name, letter=LETTER)
    found = insight(user, "on_your_radar")
    assert ("Companies", 3) in found.figures
    assert len(found.items) == 2
    assert found.more == 1
    html = render_to_string("review/_insights.html", {"insights": [found]})
    assert "and 1 more" in html


def test_the_radar_shows_a_done_circle_back(user):
    result = reject(user, D(2026, 8, 1), stage=Stage.ONSITE, company="Vandelay", letter=LETTER)
    result.reminder.status = ReminderStatus.DONE
    result.reminder.save()
    [item] = insight(user, "on_your_radar").items
    assert item.detail.endswith("circled back")


# --- Circle-backs that paid off ----------


def test_a_circle_back_that_led_to_a_new_application_is_celebrated(user):
    result = reject(user, D(2026, 6, 1), stage=Stage.ONSITE, company="Wonka")
    new = reminder_reapply(reminder=result.reminder, role="Chocolate engineer", applied_on=TODAY)
    found = insight(user, "circle_backs_paid_off")
    assert found.message == "1 circle-back led to a new application: the door was ajar."
    [item] = found.items
    assert item.label == "Wonka: Chocolate engineer"
    assert item.url == new.get_absolute_url()


def test_circle_backs_without_a_new_application_are_not_counted(user):
    result = reject(user, D(2026, 6, 1), stage=Stage.ONSITE)
    result.reminder.status = ReminderStatus.DONE
    result.reminder.save()
    assert "circle_backs_paid_off" not in keys(user)


def test_another_users_data_never_shows(user, other_user):
    for day in (D(2026, 4, 1), D(2026, 6, 1), D(2026, 9, 1)):
        reject(other_user, day, stage=Stage.FINAL_ROUND, letter=LETTER)
    ApplicationFactory(user=user, applied_on=D(2026, 9, 1))
    assert insights_for(user, TODAY) == []


def test_the_counts_compiled_once_serve_each_user_and_day_their_own(user, other_user):
    """The search start and the rejection counts are compiled once a process
    (accounts.prepared), then run with each call's user and days."""
    from review.insights import rejection_counts

    reject(user, D(2026, 4, 1), stage=Stage.FINAL_ROUND)
    reject(user, D(2026, 8, 1), stage=Stage.SCREEN)
    for day in (D(2026, 2, 1), D(2026, 3, 1), D(2026, 9, 1)):
        reject(other_user, day, stage=Stage.FINAL_ROUND)
    counts = [
        # (whose, since, final round since) -> (total, final)
        ((user, D(2026, 4, 1), D(2026, 4, 2)), (2, 0)),
        ((user, D(2026, 4, 2), D(2026, 4, 1)), (1, 1)),
        ((other_user, D(2026, 2, 1), D(2026, 3, 1)), (3, 2)),
        ((other_user, D(2026, 9, 2), D(2026, 9, 2)), (0, 0)),
    ]
    for _ in range(2):
        assert search_start(user) == D(2026, 4, 1)
        assert search_start(other_user) == D(2026, 2, 1)
        for (whose, since, final_since), (total, final) in counts:
            got = rejection_counts(whose, since=since, final_since=final_since)
            assert got == {"total": total, "final": final}, (whose, since, final_since)


def test_the_search_start_is_the_first_entry_of_its_index(user):
    """Read as MIN() with a GROUP BY, it read every entry of the account's
    (46 ms at 200,000 applications); ordered and limited, one."""
    from django.db import connection, transaction

    from review.insights import _first_application

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plans")
    ApplicationFactory(user=user, applied_on=D(2026, 3, 2))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off; SET LOCAL enable_seqscan = off")
        plan = _first_application(user_id=user.pk).explain()
    assert "application_first_day_idx" in plan, plan
    assert plan.startswith("Limit"), plan
    assert "Aggregate" not in plan, plan
    assert "Sort" not in plan, plan


# --- The partial the dashboard includes ----------


def test_the_partial_renders_from_the_insights_variable_alone(user):
    for day in (D(2026, 4, 1), D(2026, 6, 1), D(2026, 9, 1)):
        reject(user, day, stage=Stage.FINAL_ROUND, letter=LETTER)
    html = render_to_string("review/_insights.html", {"insights": insights_for(user, TODAY)})
    assert "You are getting far" in html
    assert 'href="/applications/?outcome=rejected&amp;stage=60"' in html
    assert "Keep going" in html
    assert "They know you" in html
    assert 'style="' not in html


def test_the_partial_says_so_when_there_is_nothing_to_say():
    html = render_to_string("review/_insights.html", {"insights": []})
    assert "Nothing to point out yet" in html


def test_the_queries_do_not_grow_with_the_data(user, django_assert_num_queries):
    reject(user, D(2026, 9, 1), stage=Stage.FINAL_ROUND, letter=LETTER)
    # The counts, the radar's latest rows and its count of companies, the
    # circle-backs that paid off (the search start is the user's first application).
    with django_assert_num_queries(5):
        insights_for(user, TODAY)
    for i in range(20):
        result = reject(user, D(2026, 9, 1), stage=Stage.FINAL_ROUND, letter=LETTER)
        if i % 2:
            reminder_reapply(reminder=result.reminder, applied_on=TODAY)
    with django_assert_num_queries(5):
        found = insights_for(user, TODAY)
    assert {"final_round", "review_approach", "on_your_radar", "circle_backs_paid_off"} <= {
        i.key for i in found
    }


def test_they_know_you_reads_past_a_company_that_wrote_most_letters(user, settings):
    """The latest rejections are read RADAR_CHUNK at a time: one company's many
    letters do not hide the others, and every company is counted."""
    from review.insights import RADAR_CHUNK

    settings.AJAR_INSIGHT_MAX_ITEMS = 3
    for n in range(3):
        reject(user, D(2026, 8, 1 + n), stage=Stage.FINAL_ROUND, company=f"Old {n}", letter=LETTER)
    for _ in range(RADAR_CHUNK + 1):
        reject(user, D(2026, 9, 1), stage=Stage.FINAL_ROUND, company="Busy", letter=LETTER)
    radar = insight(user, "on_your_radar")
    assert [item.label.split(":")[0] for item in radar.items] == ["Busy", "Old 2", "Old 1"]
    assert dict(radar.figures)["Companies"] == 4
    assert radar.more == 1


def test_they_know_you_counts_companies_among_a_bounded_number_of_the_latest_rows(
    user, settings, monkeypatch
):
    """The count of companies reads at most RADAR_COUNT_CAP of the latest rows
    (one index range, whatever the account holds); past it, it says "at least"."""
    from review import insights

    settings.AJAR_INSIGHT_MAX_ITEMS = 2
    for n in range(5):
        reject(user, D(2026, 8, 1 + n), stage=Stage.ONSITE, company=f"Co {n}", letter=LETTER)
    assert dict(insight(user, "on_your_radar").figures)["Companies"] == 5
    monkeypatch.setattr(insights, "RADAR_COUNT_CAP", 3)
    found = insight(user, "on_your_radar")
    assert dict(found.figures)["Companies"] == "3+"
    assert found.message.startswith("At least 3 companies rejected you after a long process")
    assert (found.more, found.more_capped) == (1, True)
    html = render_to_string("review/_insights.html", {"insights": [found]})
    assert "and at least 1 more" in html
    assert "<dd>3+</dd>" in html
