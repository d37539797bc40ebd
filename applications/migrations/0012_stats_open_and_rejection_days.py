"""Two more kinds of counters beside the stats page's (applications.summary):
open applications by board column ("o:<stage>") and rejections by the day
received ("x:<day>", "xf:<day>" at the final round), for the dashboard and the
insights. Every application's keys are recomputed, and the counters moved, by
the service that keeps them afterwards (as in 0009_stats_counts)."""

from django.db import migrations

BATCH = 2000


def fill(apps, schema_editor):
    from applications.services import application_stats_refresh

    Application = apps.get_model("applications", "Application")
    ids = Application.objects.order_by("pk").values_list("pk", flat=True)
    last = 0
    while batch := list(ids.filter(pk__gt=last)[:BATCH]):
        application_stats_refresh(application_ids=batch)
        last = batch[-1]


class Migration(migrations.Migration):
    dependencies = [("applications", "0011_dashboard_indexes")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
