"""One INSERT that gives way to a row another request is writing.

`get_or_create` inside a transaction needs a savepoint around its INSERT (a
unique violation would otherwise fail the whole transaction): three
statements. `INSERT ... ON CONFLICT DO NOTHING RETURNING id` is one, on
PostgreSQL and SQLite alike: when a concurrent transaction holds the same key,
it waits for it, then inserts nothing, and the caller reads that row.
"""

from typing import TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def insert_unless_conflict(obj: M) -> M | None:
    """INSERT `obj` (a new, unsaved instance), or nothing when a unique
    constraint already holds its key: the saved instance, or None. Sends no
    signals; for a model whose only unique constraints say "the same row"."""
    model = type(obj)
    meta = model._meta  # noqa: SLF001 (Django's documented Meta API)
    assert meta.pk is not None
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    values = [f.pre_save(obj, add=True) for f in fields]  # auto_now_add is set here
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608 (our own names)
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return model.from_db(
        connection.alias, [meta.pk.attname, *(f.attname for f in fields)], [row[0], *values]
    )
