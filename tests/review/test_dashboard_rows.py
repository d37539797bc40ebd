"""{% circle_back_rows %}, {% stale_rows %} and {% recent_rows %} write what
the template loops they replaced wrote.

dashboard_rows_reference.html is those loops, kept here as the reference: for
rows in every state (hostile text included, in a time zone far from UTC), both
render the same HTML, up to the amount of whitespace between tags."""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from applications.models import Outcome, Stage
from reminders.models import Reminder, ReminderKind, ReminderStatus
from tests.factories import (
    ApplicationFactory,
    ContactFactory,
    RejectedApplicationFactory,
    ReminderFactory,
)

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).with_name("dashboard_rows_reference.html").read_text()
HOSTILE = "<b>R&D</b> \"quoted\" 'single'"
# 20:00 in Auckland (UTC+13): "today" there is the 11th, in UTC the 10th.
NOW = datetime.datetime(2026, 3, 10, 7, 0, tzinfo=datetime.UTC)
QUIET = datetime.date(2026, 1, 5)


def _every_kind_of_row(user) -> None:
    user.time_zone = "Pacific/Auckland"
    user.save(update_fields=["time_zone"])
    hours = datetime.timedelta(hours=1)
    names = (f"{HOSTILE} {n}" for n in range(20))

    def circle_back(due_at, *, status=ReminderStatus.SCHEDULED, kind=ReminderKind.REJECTED):
        application = ApplicationFactory(user=user, role=HOSTILE, company__name=next(names))
        reminder = ReminderFactory(user=user, application=application, kind=kind, due_at=due_at)
        sent_at = NOW if status == ReminderStatus.SENT else None
        Reminder.objects.filter(pk=reminder.pk).update(status=status, sent_at=sent_at)
        return application

    circle_back(NOW - hours)  # due
    with_two = circle_back(NOW + 2 * hours, kind=ReminderKind.GHOSTED)  # due today, 22:00 there
    circle_back(NOW + 30 * hours)  # due another day this week
    with_one = circle_back(NOW - 48 * hours, status=ReminderStatus.SENT)  # emailed
    ContactFactory.create_batch(2, user=user, company=with_two.company)
    ContactFactory(user=user, company=with_one.company)
    for stage in (Stage.APPLIED, Stage.INTERVIEW):
        ApplicationFactory(
            user=user,
            role=HOSTILE,
            current_stage=stage,
            applied_on=QUIET,
            company__name=next(names),
        )
    for outcome in (Outcome.REJECTED, Outcome.GHOSTED):
        RejectedApplicationFactory(
            user=user,
            role=HOSTILE,
            outcome=outcome,
            outcome_on=NOW.date(),
            company__name=next(names),
        )


def _words(html: str) -> str:
    # A render's CSRF token is masked afresh: the field, not its value, compared.
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)
    return " ".join(html.replace("> <", "><").split())


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("which", "tag"),
    [
        ("circle_backs", "{% circle_back_rows circle_backs log_url %}"),
        ("stale", "{% stale_rows stale %}"),
        ("recent", "{% recent_rows recent %}"),
    ],
)
def test_the_rows_match_the_template_loop(user_client, user, which, tag):
    _every_kind_of_row(user)
    response = user_client.get(reverse("dashboard"))
    context = {name: response.context[name] for name in ("now", which)}
    rows = context[which]
    assert len(rows) >= 2
    if which == "circle_backs":
        assert {r.status for r in rows} == {ReminderStatus.SCHEDULED, ReminderStatus.SENT}
        assert {r.insiders for r in rows} == {0, 1, 2}
    # As the page renders them: the user's time zone on, the request's token
    # (the context processors run for the request).
    engine = engines["django"]
    request = response.wsgi_request
    source = "{% load dashboard_rows %}{% url 'contacts:log_interaction' as log_url %}" + tag
    with timezone.override(user.time_zone):
        written = engine.from_string(source).render(context, request)
        reference = engine.from_string(REFERENCE).render({**context, "which": which}, request)
    assert _words(written) == _words(reference)
    # What the comparison relies on: the hostile text escaped, every row written.
    assert HOSTILE not in written
    assert "&lt;b&gt;R&amp;D&lt;/b&gt; &quot;quoted&quot; &#x27;single&#x27;" in written
    assert written.count("<li ") == len(rows)


@time_machine.travel(NOW, tick=False)
def test_the_badges_say_due_today_in_the_users_time_zone(user_client, user):
    _every_kind_of_row(user)
    content = user_client.get(reverse("dashboard")).content.decode()
    assert "Due today, 22:00" in content
    assert "Emailed you" in content
    assert "1 insider to write to." in content
    assert "2 insiders to write to." in content
    assert "They went silent." in content
    assert 'aria-label="Mark &lt;b&gt;R&amp;D' in content


@time_machine.travel(NOW, tick=False)
def test_rendered_without_a_request_the_rows_link_back_nowhere(user_client, user):
    _every_kind_of_row(user)
    rows = user_client.get(reverse("dashboard")).context["circle_backs"]
    source = "{% load dashboard_rows %}{% circle_back_rows circle_backs '/log/' %}"
    written = engines["django"].from_string(source).render({"now": NOW, "circle_backs": rows})
    assert written.count('&amp;next=">') == len(rows)
