"""The raw messages of drafts compressed with lz4 on PostgreSQL 14+ (when the
server has it): pglz, the default, costs the database several times the CPU
to compress mail, and an mbox upload stores thousands of messages at once."""

from django.db import DatabaseError, migrations, transaction

COLUMNS = [("inbox_inboundmessage", "raw")]


def _alter(apps, schema_editor, method: str) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    quote = schema_editor.quote_name
    for table, column in COLUMNS:
        try:
            # A server built without lz4 refuses it: the default stays.
            with transaction.atomic(using=connection.alias):
                schema_editor.execute(
                    f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} "
                    f"SET COMPRESSION {method}"
                )
        except DatabaseError:
            return


def to_lz4(apps, schema_editor):
    _alter(apps, schema_editor, "lz4")


def to_default(apps, schema_editor):
    _alter(apps, schema_editor, "pglz")


class Migration(migrations.Migration):
    dependencies = [("inbox", "0001_initial")]

    operations = [migrations.RunPython(to_lz4, to_default, elidable=True)]
