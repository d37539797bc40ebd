"""accounts.prepared: a query built once per shape returns what the queryset
would, for whichever values it is called with."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db.models import F

from accounts.pagination import capped_counts, capped_counts_sql
from accounts.prepared import PreparedQuery, PreparedRow, PreparedValues, keep_as_prefetched
from applications.models import Application, Outcome, Stage
from contacts.models import Contact
from tests.factories import ApplicationFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _fields(application: Application) -> tuple:
    return (
        application.pk,
        application.role,
        application.current_stage,
        application.updated_at,
        application.applied_on,
        application.company.name,
    )


def _accounts():
    ada, bob = UserFactory(), UserFactory()
    for user, roles in ((ada, ["Data engineer", "Analyst", "Platform"]), (bob, ["Chef"])):
        for number, role in enumerate(roles):
            ApplicationFactory(
                user=user, role=role, current_stage=(Stage.APPLIED, Stage.SCREEN)[number % 2]
            )
    ApplicationFactory(user=ada, role="Closed one", outcome=Outcome.REJECTED)
    return ada, bob


def test_a_prepared_queryset_returns_the_querysets_instances_for_each_value(
    django_assert_num_queries,
):
    ada, bob = _accounts()
    built: list[tuple] = []

    def build(*, user_id: int, closed: bool, limit: int):
        built.append((user_id, closed, limit))
        queryset = Application.objects.for_user(user_id).select_related("company")
        queryset = queryset.exclude(outcome=Outcome.OPEN) if closed else queryset.open()
        return queryset.annotate(stage_after=F("current_stage") + 1).order_by("id")[:limit]

    prepared = PreparedQuery[Application](build, values=("user_id",))
    for user in (ada, bob, ada):
        for closed in (False, True):
            expected = list(build(user_id=user.pk, closed=closed, limit=10))
            with django_assert_num_queries(1):  # the company comes with the row
                found = prepared(user_id=user.pk, closed=closed, limit=10)
                assert [_fields(a) for a in found] == [_fields(a) for a in expected]
            assert [a.stage_after for a in found] == [a.current_stage + 1 for a in found]
            pairs = zip(found, expected, strict=True)
            assert all(type(a.updated_at) is type(e.updated_at) for a, e in pairs)
    assert [a.role for a in prepared(user_id=ada.pk, closed=False, limit=2)] == [
        "Data engineer",
        "Analyst",
    ]
    # Built with stand-ins once per shape (closed, limit), however many values.
    stand_in_builds = [b for b in built if b[0] not in (ada.pk, bob.pk)]
    assert sorted(b[1:] for b in stand_in_builds) == [(False, 2), (False, 10), (True, 10)]


def test_a_prepared_row_runs_the_sql_its_builder_wrote_with_each_value():
    ada, bob = _accounts()

    def build(*, user_id: int):
        columns = (Application.objects.for_user(user_id).filter(current_stage=s) for s in Stage)
        return capped_counts_sql(columns, cap=1)

    prepared = PreparedRow(build, values=("user_id",), model=Application)
    for user in (ada, bob):
        counts = capped_counts(
            {s: Application.objects.for_user(user).filter(current_stage=s) for s in Stage}, cap=1
        )
        assert prepared(user_id=user.pk) == tuple(counts.values())
    # Saved none; applied three, counted to cap + 1; screen one.
    assert prepared(user_id=ada.pk)[:3] == (0, 2, 1)


def test_prepared_values_are_the_querysets_tuples_for_each_day():
    ada, bob = _accounts()
    days = sorted({a.applied_on for a in Application.objects.all()})

    def build(*, user_id: int, since: datetime.date):
        return (
            Application.objects.for_user(user_id)
            .filter(applied_on__gte=since)
            .annotate(later=F("current_stage") + 10)
            .order_by("id")
            .values_list("later", "role", "applied_on")
        )

    prepared = PreparedValues(build, values={"user_id": int, "since": datetime.date})
    for user in (ada, bob):
        for since in (days[0], days[-1], days[-1] + datetime.timedelta(days=1)):
            expected = list(build(user_id=user.pk, since=since))
            assert prepared(user_id=user.pk, since=since) == expected
    assert len(prepared(user_id=ada.pk, since=days[0])) == 4
    with pytest.raises(TypeError, match="runs a ValuesListIterable"):
        PreparedValues(lambda user_id: Application.objects.for_user(user_id), values=("user_id",))(
            user_id=ada.pk
        )


def test_a_prepared_text_is_put_where_its_stand_in_was():
    ada, bob = _accounts()

    def build(*, user_id: int, after: str, before: str):
        return (
            Application.objects.for_user(user_id)
            .filter(role__gte=after, role__lt=before)
            .order_by("role")
            .values_list("role")
        )

    prepared = PreparedValues(build, values={"user_id": int, "after": str, "before": str})
    for user, after, before in [(ada, "B", "E"), (ada, "", "z"), (bob, "C", "D"), (ada, "Q", "R")]:
        expected = list(build(user_id=user.pk, after=after, before=before))
        assert prepared(user_id=user.pk, after=after, before=before) == expected
    assert prepared(user_id=ada.pk, after="B", before="E") == [("Closed one",), ("Data engineer",)]
    assert len(prepared._compiled) == 1
    # A lookup that rewrites its text (startswith escapes it and adds "%") has
    # no parameter equal to the stand-in: refused, never run with the stand-in.
    startswith = PreparedValues(
        lambda *, prefix: Application.objects.filter(role__startswith=prefix).values_list("pk"),
        values={"prefix": str},
    )
    with pytest.raises(ValueError, match="no parameter for"):
        startswith(prefix="Data")


def test_shapes_past_the_bound_are_compiled_for_their_call_and_not_kept(monkeypatch):
    from accounts import prepared as module

    ada, _bob = _accounts()
    monkeypatch.setattr(module, "MAX_SHAPES", 2)
    built = []

    def build(*, user_id: int, offset: int):
        built.append(offset)
        return Application.objects.for_user(user_id).order_by("id").values_list("role")[offset:]

    prepared = PreparedValues(build, values=("user_id",))
    for offset in (0, 1, 2, 3, 0, 3):
        assert prepared(user_id=ada.pk, offset=offset) == list(
            Application.objects.for_user(ada).order_by("id").values_list("role")[offset:]
        )
    assert built == [0, 1, 2, 3, 3]  # 0 and 1 kept; 2 and 3 built at each call


def test_a_value_the_query_does_not_carry_as_a_parameter_is_refused():
    def build(*, user_id: int):
        return Application.objects.all()  # user_id unused: every user's rows

    with pytest.raises(ValueError, match="no parameter for"):
        PreparedQuery[Application](build, values=("user_id",))(user_id=1)
    with pytest.raises(TypeError, match="missing values"):
        PreparedQuery[Application](build, values=("user_id",))(closed=True)


def test_a_list_of_ids_is_compiled_for_a_few_lengths_and_padded():
    ada, bob = _accounts()
    built = []

    def build(*, user_id: int, ids: list[int]):
        built.append(len(ids))
        return Application.objects.for_user(user_id).filter(pk__in=ids).order_by("id")

    prepared = PreparedQuery[Application](build, values={"user_id": int, "ids": list})
    mine = list(Application.objects.for_user(ada).order_by("id").values_list("pk", flat=True))
    theirs = list(Application.objects.for_user(bob).values_list("pk", flat=True))
    for user, ids in (
        (ada, mine[:1]),
        (ada, mine[:3]),
        (ada, mine[1:4]),  # the same length: the same SQL
        (ada, mine + theirs),  # bob's ids, not ada's rows
        (bob, mine + theirs),
        (ada, []),
        (ada, mine[:2] * 3),  # repeated ids, read once
    ):
        expected = [a.pk for a in Application.objects.filter(user=user, pk__in=ids).order_by("id")]
        assert [a.pk for a in prepared(user_id=user.pk, ids=ids)] == expected
    # Lengths 1, 3, 5 and 0 compiled as 1, 4 and 8 (0 padded to 1), then kept.
    assert built == [1, 4, 8]
    # A list the SQL does not hold all of is refused, as a scalar is.
    head = PreparedQuery[Application](
        lambda *, ids: Application.objects.filter(pk__in=ids[:1]), values={"ids": list}
    )
    with pytest.raises(ValueError, match="no parameter for"):
        head(ids=[1, 2])


def test_a_prepared_moment_is_put_where_its_stand_in_was():
    ada, bob = _accounts()
    first = Application.objects.for_user(ada).order_by("updated_at").first()
    assert first is not None

    def build(*, user_id: int, after):
        return capped_counts_sql(
            [Application.objects.for_user(user_id).filter(updated_at__gt=after)], cap=100
        )

    prepared = PreparedRow(
        build, values={"user_id": int, "after": datetime.datetime}, model=Application
    )
    for user in (ada, bob):
        for after in (first.updated_at - datetime.timedelta(days=1), first.updated_at):
            expected = Application.objects.for_user(user).filter(updated_at__gt=after).count()
            assert prepared(user_id=user.pk, after=after) == (expected,)
    assert prepared(user_id=ada.pk, after=first.updated_at) == (3,)


def test_a_prepared_queryset_runs_on_sqlite(tmp_path):
    """The embedded mode's database: a moment is text among SQLite's parameters,
    a UNION's parts cannot be limited (the board reads a column at a time), and
    the application page's and the dashboard's reads run there too."""
    script = """
