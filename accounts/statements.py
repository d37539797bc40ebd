"""PostgreSQL prepared statements for accounts.prepared's queries.

A page's hottest queries are compiled once a process (accounts/prepared.py),
but PostgreSQL still parsed and planned each of them on every request: on the
Reminders page, planning its queries took twice as long as running them. Here
such a query becomes a prepared statement of the connection, once: its
constants (statuses, limits, a section's name) are written into the
statement, so that PostgreSQL can prove which partial index a query may read,
and only its values (the user's id, the time, a list of ids) are parameters.
The connection plans each statement once, on its first run
(`plan_cache_mode = force_generic_plan`, config/settings.py): left to choose,
PostgreSQL planned the Reminders page's counts on every call.

One plan for every account: a query whose best plan depends on how many rows
the account holds is not prepared here (accounts.prepared's
`plan_once=False`). The one plan would be the average account's, and read
every row of a large one through its user index.

A prepared statement lives as long as its connection, and
AJAR_PREPARED_STATEMENTS turns them off: behind a pooler that hands each
transaction to another server session, the next one would not find it.
"""

import datetime
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

# The type each value's parameter is declared with, by the value's own type
# (exactly: a bool is not an int here). A text value's type is PostgreSQL's
# to infer from where it stands, as it infers a quoted literal's.
_TYPES: dict[type, str] = {
    bool: "boolean",
    int: "bigint",
    str: "unknown",
    datetime.datetime: "timestamptz",
    datetime.date: "date",
}
_PLACEHOLDER = re.compile(r"%%|%s")
_UNSAFE = re.compile(r"[^a-z0-9]+")
_NUMBERS = itertools.count(1)
# Each statement's SQL by its name, for the query log's readers (sql_of).
_SQL: dict[str, str] = {}
# On a connection's wrapper (one a thread): its connection and the names of
# the statements prepared on it.
_HELD = "ajar_prepared_statements"


@dataclass(frozen=True)
class Statement:
    """A compiled query as a prepared statement of each connection that runs it."""

    name: str
    prepare: str
    execute: str
    indexes: tuple[int, ...]  # the compiled parameters that carry values, in order

    def run(self, cursor: Any, params: Sequence[Any]) -> None:
        """Execute it on `cursor` (Django's), preparing it first on a
        connection that does not hold it yet."""
        db: BaseDatabaseWrapper = cursor.db
        raw = db.connection
        held: tuple[Any, set[str]] | None = getattr(db, _HELD, None)
        if held is None or held[0] is not raw:
            # A new connection holds none (the old one's went with it).
            held = (raw, set())
            setattr(db, _HELD, held)
        if self.name not in held[1]:
            # Set-up of the connection, not a query of the page: not logged.
            with db.wrap_database_errors, raw.cursor() as setup:
                setup.execute(self.prepare)
            # A rolled-back transaction keeps it: PREPARE is not transactional.
            held[1].add(self.name)
        cursor.execute(self.execute, [params[index] for index in self.indexes])


def statement_for(
    sql: str,
    params: Sequence[Any],
    value_indexes: Sequence[int],
    *,
    using: str,
    label: str,
) -> Statement | None:
    """The prepared statement of Django's compiled `sql`, whose parameters at
    `value_indexes` carry the values (the rest are constants, written into
    it); None where statements are not prepared, or a value has no type here."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not settings.AJAR_PREPARED_STATEMENTS:
        return None
    indexes = sorted(set(value_indexes))
    types = [_TYPES.get(type(params[index])) for index in indexes]
    if None in types:
        return None
    numbers = {index: n for n, index in enumerate(indexes, start=1)}
    place = itertools.count()
    connection.ensure_connection()
    with connection.connection.cursor() as raw:

        def replace(match: re.Match[str]) -> str:
            if match.group() == "%%":
                return "%"
            index = next(place)
            if index in numbers:
                return f"${numbers[index]}"
            return raw.mogrify("%s", [params[index]]).decode()

        text = _PLACEHOLDER.sub(replace, sql)
    # Named for what it reads, for whoever reads pg_stat_statements or the log.
    name = f"ajar_{_UNSAFE.sub('_', label.lower()).strip('_')[:40]}_{next(_NUMBERS)}"
    _SQL[name] = text
    declared = f" ({', '.join(types)})" if indexes else ""  # type: ignore[arg-type]
    arguments = f" ({', '.join(['%s'] * len(indexes))})" if indexes else ""
    return Statement(
        name,
        f"PREPARE {name}{declared} AS {text}",
        f"EXECUTE {name}{arguments}",
        tuple(indexes),
    )


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    """`text` split at each `separator` that stands outside quotes and brackets."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(text):
        if char == "'":
            quoted = not quoted  # '' inside a literal toggles twice
        elif quoted:
            continue
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


_EXECUTED = re.compile(r"EXECUTE (ajar_\w+)(?: \((.*)\))?\Z", re.DOTALL)


def sql_of(logged: str) -> str:
    """The SQL a logged query ran (CaptureQueriesContext, connection.queries):
    for an EXECUTE of a statement prepared here, the statement's SQL with the
    values it was run with; any other query as it was logged."""
    match = _EXECUTED.match(logged)
    if match is None or match.group(1) not in _SQL:
        return logged
    values = [v.strip() for v in _split_outside_quotes(match.group(2) or "", ",")]
    # Each $n outside the statement's literals (the pieces at even places).
    pieces = _SQL[match.group(1)].split("'")
    for i in range(0, len(pieces), 2):
        pieces[i] = re.sub(r"\$(\d+)", lambda m: values[int(m.group(1)) - 1], pieces[i])
    return "'".join(pieces)
