"""Queries built and compiled once a process, then run with each request's values.

Building the board's seven column querysets and compiling their UNION ALL, and
the seven capped counts beside it, cost more of a request's CPU than PostgreSQL
spent running them. A prepared query is built once per shape (its arguments
that change the SQL: `closed`, a limit) from stand-ins for its values (the
user's id: numbers no row holds), and Django's compiled SQL is kept with the
place of each stand-in among its parameters. A call then runs that SQL with the
real values in those places:

    columns = PreparedQuery(build_columns, values=("user_id",))
    columns(user_id=user.pk, closed=False)    # the instances, as the queryset's
    counts = PreparedRow(build_counts, values={"user_id": int, "now": datetime}, model=Reminder)

A value is an int, a str, a date or an aware datetime, passed to the builder as it is: a
value the builder derived from one (`now + a week`) would be kept as it was
built, so a builder takes every value its SQL holds as an argument. A `list`
value is a list of ids (`pk__in=ids`): kept for a few lengths (LIST_PADDING).

`PreparedQuery` turns the rows into model instances as iterating the queryset
would (the compiler's converters, `Model.from_db`, select_related rows cached on
their foreign key); `PreparedValues` returns a `values_list()` queryset's tuples;
`PreparedRow` runs SQL a builder wrote and returns its one row, `PreparedRows`
its rows.
The SQL is the same the ORM would send, so SQLite and PostgreSQL both work. On
PostgreSQL each shape's SQL is also a prepared statement of the connection,
planned once, not on every call (accounts/statements.py): `plan_once=False`
for a query whose best plan depends on how many rows the account holds.
"""

