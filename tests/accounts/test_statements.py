"""accounts.statements: on PostgreSQL a prepared query is the connection's
prepared statement, prepared once, with its constants written in and its
values as parameters, and it returns what the queryset would."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.prepared import PreparedRow, PreparedValues
from accounts.statements import sql_of
from applications.models import Application, Stage
from tests.factories import ApplicationFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statements"),
]


def _screened(*, user_id: int):
    # A constant choice and a pattern (a literal % in the statement), a value.
    return (
        Application.objects.for_user(user_id)
        .filter(current_stage=Stage.SCREEN, role__icontains="eng")
        .order_by("id")
        .values_list("id", "role")
    )


def _accounts():
    ada, bob = UserFactory(), UserFactory()
    ApplicationFactory(user=ada, role="Data engineer", current_stage=Stage.SCREEN)
    ApplicationFactory(user=ada, role="Engineering lead", current_stage=Stage.APPLIED)
    ApplicationFactory(user=ada, role="Analyst", current_stage=Stage.SCREEN)
    ApplicationFactory(user=bob, role="Sound engineer", current_stage=Stage.SCREEN)
    return ada, bob


def _held() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def _executed(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries]


def test_a_prepared_query_is_one_statement_with_its_constants_written_in():
    ada, bob = _accounts()
    prepared = PreparedValues(_screened, values=("user_id",))
    expected = {user: list(_screened(user_id=user.pk)) for user in (ada, bob)}
    assert [len(rows) for rows in expected.values()] == [1, 1]
    with CaptureQueriesContext(connection) as queries:
        for user in (ada, bob, ada):
            assert prepared(user_id=user.pk) == expected[user]
    # One statement, prepared once, run three times with each user's id.
    names = {sql.split()[1] for sql in _executed(queries)}
    assert all(sql.startswith("EXECUTE ajar_") for sql in _executed(queries))
    [name] = names
    assert "test_statements" in name  # named for its builder
    statement = _held()[name]
    assert "'%eng%'" in statement
    assert f'"applications_application"."current_stage" = {Stage.SCREEN.value}' in statement
    assert '"applications_application"."user_id" = $1' in statement
    assert len(queries) == 3  # the PREPARE is the connection's set-up, not a query


def test_a_literal_percent_in_a_builders_sql_stays_one_percent():
    def build(*, user_id: int):
        return "SELECT %s + 1, '100%%'", [user_id]

    prepared = PreparedRow(build, values=("user_id",), model=Application)
    assert prepared(user_id=41) == (42, "100%")
    assert prepared(user_id=1) == (2, "100%")


def test_the_log_reads_as_the_sql_that_ran_with_its_values():
    def build(*, user_id: int, note: str):
        return "SELECT %s, %s, 'a $1 in a literal'", [user_id, note]

    prepared = PreparedRow(build, values={"user_id": int, "note": str}, model=Application)
    with CaptureQueriesContext(connection) as queries:
        assert prepared(user_id=7, note="it's, $2") == (7, "it's, $2", "a $1 in a literal")
    [logged] = _executed(queries)
    assert logged.startswith("EXECUTE ajar_")
    assert sql_of(logged) == "SELECT 7, 'it''s, $2', 'a $1 in a literal'"
    assert sql_of("SELECT 1") == "SELECT 1"


def test_a_query_planned_on_each_call_is_not_prepared():
    ada, _bob = _accounts()
    prepared = PreparedValues(_screened, values=("user_id",), plan_once=False)
    expected, before = list(_screened(user_id=ada.pk)), _held()
    with CaptureQueriesContext(connection) as queries:
        assert prepared(user_id=ada.pk) == expected
    [sql] = _executed(queries)
    assert sql.startswith("SELECT")
    assert _held() == before


def test_statements_can_be_turned_off(settings):
    settings.AJAR_PREPARED_STATEMENTS = False
    ada, _bob = _accounts()
    prepared = PreparedValues(_screened, values=("user_id",))
    expected = list(_screened(user_id=ada.pk))
    with CaptureQueriesContext(connection) as queries:
        assert prepared(user_id=ada.pk) == expected
    [sql] = _executed(queries)
    assert sql.startswith("SELECT")


def test_a_rolled_back_transaction_keeps_the_statement():
    ada, _bob = _accounts()
    prepared = PreparedValues(_screened, values=("user_id",))

    def prepare_and_roll_back():
        with transaction.atomic():
            prepared(user_id=ada.pk)
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        prepare_and_roll_back()
    assert prepared(user_id=ada.pk) == list(_screened(user_id=ada.pk))


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_it_again():
    ada, _bob = _accounts()
    prepared = PreparedValues(_screened, values=("user_id",))
    expected = list(_screened(user_id=ada.pk))
    assert prepared(user_id=ada.pk) == expected
    connection.close()
    assert prepared(user_id=ada.pk) == expected
    assert [name for name in _held() if "test_statements" in name]


def test_a_statement_is_planned_once_not_on_each_call():
    """The connection keeps one plan for each statement from its first run:
    left to choose, PostgreSQL planned the Reminders page's counts on every
    call (its one plan's estimate was the average account's)."""
    ada, bob = _accounts()
    prepared = PreparedValues(_screened, values=("user_id",))
    for user in (ada, bob) * 4:
        prepared(user_id=user.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s",
            [prepared._compiled[()].statement.name],  # its statement
        )
        assert cursor.fetchone() == (8, 0)
