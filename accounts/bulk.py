"""Writing many rows' own values at once, for the services that work in bulk."""

from collections.abc import Sequence
from typing import Any, cast

from django.db import connection, models

BATCH = 1000


def update_rows(model: type[models.Model], objs: Sequence[models.Model], fields: list[str]) -> None:
    """Save `fields` of each of `objs` (rows that exist), each row its own values.

    On PostgreSQL one `UPDATE … FROM (VALUES …)` per thousand rows: Django's
    bulk_update writes a CASE per row and column, which PostgreSQL walks for
    every row (seconds at a few thousand). Elsewhere (SQLite), bulk_update.
    An auto_now field named in `fields` is written as the caller set it.
    """
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, fields, batch_size=500)  # noqa: SLF001
        return
    opts = model._meta  # noqa: SLF001 (Django's documented Meta API)
    columns = [cast("models.Field[Any, Any]", opts.get_field(name)) for name in fields]
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    pk = opts.pk
    assert pk is not None  # every model has one
    names = [quote(f.column) for f in columns]
    casts = [f"%s::{f.db_type(connection)}" for f in [pk, *columns]]
    row_sql = "(" + ", ".join(casts) + ")"
    assignments = ", ".join(f"{n} = v.{n}" for n in names)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BATCH):
            chunk = objs[start : start + BATCH]
            params: list[Any] = []
            for obj in chunk:
                params.append(pk.get_db_prep_save(obj.pk, connection))
                params.extend(
                    f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns
                )
            # The model's own table and column names; every value is a parameter.
            sql = (
                f"UPDATE {table} SET {assignments} "  # noqa: S608
                f"FROM (VALUES {', '.join([row_sql] * len(chunk))})"
                f" AS v(id, {', '.join(names)}) WHERE {table}.{quote(pk.column)} = v.id"
            )
            cursor.execute(sql, params)