import datetime
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import (  # type: ignore[attr-defined]
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.models.sql.compiler import SQLCompiler

from accounts.pagination import capped_counts_sql
from accounts.statements import Statement, statement_for

M = TypeVar("M", bound=Model)
# Shapes kept per prepared query; past this many (an offset read deep into a
# list, say), a shape is compiled for its call and not kept.
MAX_SHAPES = 32
# No id, count, choice or moment is ever one of these.
STAND_INS: dict[type, tuple[Any, ...]] = {
    int: (-1_987_654_321, -1_987_654_323, -1_987_654_327, -1_987_654_329),
    datetime.datetime: tuple(
        datetime.datetime(1901, 2, 3, 4, 5, 6, n, tzinfo=datetime.UTC) for n in (17, 19, 23, 29)
    ),
    datetime.date: tuple(datetime.date(1901, 2, n) for n in (3, 5, 7, 11)),
    # Compiled, never sent: no key or text of ours starts with U+2063.
    str: tuple(f"\u2063ajar stand-in {n}" for n in (17, 19, 23, 29)),
}


def _adapted(connection: BaseDatabaseWrapper, value: Any) -> Any:
    """A value as the compiled SQL's parameters hold it (SQLite: a datetime as text)."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return connection.ops.adapt_datefield_value(value)
    return value


# A list of ids (`values={"ids": list}`) is compiled for a number of ids that is
# a power of two at least its length, padded with this id, which no row holds:
# eight shapes at most for a page's 100 ids, where one a length would be 100.
LIST_PADDING = 0
# A list's stand-ins: this, then every other number below it.
LIST_STAND_IN = -1_900_000_001


def _bucket(length: int) -> int:
    return 1 << max(length - 1, 0).bit_length()


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    # The parameters that carry a value: (its index, the value's name, and
    # for a list the item's position in it, else None).
    slots: tuple[tuple[int, str, int | None], ...]
    using: str
    compiler: SQLCompiler | None = None
    statement: Statement | None = None

    def execute(self, cursor: Any, values: dict[str, Any]) -> None:
        """Run it on `cursor` (Django's) with these values."""
        params = self.params_for(values)
        if self.statement is None:
            cursor.execute(self.sql, params)
        else:
            self.statement.run(cursor, params)

    def params_for(self, values: dict[str, Any]) -> list[Any]:
        params = list(self.params)
        connection = connections[self.using]
        for index, name, position in self.slots:
            value = values[name] if position is None else values[name][position]
            params[index] = _adapted(connection, value)
        return params


def _label(build: Callable[..., Any]) -> str:
    return f"{build.__module__}.{build.__qualname__}"


class _Prepared:
    def __init__(
        self,
        build: Callable[..., Any],
        *,
        values: Sequence[str] | Mapping[str, type],
        plan_once: bool = True,
        label: str | None = None,
    ) -> None:
        kinds = dict(values) if isinstance(values, Mapping) else dict.fromkeys(values, int)
        self.build = build
        self.plan_once = plan_once
        self.label = label or _label(build)
        self.values = tuple(kinds)
        self.lists = tuple(name for name, kind in kinds.items() if kind is list)
        self._stand_ins: dict[str, Any] = {}
        for kind in set(kinds.values()) - {list}:
            names = [name for name in kinds if kinds[name] is kind]
            if kind not in STAND_INS or len(names) > len(STAND_INS[kind]):
                raise ValueError(f"no stand-ins for so many values of type {kind.__name__}")
            self._stand_ins.update(zip(names, STAND_INS[kind], strict=False))
        self._compiled: dict[Hashable, _Compiled] = {}

    def _statement(
        self, sql: str, params: Sequence[Any], slots: tuple, using: str
    ) -> Statement | None:
        if not self.plan_once:
            return None
        indexes = [index for index, _name, _position in slots]
        return statement_for(sql, params, indexes, using=using, label=self.label)

    def _keep(self, shape: Hashable, compiled: _Compiled) -> _Compiled:
        if len(self._compiled) < MAX_SHAPES:
            self._compiled[shape] = compiled
        return compiled

    def _split(self, arguments: dict[str, Any]) -> tuple[dict[str, Any], Hashable]:
        missing = set(self.values) - arguments.keys()
        if missing:
            raise TypeError(f"missing values: {sorted(missing)}")
        values = {name: arguments[name] for name in self.values}
        shape = tuple(sorted((k, v) for k, v in arguments.items() if k not in values))
        for name in self.lists:
            items = [int(item) for item in values[name]]
            bucket = _bucket(len(items))
            values[name] = items + [LIST_PADDING] * (bucket - len(items))
            shape += ((name, bucket),)
        return values, shape

    def _stand_ins_for(self, values: dict[str, Any]) -> dict[str, Any]:
        lists = {
            name: [LIST_STAND_IN - 2 * k for k in range(len(values[name]))] for name in self.lists
        }
        return {**self._stand_ins, **lists}

    def _slots(self, params: Sequence[Any], using: str, stand_ins: dict[str, Any]) -> tuple:
        connection = connections[using]
        names = [
            (name, _adapted(connection, value))
            for name, value in stand_ins.items()
            if name not in self.lists
        ]
        items = {
            item: (name, position)
            for name in self.lists
            for position, item in enumerate(stand_ins[name])
        }
        slots: list[tuple[int, str, int | None]] = []
        for index, param in enumerate(params):
            slots.extend(
                (index, name, None)
                for name, stand_in in names
                if type(param) is type(stand_in) and param == stand_in
            )
            if type(param) is int and param in items:
                slots.append((index, *items[param]))
        unused = set(self._stand_ins) - {name for _, name, _ in slots}
        filled = {(name, position) for _, name, position in slots}
        unused |= {name for name, position in items.values() if (name, position) not in filled}
        if unused:
            # A value inlined into the SQL (or not used) would be run with the stand-in.
            raise ValueError(f"the built query holds no parameter for {sorted(unused)}")
        return tuple(slots)


class _PreparedQuerySet(_Prepared):
    """A queryset `build(**values, **shape)` returns, compiled once per shape."""

    iterable: type

    def _run(self, arguments: dict[str, Any]) -> tuple[_Compiled, SQLCompiler, list[Any]]:
        values, shape = self._split(arguments)
        compiled = self._compiled.get(shape)
        if compiled is None:
            stand_ins = self._stand_ins_for(values)
            queryset: QuerySet[Any] = self.build(**{**arguments, **stand_ins})
            if queryset._iterable_class is not self.iterable:  # noqa: SLF001 (how it iterates)
                raise TypeError(f"{type(self).__name__} runs a {self.iterable.__name__} queryset")
            compiler = queryset.query.get_compiler(using=queryset.db)
            sql, params = compiler.as_sql()
            slots = self._slots(params, queryset.db, stand_ins)
            statement = self._statement(sql, params, slots, queryset.db)
            compiled = self._keep(
                shape, _Compiled(sql, tuple(params), slots, queryset.db, compiler, statement)
            )
        compiler = compiled.compiler
        assert compiler is not None
        with connections[compiled.using].cursor() as cursor:
            compiled.execute(cursor, values)
            rows = cursor.fetchall()
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        return compiled, compiler, rows


class PreparedQuery(_PreparedQuerySet, Generic[M]):
    """Calling it returns the queryset's model instances for the given values."""

    iterable = ModelIterable

    def __call__(self, **arguments: Any) -> list[M]:
        compiled, compiler, rows = self._run(arguments)
        db = compiled.using
        # What ModelIterable does with the rows of a compiled queryset.
        select, klass_info = compiler.select, compiler.klass_info
        assert klass_info is not None
        model: type[M] = klass_info["model"]
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        names = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, db)
        objects = []
        for row in compiler.results_iter([rows]):
            obj = model.from_db(db, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in compiler.annotation_col_map.items():
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


class PreparedValues(_PreparedQuerySet):
    """For a `values_list()` queryset: calling it returns its tuples, in the
    order the queryset names its fields (Django selects them in that order)."""

    iterable = ValuesListIterable

    def __call__(self, **arguments: Any) -> list[tuple[Any, ...]]:
        _compiled, compiler, rows = self._run(arguments)
        return [tuple(row) for row in compiler.results_iter([rows], tuple_expected=True)]


class PreparedRow(_Prepared):
    """SQL and parameters `build(**values, **shape)` writes, kept once per shape;
    calling it returns the one row the SQL selects for the given values."""

    def __init__(
        self,
        build: Callable[..., tuple[str, Sequence[Any]]],
        *,
        values: Sequence[str] | Mapping[str, type],
        model: type[Model],
        plan_once: bool = True,
        label: str | None = None,
    ) -> None:
        super().__init__(build, values=values, plan_once=plan_once, label=label)
        self.model = model

    def _rows(self, arguments: dict[str, Any]) -> list[tuple[Any, ...]]:
        values, shape = self._split(arguments)
        compiled = self._compiled.get(shape)
        if compiled is None:
            stand_ins = self._stand_ins_for(values)
            sql, params = self.build(**{**arguments, **stand_ins})
            using = router.db_for_read(self.model)
            slots = self._slots(params, using, stand_ins)
            statement = self._statement(sql, params, slots, using)
            compiled = self._keep(
                shape, _Compiled(sql, tuple(params), slots, using, statement=statement)
            )
        with connections[compiled.using].cursor() as cursor:
            compiled.execute(cursor, values)
            return [tuple(row) for row in cursor.fetchall()]

    def __call__(self, **arguments: Any) -> tuple[Any, ...]:
        (row,) = self._rows(arguments)
        return row


class PreparedRows(PreparedRow):
    """PreparedRow for SQL that selects any number of rows: calling it returns them."""

    def __call__(self, **arguments: Any) -> list[tuple[Any, ...]]:  # type: ignore[override]
        return self._rows(arguments)


def keep_as_prefetched(instance: Model, name: str, rows: Sequence[Model]) -> None:
    """Keep `rows` (read by a prepared query) as `instance.<name>.all()`, the way
    prefetch_related keeps what it read: the related manager's own queryset,
    already evaluated, so a further filter on it still reads only the
    instance's rows."""
    queryset = getattr(instance, name).get_queryset()
    queryset._result_cache = list(rows)  # noqa: SLF001 (what prefetch_related sets)
    queryset._prefetch_done = True  # noqa: SLF001
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    # Where the managers of our relations look for it: their name (a related
    # name, or the field's). The application page's query-count test fails if not.
    cache[name] = queryset


def prepared_union(
    build: Callable[..., Sequence[QuerySet[Any]]],
    *,
    values: Sequence[str] | Mapping[str, type],
    model: type[Model],
    rows: type[PreparedQuery[Any]] | type[PreparedValues] = PreparedQuery,
) -> Callable[..., list[Any]]:
    """The UNION ALL of the limited querysets `build(**values, **shape)` returns,
    prepared (`rows`: instances or a values_list's tuples). SQLite allows no
    LIMIT in a compound's parts: there each part runs on its own, in order."""

    def union(**arguments: Any) -> QuerySet[Any]:
        first, *rest = build(**arguments)
        return first.union(*rest, all=True)

    prepared = rows(union, values=values, label=_label(build))

    def run(**arguments: Any) -> list[Any]:
        if connections[router.db_for_read(model)].features.supports_slicing_ordering_in_compound:
            return prepared(**arguments)
        return [row for part in build(**arguments) for row in part]

    return run


def prepared_counts(
    build: Callable[..., Sequence[QuerySet[Any]]],
    *,
    values: Sequence[str] | Mapping[str, type],
    model: type[Model],
) -> Callable[..., tuple[int, ...]]:
    """Each queryset's count, stopping at `cap + 1` (a shape argument), of the
    querysets `build(**values, **shape)` returns: capped_counts, prepared."""

    def sql(*, cap: int, **arguments: Any) -> tuple[str, list[Any]]:
        return capped_counts_sql(build(**arguments), cap=cap)

    prepared = PreparedRow(sql, values=values, model=model, label=_label(build))
    return lambda **arguments: tuple(int(n) for n in prepared(**arguments))