import datetime
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.utils import timezone
from reminders.selectors import reminder_section_counts, reminders_page
from applications.selectors import board_columns
from tests.factories import ApplicationFactory, ReminderFactory, UserFactory
ada, bob = UserFactory(), UserFactory()
ApplicationFactory(user=ada)
ReminderFactory(user=ada, due_at=timezone.now() - datetime.timedelta(days=1))
ReminderFactory(user=ada, due_at=timezone.now() + datetime.timedelta(days=1))
for user, due, upcoming, cards in ((ada, 1, 1, 3), (bob, 0, 0, 0), (ada, 1, 1, 3)):
    counts = reminder_section_counts(user, now=timezone.now())
    assert (counts["due"].value, counts["upcoming"].value) == (due, upcoming), counts
    assert sum(len(c.cards) for c in board_columns(user)) == cards
    page = reminders_page(user)
    assert (len(page["due"]), len(page["upcoming"])) == (due, upcoming)
from contacts.selectors import application_scope, contacts_in_scope
from review.selectors import application_for_detail
from tests.factories import ContactFactory, InteractionFactory
app = ApplicationFactory(user=ada)
met = ContactFactory(user=ada, name="Met")
met.applications.add(app)
ContactFactory(user=ada, company=app.company, name="At the company")
talk = InteractionFactory(user=ada, application=app)
talk.contacts.add(met)
detail = application_for_detail(user=ada, pk=app.pk)
assert list(detail.contacts.all()) == [met]
assert [list(i.contacts.all()) for i in detail.interactions.all()] == [[met]]
scope = [c.name for c in application_scope(ada, app)]
assert scope == [c.name for c in contacts_in_scope(ada, application=app)]
assert scope == ["At the company", "Met"]
from review import selectors
now = timezone.now()
picked = selectors.circle_backs(ada, now=now, limit=5)
assert [r.due_at <= now for r in picked] == [True, False], picked
assert selectors.circle_backs(bob, now=now, limit=5) == []
assert selectors.has_applications(ada) and not selectors.has_applications(bob)
assert selectors.stale_rows(ada, today=now.date() + datetime.timedelta(days=400), limit=9)
assert selectors.recent_rows(bob, since=now.date(), limit=5) == []
from review.insights import rejection_counts, search_start
from reminders.services import rejection_log
from applications.models import Stage
rejection_log(user=bob, stage_reached=Stage.FINAL_ROUND, company_name="Acme", role="Cook",
              received_on=datetime.date(2026, 3, 2))
