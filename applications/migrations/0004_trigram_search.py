"""Trigram indexes for the list's `q` search (icontains over role, location, notes,
the company's name and the letter's text) on PostgreSQL; SQLite keeps its plain
LIKE scan. Not in the models' Meta: SQLite has no GIN, so the migration checks the
database it runs on."""

from django.db import migrations

TRIGRAM_INDEXES = [
    ("application_role_trgm", "applications_application", "role"),
    ("application_location_trgm", "applications_application", "location"),
    ("application_notes_trgm", "applications_application", "notes"),
    ("company_name_trgm", "applications_company", "name"),
    ("rejection_letter_trgm", "applications_rejection", "letter_text"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAM_INDEXES:
        # UPPER(): Django's icontains on PostgreSQL is UPPER(col) LIKE UPPER(%s).
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("applications", "0003_board_and_list_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
