import collections
import datetime
import json
import threading
import time

import psycopg2
import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from applications.models import Application, Outcome
from reminders import engine
from reminders.emails import message_id_for
from reminders.models import Heartbeat, Reminder, ReminderKind, ReminderStatus
from tests.engine.processes import RedisServer, Stack, wait_until
from tests.engine.smtp import SmtpServer
from tests.factories import CompanyFactory, ReminderSettingsFactory, UserFactory


def _database_url() -> str:
    s = connection.settings_dict
    host = s["HOST"] or ""
    auth = s["USER"] or ""
    if s["PASSWORD"]:
        auth += f":{s['PASSWORD']}"
    netloc = f"{auth}@{host}" if auth and host else host
    if s["PORT"] and host:
        netloc += f":{s['PORT']}"
    # The subprocesses must use the test database pytest-django created.
    return f"postgres://{netloc}/{s['NAME']}"


class DatabaseSwitch:
    """Take the test database away from every other process: refuse new
    connections and terminate the open ones (not this test's own), as a
    PostgreSQL outage looks to the workers. Only this test's database."""

    def __init__(self):
        self.name = connection.settings_dict["NAME"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (self.own_pid,) = cursor.fetchone()

    def _admin(self, sql: str, params=()):
        # PostgreSQL refuses ALTER DATABASE ... ALLOW_CONNECTIONS on the current one.
        s = connection.settings_dict
        admin = psycopg2.connect(
            dbname="postgres",
            host=s["HOST"] or None,
            port=s["PORT"] or None,
            user=s["USER"] or None,
            password=s["PASSWORD"] or None,
        )
        admin.autocommit = True
        try:
            with admin.cursor() as cursor:
                cursor.execute(sql, params)
        finally:
            admin.close()

    def down(self):
        self._admin(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS false')
        self._admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> %s",
            (self.name, self.own_pid),
        )

    def up(self):
        self._admin(f'ALTER DATABASE "{self.name}" WITH ALLOW_CONNECTIONS true')


@pytest.fixture
def database_switch(transactional_db):
    switch = DatabaseSwitch()
    yield switch
    switch.up()


@pytest.fixture
def stack(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the fault tests run against PostgreSQL (DATABASE_URL)")
    redis = RedisServer(tmp_path)
    redis.start()
    smtp = SmtpServer()
    smtp.start()
    the_stack = Stack(tmp_path, _database_url(), redis, smtp)
    yield the_stack
    logs = the_stack.logs()
    the_stack.stop()
    smtp.stop()
    redis.stop()
    print(logs)  # shown when the test failed


def seed(count: int, *, due_at=None, users: int = 3) -> list[Reminder]:
    """`count` due reminders spread over a few users: the users through the
    factories (verified address, settings), the rest in bulk."""
    due_at = due_at or timezone.now() - datetime.timedelta(seconds=1)
    owners = [UserFactory() for _ in range(min(users, count))]
    for owner in owners:
        # Midnight (UTC): each row's due_at is then no earlier than its due
        # date at the send time, as the services compute it. A retry re-reads
        # that schedule, so a 09:00 send time would push a retry after
        # midnight UTC to 09:00 of the same day.
        ReminderSettingsFactory(user=owner, send_time=datetime.time(0, 0))
    companies = {o.pk: CompanyFactory(user=o) for o in owners}
    applications = Application.objects.bulk_create(
        Application(
            user=owners[i % len(owners)],
            company=companies[owners[i % len(owners)].pk],
            role=f"Engineer {i}",
            outcome=Outcome.REJECTED,
        )
        for i in range(count)
    )
    reminders = []
    for i, application in enumerate(applications):
        at = due_at(i) if callable(due_at) else due_at
        reminders.append(
            Reminder(
                user=application.user,
                application=application,
                kind=ReminderKind.REJECTED,
                counted_from=at.date() - datetime.timedelta(days=30),
                cooling_off_days=30,
                due_date=at.date(),
                due_at=at,
                next_attempt_at=at,
            )
        )
    return Reminder.objects.bulk_create(reminders)


def statuses(reminders) -> collections.Counter:
    return collections.Counter(
        Reminder.objects.filter(pk__in=[r.pk for r in reminders]).values_list("status", flat=True)
    )


def wait_sent(reminders, timeout: float = 30):
    wait_until(
        lambda: statuses(reminders)[ReminderStatus.SENT] == len(reminders),
        timeout,
        0.2,
        f"{len(reminders)} reminders to be sent",
    )


def settle(stack, sweeps: int = 2, timeout: float = 30) -> None:
    """Wait until `sweeps` more sweeps have run and nothing is being sent: a
    late duplicate would have been claimed and sent by then."""
    started = timezone.now()
    after = started + datetime.timedelta(seconds=stack.SWEEP_INTERVAL * (sweeps - 1))

    def settled() -> bool:
        beat = Heartbeat.objects.filter(name=engine.SWEEP_HEARTBEAT).first()
        return (
            beat is not None
            and beat.beat_at > after
            and not Reminder.objects.filter(status=ReminderStatus.SENDING).exists()
        )

    wait_until(settled, timeout, what=f"{sweeps} more sweeps with nothing in sending")


def assert_each_delivered_once(smtp, reminders):
    counts = collections.Counter(smtp.handler.message_ids())
    expected = {message_id_for(r) for r in reminders}
    assert {mid: counts[mid] for mid in expected} == dict.fromkeys(expected, 1)
    assert set(counts) == expected  # and nothing else


def claimed_by(completed) -> list[int]:
    return [rid for rid, _token in json.loads(completed.stdout)["claimed"]]


class HealthWatch(threading.Thread):
    """Polls /health/ (in this process, on the test database) from the moment
    the block starts; `first_seen` is the monotonic time `problem` first
    appeared in its problems, or None. Create it before the stack starts:
    the first request imports the views, seconds on a loaded machine."""

    def __init__(self, problem: str):
        super().__init__(daemon=True)
        Client().get("/health/")
        self.problem = problem
        self.first_seen: float | None = None
        self._stop_polling = threading.Event()

    def run(self):
        client = Client()
        try:
            while not self._stop_polling.is_set() and self.first_seen is None:
                if self.problem in client.get("/health/").json()["problems"]:
                    self.first_seen = time.monotonic()
                self._stop_polling.wait(0.02)
        finally:
            connections.close_all()

    def __enter__(self) -> "HealthWatch":
        self.start()
        return self

    def __exit__(self, *exc_info):
        self._stop_polling.set()
        self.join(10)
