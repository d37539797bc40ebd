"""Celery tasks: thin wrappers that take ids and call the engine.

No Celery retries here: every retry is a row in the database (DESIGN.md). The
engine publishes sends by task name (engine.SEND_TASK), so it never imports
this module. The sweep runs on a queue of its own (config/celery_app.py), so a
backlog of sends cannot hold it up.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

from celery import shared_task
from celery.signals import worker_process_shutdown
from django.db import DatabaseError
from django.utils import timezone

from reminders import cadence, digest, engine, mailer

logger = logging.getLogger(__name__)
# One warning when sweeps start failing on the database, not one per sweep.
_sweep_database_down = threading.Event()


@shared_task(name="reminders.tasks.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    try:
        result = engine.sweep(now=timezone.now())
    except DatabaseError as error:
        # Expected while PostgreSQL is away: the next sweep does the work.
        if not _sweep_database_down.is_set():
            _sweep_database_down.set()
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
            logger.warning("Sweeps skipped while the database is unreachable (%s).", first_line)
        return {"reclaimed": 0, "claimed": 0}
    if _sweep_database_down.is_set():
        _sweep_database_down.clear()
        logger.warning("Sweeps resumed: the database answers again.")
    return {"reclaimed": result.reclaimed, "claimed": result.claimed}


# The other periodic tasks, the same way: one warning per kind while the
# database is away, not a traceback every interval.
_cadence_database_down = threading.Event()
_digest_database_down = threading.Event()


def _unless_database_down(
    what: str, down: threading.Event, run: Callable[[], dict[str, int]]
) -> dict[str, int]:
    try:
        result = run()
    except DatabaseError as error:
        if not down.is_set():
            down.set()
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
            logger.warning("%s skipped while the database is unreachable (%s).", what, first_line)
        return {}
    if down.is_set():
        down.clear()
        logger.warning("%s resumed: the database answers again.", what)
    return result


@shared_task(name="reminders.tasks.advance_cadence", ignore_result=True)
def advance_cadence() -> dict:
    def run() -> dict[str, int]:
        result = cadence.cadence_advance(now=timezone.now())
        return {"scheduled": result.scheduled, "superseded": result.superseded}

    return _unless_database_down("Cadence advances", _cadence_database_down, run)


@shared_task(name="reminders.tasks.digest_sweep", ignore_result=True)
def digest_sweep() -> dict:
    def run() -> dict[str, int]:
        result = digest.digest_sweep(now=timezone.now())
        return {
            "reclaimed": result.reclaimed,
            "created": result.created,
            "claimed": len(result.claimed),
        }

    return _unless_database_down("Digest sweeps", _digest_database_down, run)


@shared_task(name="reminders.tasks.send_digest", ignore_result=True)
def send_digest(digest_id: int, token: str) -> str:
    return digest.digest_send(digest_id=digest_id, token=token)


@shared_task(name=engine.SEND_TASK, ignore_result=True)
def send_many(reminder_ids: list[int], token: str) -> list[str]:
    with _warm_sigterm():
        return engine.reminder_send_many(reminder_ids=reminder_ids, token=token)


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    """SIGTERM while sending (systemd signals the whole process group): finish
    the reminder being sent, give back the rest of the chunk, and let the
    main process's warm shutdown end this pool process."""
    engine.request_stop()


@contextlib.contextmanager
def _warm_sigterm() -> Iterator[None]:
    # Billiard's own SIGTERM handler exits the pool process at once, mid-send:
    # that was a duplicate when the server had just accepted the message.
    # Ours holds only while a chunk runs, and only where signals can be set.
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        # A stop asked for mid-chunk is the main process's warm shutdown: it
        # closes the pool once this task returns.
        signal.signal(signal.SIGTERM, previous)


@worker_process_shutdown.connect
def _close_smtp(**_kwargs: Any) -> None:
    mailer.close()
