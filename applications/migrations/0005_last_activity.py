"""Application.last_activity_on, the dashboard's "quiet" applications from an
index, filled in from the history of every existing application."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import DateField, F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest, TruncDate

BATCH = 5000


def backfill(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    StageEvent = apps.get_model("applications", "StageEvent")
    Interaction = apps.get_model("contacts", "Interaction")
    last_event = (
        StageEvent.objects.filter(application=OuterRef("pk"))
        .order_by()
        .values("application")
        .annotate(on=Max("occurred_on"))
        .values("on")
    )
    last_talk = (
        Interaction.objects.filter(application=OuterRef("pk"))
        .order_by()
        .values("application")
        .annotate(on=Max("occurred_on"))
        .values("on")
    )
    fallback = Coalesce(F("applied_on"), TruncDate("created_at", output_field=DateField()))
    activity = Greatest(
        Coalesce(Subquery(last_event), fallback), Coalesce(Subquery(last_talk), fallback), fallback
    )
    ids = Application.objects.order_by("pk").values_list("pk", flat=True)
    last = 0
    while True:
        batch = list(ids.filter(pk__gt=last)[:BATCH])
        if not batch:
            break
        Application.objects.filter(pk__gte=batch[0], pk__lte=batch[-1]).update(
            last_activity_on=activity
        )
        last = batch[-1]


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0004_trigram_search"),
        # The conversations are read to find each application's last news.
        ("contacts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="last_activity_on",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(
                condition=models.Q(("outcome", "open")),
                fields=["user", "last_activity_on", "id"],
                name="application_quiet_idx",
            ),
        ),
    ]
