"""The stats page's counters (StatsCount) and what each application adds to
them (Application.stats_keys), counted for every existing application.

The fill calls the service that keeps them afterwards, so the two can never
disagree; it reads and writes only columns that exist at this migration
(named in its values_list, stats_keys and the counters' table)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


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
    dependencies = [
        ("applications", "0008_search_text"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="stats_keys",
            field=models.JSONField(
                blank=True,
                db_default=models.Value([], models.JSONField()),
                default=list,
                editable=False,
            ),
        ),
        migrations.CreateModel(
            name="StatsCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=40)),
                ("n", models.IntegerField(default=0)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("user", "key"), name="stats_count_unique_key")
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