assert search_start(bob) == datetime.date(2026, 3, 2)
march = [datetime.date(2026, 3, day) for day in (2, 3)]
counts = rejection_counts(bob, since=march[0], final_since=march[1])
assert counts == {"total": 1, "final": 0}, counts
counts = rejection_counts(bob, since=march[1], final_since=march[0])
assert counts == {"total": 0, "final": 1}, counts
print("sqlite ok")
"""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'ajar.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings",
        CELERY_BROKER_URL="memory://",
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "sqlite ok" in done.stdout


def test_rows_kept_as_prefetched_are_read_without_a_query_and_stay_scoped(
    django_assert_num_queries,
):
    user = UserFactory()
    application, other = ApplicationFactory(user=user), ApplicationFactory(user=user)
    met = ContactFactory(user=user, company=application.company)
    met.applications.add(application)
    ContactFactory(user=user).applications.add(other)
    build = PreparedQuery(
        lambda application_id: Contact.objects.filter(applications=application_id),
        values=("application_id",),
    )
    fresh = Application.objects.get(pk=application.pk)
    keep_as_prefetched(fresh, "contacts", build(application_id=fresh.pk))
    with django_assert_num_queries(0):
        assert list(fresh.contacts.all()) == [met]
        assert fresh.contacts.all().exists()
    # A further filter reads the database, and only this application's people.
    assert list(fresh.contacts.filter(user=user)) == [met]
