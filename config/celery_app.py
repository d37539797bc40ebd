import os

from celery import Celery, signals
from kombu import Queue

from accounts.request_log import request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ajar")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Sweeps on a queue of their own: a backlog of sends cannot starve them. A
# worker started without -Q consumes every queue listed here.
app.conf.task_queues = (Queue("celery"), Queue("reminders.sweep"))
app.conf.task_routes = {"reminders.tasks.sweep": {"queue": "reminders.sweep"}}
app.autodiscover_tasks()


# Every line a task logs carries its task id, as a request's lines carry theirs.
@signals.task_prerun.connect
def _tag_task_logs(task_id: str | None = None, **kwargs: object) -> None:
    request_id.set(task_id or "-")


@signals.task_postrun.connect
def _untag_task_logs(**kwargs: object) -> None:
    request_id.set("-")
