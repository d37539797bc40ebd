"""Celery tasks: thin wrappers that take ids and call the engine.

No Celery retries here: every retry is a row in the database (DESIGN.md). The
engine publishes sends by task name (engine.SEND_TASK), so it never imports
this module. The sweep runs on a queue of its own (config/celery_app.py), so a
backlog of sends cannot hold it up.
"""

from __future__ import annotations

import os
import signal
from types import FrameType
from typing import Any

from celery import shared_task
from celery.signals import worker_process_init, worker_process_shutdown
from django.utils import timezone

from reminders import engine, mailer


@shared_task(name="reminders.tasks.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    result = engine.sweep(now=timezone.now())
    return {"reclaimed": result.reclaimed, "claimed": result.claimed}


@shared_task(name=engine.SEND_TASK, ignore_result=True)
def send_many(reminder_ids: list[int], token: str) -> list[str]:
    return engine.reminder_send_many(reminder_ids=reminder_ids, token=token)


def _on_sigterm(signum: int, _frame: FrameType | None) -> None:
    """A pool process asked to stop (systemd sends SIGTERM to the whole group).
    Mid-send: finish the reminder being sent, give back the rest of the chunk,
    and let the main process's warm shutdown end us. Idle: stop now."""
    if engine.is_sending():
        engine.request_stop()
        return
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


@worker_process_init.connect
def _warm_sigterm(**_kwargs: Any) -> None:
    # Celery resets SIGTERM to the default (die at once) in pool processes;
    # that is what turned a group SIGTERM into a duplicate.
    signal.signal(signal.SIGTERM, _on_sigterm)


@worker_process_shutdown.connect
def _close_smtp(**_kwargs: Any) -> None:
    mailer.close()
