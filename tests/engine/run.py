"""Engine commands run in a process of their own by the fault tests.

python -m tests.engine.run sweep [--barrier DIR] [--duplicate]
python -m tests.engine.run log-rejection USER_ID DAYS_AGO
"""

import json
import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.utils import timezone  # noqa: E402

from reminders import engine  # noqa: E402


def sweep(args: list[str]) -> None:
    if "--barrier" in args:
        # Both processes are loaded and waiting; the test releases them together.
        barrier = Path(args[args.index("--barrier") + 1])
        (barrier / f"ready-{os.getpid()}").touch()
        while not (barrier / "go").exists():
            time.sleep(0.001)
    result = engine.sweep(now=timezone.now())
    claimed = [[rid, str(c.token)] for c in result.batches for rid in c.reminder_ids]
    if "--duplicate" in args:
        # Each send message published a second time, as a broker redelivery would.
        for claim in result.batches:
            engine.enqueue_sends(claim)
    print(json.dumps({"claimed": claimed, "reclaimed": result.reclaimed}))


def log_rejection(args: list[str]) -> None:
    import datetime

    from accounts.models import User
    from applications.models import Stage
    from reminders.services import rejection_log

    user = User.objects.get(pk=int(args[0]))
    started = time.monotonic()
    result = rejection_log(
        user=user,
        stage_reached=Stage.INTERVIEW,
        company_name="Initech",
        role="Platform engineer",
        received_on=timezone.localdate() - datetime.timedelta(days=int(args[1])),
    )
    print(json.dumps({"reminder": result.reminder.pk, "seconds": time.monotonic() - started}))


def seed(args: list[str]) -> None:
    from tests.engine.conftest import seed as seed_reminders

    print(json.dumps([r.pk for r in seed_reminders(int(args[0]))]))


if __name__ == "__main__":
    commands = {"sweep": sweep, "log-rejection": log_rejection, "seed": seed}
    commands[sys.argv[1]](sys.argv[2:])
