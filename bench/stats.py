"""Benchmark: render time of the stats page for a user with 5,000 applications.

    DATABASE_URL=postgres:///ajar python -m bench.stats [--applications 5000] [--runs 50]

Creates a throw-away test database next to DATABASE_URL's (like the test
suite), seeds one user with a search of N applications over 18 months (their
stage history, rejections with letters, circle-back reminders, a few
re-applications), then times GET /review/stats/ through Django's test
client: the whole request, with sessions, middleware, the 11 queries and the
template. DEBUG is off, as in production. It reports the median and the 90th
percentile over --runs requests after a few warm-up ones, unfiltered and
filtered, and the time the figures and the insights take on their own.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--keepdb", action="store_true", help="reuse the benchmark database")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    if connection.vendor != "postgresql":
        print("bench.stats measures PostgreSQL: set DATABASE_URL=postgres:///NAME", file=sys.stderr)
        return 2
    setup_test_environment()
    settings.DEBUG = False  # no query log, as in production
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb)
    try:
        user = seed(args.applications)
        report(user, args)
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


def seed(n: int):
    """One user's search: n applications, their histories, rejections and reminders."""
    from accounts.models import User
    from applications.models import (
        Application,
        Channel,
        Company,
        Outcome,
        Rejection,
        Source,
        Stage,
        StageEvent,
    )
    from reminders.models import Reminder, ReminderKind, ReminderStatus
    from tests.factories import UserFactory

    rng = random.Random(7)
    user = User.objects.filter(email="bench@example.com").first() or UserFactory(
        email="bench@example.com", time_zone="Europe/Paris"
    )
    if Application.objects.for_user(user).count() >= n:
        return user
    companies = Company.objects.bulk_create(
        Company(user=user, name=f"Company {i}") for i in range(max(1, n // 3))
    )
    ladder = [Stage.APPLIED, Stage.SCREEN, Stage.INTERVIEW, Stage.ONSITE, Stage.FINAL_ROUND]
    weights = [45, 25, 15, 7, 5, 3]  # furthest stage: applied .. offer
    first_day = datetime.date(2025, 1, 6)
    applications, plans = [], []
    for _ in range(n):
        applied = first_day + datetime.timedelta(days=rng.randrange(540))
        furthest = rng.choices([*ladder, Stage.OFFER], weights)[0]
        if furthest == Stage.OFFER:
            outcome = rng.choice([Outcome.OFFER_ACCEPTED, Outcome.OFFER_DECLINED, Outcome.OPEN])
        else:
            outcome = rng.choices(
                [Outcome.OPEN, Outcome.REJECTED, Outcome.GHOSTED, Outcome.WITHDRAWN],
                [15, 50, 30, 5],
            )[0]
        days = sorted(rng.sample(range(3, 60), len([s for s in ladder if s <= furthest]) + 1))
        outcome_on = None if outcome == Outcome.OPEN else applied + datetime.timedelta(days[-1])
        applications.append(
            Application(
                user=user,
                company=rng.choice(companies),
                role="Software engineer",
                source=rng.choice(Source.values),
                applied_on=applied,
                current_stage=furthest,
                furthest_stage=furthest,
                outcome=outcome,
                outcome_on=outcome_on,
            )
        )
        plans.append((furthest, days))
    applications = Application.objects.bulk_create(applications)

    events, rejections = [], []
    for application, (furthest, days) in zip(applications, plans, strict=True):
        stages = [s for s in [*ladder, Stage.OFFER] if s <= furthest]
        for stage, offset in zip(stages, [0, *days], strict=False):
            events.append(
                StageEvent(
                    application=application,
                    stage=stage,
                    occurred_on=application.applied_on + datetime.timedelta(offset),
                )
            )
        if application.outcome == Outcome.REJECTED:
            rejections.append(
                Rejection(
                    application=application,
                    user_id=application.user_id,
                    received_on=application.outcome_on,
                    stage_reached=furthest,
                    channel=rng.choice(Channel.values),
                    letter_text="Thank you for your time with the team."
                    if rng.random() < 0.4
                    else "",
                )
            )
    StageEvent.objects.bulk_create(events, batch_size=2000)
    rejections = Rejection.objects.bulk_create(rejections, batch_size=2000)

    reminders = []
    now = datetime.datetime.now(datetime.UTC)
    open_ones = [a for a in applications if a.outcome == Outcome.OPEN]
    for rejection in rejections:
        due = rejection.received_on + datetime.timedelta(days=30)
        status = ReminderStatus.DONE if rng.random() < 0.3 else ReminderStatus.SCHEDULED
        paid_off = status == ReminderStatus.DONE and open_ones and rng.random() < 0.1
        reapplication = open_ones.pop() if paid_off else None
        reminders.append(
            Reminder(
                user=user,
                application=rejection.application,
                rejection=rejection,
                kind=ReminderKind.REJECTED,
                counted_from=rejection.received_on,
                cooling_off_days=30,
                due_date=due,
                due_at=datetime.datetime.combine(due, datetime.time(8), datetime.UTC),
                next_attempt_at=now,
                status=status,
                reapplication=reapplication,
            )
        )
    Reminder.objects.bulk_create(reminders, batch_size=2000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"seeded: {len(applications)} applications, {len(companies)} companies, "
        f"{len(events)} stage events, {len(rejections)} rejections, {len(reminders)} reminders"
    )
    return user


def _time(fn, runs: int, warmup: int) -> tuple[list[float], list[float]]:
    """Wall-clock and this process's CPU time of each run, in ms. The CPU time
    leaves out PostgreSQL's share, and most of what other processes on a busy
    machine add to the wall clock."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def _line(name: str, timings: tuple[list[float], list[float]]) -> str:
    wall, cpu = timings
    p90 = statistics.quantiles(wall, n=10)[-1]
    return (
        f"{name:<44} median {statistics.median(wall):6.1f} ms   "
        f"p90 {p90:6.1f} ms   min {min(wall):6.1f} ms   "
        f"(python cpu median {statistics.median(cpu):5.1f} ms)"
    )


def report(user, args) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.timezones import user_today
    from review.insights import insights_for
    from review.stats import StatsFilters, stats_for

    client = Client()
    client.force_login(user)
    url = reverse("review:stats")
    filtered = {"source": "referral", "applied_from": "2025-03-01", "applied_to": "2025-12-31"}

    def get(params=None):
        response = client.get(url, params or {})
        assert response.status_code == 200, response.status_code
        return response

    with CaptureQueriesContext(connection) as queries:
        html = get().content
    today = user_today(user)
    print(f"page: {len(html) // 1024} KiB, {len(queries.captured_queries)} queries")
    # The machine's load matters more than anything here: say what it was.
    print("load average: {:.2f} {:.2f} {:.2f}, {} CPUs".format(*os.getloadavg(), os.cpu_count()))
    print(_line("GET /review/stats/", _time(get, args.runs, args.warmup)))
    print(
        _line(
            "GET /review/stats/?source&date range",
            _time(lambda: get(filtered), args.runs, args.warmup),
        )
    )
    print(_line("  stats_for() alone", _time(lambda: stats_for(user), args.runs, args.warmup)))
    print(
        _line(
            "  stats_for(filters) alone",
            _time(
                lambda: stats_for(
                    user,
                    StatsFilters(
                        source="referral",
                        applied_from=datetime.date(2025, 3, 1),
                        applied_to=datetime.date(2025, 12, 31),
                    ),
                ),
                args.runs,
                args.warmup,
            ),
        )
    )
    print(
        _line(
            "  insights_for() alone",
            _time(lambda: insights_for(user, today), args.runs, args.warmup),
        )
    )


if __name__ == "__main__":
    sys.exit(main())
