"""Rejection.user (its application's user, on the row) and the index the
insights count from, filled in for every existing rejection in batches."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

BATCH = 5000


def fill(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    Rejection = apps.get_model("applications", "Rejection")
    owner = Application.objects.filter(pk=OuterRef("application_id")).values("user_id")[:1]
    ids = Rejection.objects.order_by("pk").values_list("pk", flat=True)
    last = 0
    while batch := list(ids.filter(pk__gt=last)[:BATCH]):
        Rejection.objects.filter(pk__gte=batch[0], pk__lte=batch[-1]).update(
            user_id=Subquery(owner)
        )
        last = batch[-1]


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0009_stats_counts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="rejection",
            name="user",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="rejection",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddIndex(
            model_name="rejection",
            index=models.Index(
                fields=["user", "-received_on", "-id", "stage_reached"],
                name="rejection_user_received_idx",
            ),
        ),
    ]
