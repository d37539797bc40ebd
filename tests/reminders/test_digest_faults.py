"""The digest's fault proof, against real processes (the engine's harness):
kill the worker while a digest is being sent; every item arrives once.

Real Celery worker and beat, Redis and an SMTP server (aiosmtpd) on free
ports, the pytest PostgreSQL database; settings shrunk as in tests/engine.
"""

import datetime
import os
import signal

import pytest
from django.utils import timezone

from reminders.digest import message_id_for_digest
from reminders.models import Digest, DigestStatus, Reminder, ReminderSettings, ReminderStatus
from tests.engine.conftest import (  # noqa: F401  (stack: the harness's fixture)
    seed,
    settle,
    stack,
    statuses,
)
from tests.engine.processes import pid_of_client, wait_until

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


def _digest_user_with_due_steps(count: int) -> list[Reminder]:
    now = timezone.now()
    items = seed(count, due_at=now - datetime.timedelta(minutes=2), users=1)
    # A daily digest whose time (in the user's zone, UTC) has just passed.
    ReminderSettings.objects.filter(user_id=items[0].user_id).update(
        digest_mode="daily", send_time=(now - datetime.timedelta(minutes=1)).time()
    )
    return items


@pytest.mark.parametrize(
    ("point", "copies", "target"),
    [
        # Claimed, the SMTP conversation begun, nothing of the message sent yet
        # (the pool child case; killing the group there proves nothing more).
        ("MAIL", 1, "pool child"),
        # The whole digest transferred, not yet accepted by the server.
        ("DATA", 1, "pool child"),
        ("DATA", 1, "worker group"),
        # Accepted; "sent" not committed: the documented window, same Message-ID.
        ("ACCEPTED", 2, "pool child"),
        ("ACCEPTED", 2, "worker group"),
    ],
)
def test_a_worker_killed_mid_digest_loses_no_item_and_sends_none_twice(
    stack,  # noqa: F811
    point,
    copies,
    target,
):
    handler = stack.smtp.handler
    handler.hold_at = point
    items = _digest_user_with_due_steps(4)
    worker, _beat = stack.start()

    wait_until(handler.held.is_set, 30, what=f"the digest send to reach {point}")
    digest = Digest.objects.get()
    assert digest.status == DigestStatus.SENDING
    assert statuses(items) == {ReminderStatus.SENDING: 4}
    if target == "pool child":
        os.kill(pid_of_client(handler.held_peer[1]), signal.SIGKILL)
    else:
        worker.kill_group()
    wait_until(handler.held_client_gone.is_set, 10, what="the server to see the client die")
    handler.release()
    if target == "worker group":
        stack.worker()

    wait_until(lambda: statuses(items)[ReminderStatus.SENT] == 4, 40, 0.2, "every item to be sent")
    settle(stack, sweeps=3)  # nothing more follows
    assert handler.message_ids() == [message_id_for_digest(digest)] * copies
    assert {r.subject for r in handler.received} == {"Today in Ajar: 4 doors to knock on"}
    assert Digest.objects.count() == 1  # the same digest, resent: no item in two
    assert set(Reminder.objects.values_list("digest_id", flat=True)) == {digest.pk}
    digest.refresh_from_db()
    assert (digest.status, digest.attempts) == (DigestStatus.SENT, 1)
