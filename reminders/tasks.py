"""Celery tasks: thin wrappers that take ids and call the engine.

No Celery retries here: every retry is a row in the database (DESIGN.md).
"""

from celery import shared_task
from celery.signals import worker_process_shutdown
from django.utils import timezone

from reminders import cadence, digest, engine, mailer


@shared_task(name="reminders.tasks.sweep", ignore_result=True)
def sweep() -> dict:
    result = engine.sweep(now=timezone.now())
    return {"reclaimed": result.reclaimed, "claimed": result.claimed}


@shared_task(name="reminders.tasks.advance_cadence", ignore_result=True)
def advance_cadence() -> dict:
    result = cadence.cadence_advance(now=timezone.now())
    return {"scheduled": result.scheduled, "superseded": result.superseded}


@shared_task(name="reminders.tasks.digest_sweep", ignore_result=True)
def digest_sweep() -> dict:
    result = digest.digest_sweep(now=timezone.now())
    return {
        "reclaimed": result.reclaimed,
        "created": result.created,
        "claimed": len(result.claimed),
    }


@shared_task(name="reminders.tasks.send_digest", ignore_result=True)
def send_digest(digest_id: int, token: str) -> str:
    return digest.digest_send(digest_id=digest_id, token=token)


@shared_task(name="reminders.tasks.send", ignore_result=True)
def send(reminder_id: int, token: str) -> str:
    return engine.reminder_send(reminder_id=reminder_id, token=token)


@shared_task(name="reminders.tasks.send_many", ignore_result=True)
def send_many(reminder_ids: list[int], token: str) -> list[str]:
    return engine.reminder_send_many(reminder_ids=reminder_ids, token=token)


@worker_process_shutdown.connect
def _close_smtp(**_kwargs) -> None:
    mailer.close()
