"""The nine proofs of the reminder engine, against real processes.

Each test gets its own Redis server and SMTP server on free ports; Celery workers
and beats run as subprocesses in process groups of their own, on the pytest test
database. Settings are shrunk (tests/engine/processes.py, Stack): a 1 s sweep,
a 2 s lease, backoffs of 1.2, 2.4 and 4.8 s, 3 attempts, batches of 25.
"""

import datetime
import os
import signal
import statistics
import time

import pytest
from django.utils import timezone

from reminders.emails import message_id_for
from reminders.models import Reminder, ReminderStatus
from tests.engine.conftest import (
    assert_each_delivered_once,
    seed,
    statuses,
    wait_sent,
)
from tests.engine.processes import pid_of_client, wait_until

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


# 1. -------------------------------------------------------------------------------


def test_due_reminders_are_delivered_once_each_and_none_early(stack):
    now = timezone.now()
    due_now = seed(40, due_at=now - datetime.timedelta(seconds=1), users=4)
    # Falling due while the stack runs: none may arrive before its time.
    soon = seed(20, due_at=lambda i: now + datetime.timedelta(seconds=4 + i % 3), users=2)
    later = seed(3, due_at=now + datetime.timedelta(hours=1), users=1)
    assert len(due_now) + len(soon) > stack.BATCH_SIZE
    stack.start()

    wait_sent(due_now + soon, timeout=40)
    assert_each_delivered_once(stack.smtp, due_now + soon)
    received = {r.message_id: r.at for r in stack.smtp.handler.received}
    lateness = []
    for reminder in due_now + soon:
        reminder.refresh_from_db()
        accepted = received[message_id_for(reminder)]
        assert accepted >= reminder.due_at.timestamp(), "sent before it was due"
        assert reminder.sent_at >= reminder.due_at
        lateness.append(accepted - reminder.due_at.timestamp())
    p99 = statistics.quantiles(lateness, n=100)[98]
    assert p99 <= stack.SWEEP_INTERVAL + 60
    print(f"lateness p99 {p99:.2f} s, max {max(lateness):.2f} s")
    assert statuses(later) == {ReminderStatus.SCHEDULED: 3}


# 2. -------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["pool child", "worker group"])
@pytest.mark.parametrize(
    ("point", "copies"),
    [
        # Claimed, the SMTP conversation begun, nothing of the message sent yet.
        ("MAIL", 1),
        # The whole message transferred, the server has not accepted it.
        ("DATA", 1),
        # Accepted by the server; "sent" not committed yet: the documented window.
        ("QUIT", 2),
    ],
)
def test_a_worker_killed_mid_send_loses_nothing(stack, point, copies, target):
    handler = stack.smtp.handler
    handler.hold_at = point
    (reminder,) = seed(1)
    worker, _beat = stack.start()

    wait_until(handler.held.is_set, 20, what=f"the send to reach {point}")
    Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.SENDING).get()
    if target == "pool child":
        child = pid_of_client(handler.held_peer[1])
        assert child != worker.pid
        os.kill(child, signal.SIGKILL)
    else:
        worker.kill_group()
    handler.release()
    if target == "worker group":
        stack.worker()

    # The dead send's lock went with its connection; the lease expires and a
    # later sweep claims and sends it again.
    wait_sent([reminder], timeout=30)
    time.sleep(stack.SWEEP_INTERVAL * 1.5)  # nothing more follows
    ids = handler.message_ids()
    assert ids == [message_id_for(reminder)] * copies
    reminder.refresh_from_db()
    assert reminder.attempts == 1  # the reclaim counted the lost attempt
