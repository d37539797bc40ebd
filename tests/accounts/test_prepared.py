"""accounts.prepared: a query built once per shape returns what the queryset
would, for whichever values it is called with."""

import pytest
from django.db.models import F

from accounts.pagination import capped_counts, capped_counts_sql
from accounts.prepared import PreparedQuery, PreparedRow
from applications.models import Application, Outcome, Stage
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


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


def test_a_value_the_query_does_not_carry_as_a_parameter_is_refused():
    def build(*, user_id: int):
        return Application.objects.all()  # user_id unused: every user's rows

    with pytest.raises(ValueError, match="no parameter for"):
        PreparedQuery[Application](build, values=("user_id",))(user_id=1)
    with pytest.raises(TypeError, match="missing values"):
        PreparedQuery[Application](build, values=("user_id",))(closed=True)
