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

`PreparedQuery` turns the rows into model instances as iterating the queryset
would (the compiler's converters, `Model.from_db`, select_related rows cached on
their foreign key); `PreparedRow` runs SQL a builder wrote and returns its one row.
The SQL is the same the ORM would send, so SQLite and PostgreSQL both work.
"""

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=Model)
# No id, count or choice value is ever one of these.
STAND_INS = (-1_987_654_321, -1_987_654_323, -1_987_654_327, -1_987_654_329)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    # The parameters that carry a value: (its index, the value's name).
    slots: tuple[tuple[int, str], ...]
    using: str
    compiler: SQLCompiler | None = None

    def params_for(self, values: dict[str, Any]) -> list[Any]:
        params = list(self.params)
        for index, name in self.slots:
            params[index] = values[name]
        return params


class _Prepared:
    def __init__(self, build: Callable[..., Any], *, values: Sequence[str]) -> None:
        if len(values) > len(STAND_INS):
            raise ValueError("more values than stand-ins")
        self.build = build
        self.values = tuple(values)
        self._compiled: dict[Hashable, _Compiled] = {}

    def _split(self, arguments: dict[str, Any]) -> tuple[dict[str, Any], Hashable]:
        missing = set(self.values) - arguments.keys()
        if missing:
            raise TypeError(f"missing values: {sorted(missing)}")
        values = {name: arguments[name] for name in self.values}
        shape = tuple(sorted((k, v) for k, v in arguments.items() if k not in values))
        return values, shape

    def _stand_ins(self) -> dict[str, int]:
        return dict(zip(self.values, STAND_INS, strict=False))

    def _slots(self, params: Sequence[Any], stand_ins: dict[str, int]) -> tuple:
        names = {number: name for name, number in stand_ins.items()}
        slots = tuple(
            (index, names[param])
            for index, param in enumerate(params)
            if type(param) is int and param in names
        )
        unused = set(stand_ins) - {name for _, name in slots}
        if unused:
            # A value inlined into the SQL (or not used) would be run with the stand-in.
            raise ValueError(f"the built query holds no parameter for {sorted(unused)}")
        return slots


class PreparedQuery(_Prepared, Generic[M]):
    """A queryset `build(**values, **shape)` returns, compiled once per shape;
    calling it returns the queryset's instances for the given values."""

    def _compile(self, shape: Hashable, arguments: dict[str, Any]) -> _Compiled:
        compiled = self._compiled.get(shape)
        if compiled is None:
            stand_ins = self._stand_ins()
            queryset: QuerySet[M] = self.build(**{**arguments, **stand_ins})
            compiler = queryset.query.get_compiler(using=queryset.db)
            sql, params = compiler.as_sql()
            slots = self._slots(params, stand_ins)
            compiled = _Compiled(sql, tuple(params), slots, queryset.db, compiler)
            self._compiled[shape] = compiled
        return compiled

    def __call__(self, **arguments: Any) -> list[M]:
        values, shape = self._split(arguments)
        compiled = self._compile(shape, arguments)
        compiler = compiled.compiler
        assert compiler is not None
        db = compiled.using
        with connections[db].cursor() as cursor:
            cursor.execute(compiled.sql, compiled.params_for(values))
            rows = cursor.fetchall()
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
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


class PreparedRow(_Prepared):
    """SQL and parameters `build(**values, **shape)` writes, kept once per shape;
    calling it returns the one row the SQL selects for the given values."""

    def __init__(
        self,
        build: Callable[..., tuple[str, Sequence[Any]]],
        *,
        values: Sequence[str],
        model: type[Model],
    ) -> None:
        super().__init__(build, values=values)
        self.model = model

    def __call__(self, **arguments: Any) -> tuple[Any, ...]:
        values, shape = self._split(arguments)
        compiled = self._compiled.get(shape)
        if compiled is None:
            stand_ins = self._stand_ins()
            sql, params = self.build(**{**arguments, **stand_ins})
            using = router.db_for_read(self.model)
            compiled = _Compiled(sql, tuple(params), self._slots(params, stand_ins), using)
            self._compiled[shape] = compiled
        with connections[compiled.using].cursor() as cursor:
            cursor.execute(compiled.sql, compiled.params_for(values))
            row = cursor.fetchone()
        return tuple(row)
