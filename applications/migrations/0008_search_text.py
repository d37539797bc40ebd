"""Application.search_text: the list's `q` search in one column with one trigram
index, instead of five ORed columns over three tables that no index could serve.
Filled in for every existing application, in batches; the per-column trigram
indexes it replaces go (the role's and the company name's stay: the pickers
search those)."""

from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat, Substr

BATCH = 5000
# As applications.services.SEARCH_LETTER_CHARS when this was written: a
# migration keeps its own copy, so later changes to the services cannot alter it.
LETTER_CHARS = 4000
REPLACED_INDEXES = [
    ("application_location_trgm", "applications_application", "location"),
    ("application_notes_trgm", "applications_application", "notes"),
    ("rejection_letter_trgm", "applications_rejection", "letter_text"),
]


def backfill(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    Company = apps.get_model("applications", "Company")
    Rejection = apps.get_model("applications", "Rejection")
    company_name = Company.objects.filter(pk=OuterRef("company_id")).values("name")[:1]
    letter = Rejection.objects.filter(application=OuterRef("pk")).values(
        text=Substr("letter_text", 1, LETTER_CHARS)
    )[:1]
    line = Value("\n")
    text = Concat(
        F("role"),
        line,
        Coalesce(Subquery(company_name), Value("")),
        line,
        F("location"),
        line,
        F("notes"),
        line,
        Coalesce(Subquery(letter), Value("")),
        output_field=TextField(),
    )
    ids = Application.objects.order_by("pk").values_list("pk", flat=True)
    last = 0
    while True:
        batch = list(ids.filter(pk__gt=last)[:BATCH])
        if not batch:
            break
        Application.objects.filter(pk__gte=batch[0], pk__lte=batch[-1]).update(search_text=text)
        last = batch[-1]


def index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # UPPER(): Django's icontains on PostgreSQL is UPPER(col) LIKE UPPER(%s).
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS application_search_trgm ON applications_application "
        "USING gin (UPPER(search_text) gin_trgm_ops)"
    )
    for name, _table, _column in REPLACED_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def unindex(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS application_search_trgm")
    for name, table, column in REPLACED_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("applications", "0007_attachment_enclosed_files")]

    operations = [
        migrations.AddField(
            model_name="application",
            name="search_text",
            field=models.TextField(blank=True, db_default="", default="", editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(index, unindex, elidable=False),
    ]
