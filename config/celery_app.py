import os

from celery import Celery, signals

from accounts.request_log import request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ajar")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Every line a task logs carries its task id, as a request's lines carry theirs.
@signals.task_prerun.connect
def _tag_task_logs(task_id: str | None = None, **kwargs: object) -> None:
    request_id.set(task_id or "-")


@signals.task_postrun.connect
def _untag_task_logs(**kwargs: object) -> None:
    request_id.set("-")
