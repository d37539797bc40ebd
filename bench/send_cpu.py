"""The CPU of the per-email send path, in one process (no Celery, no beat).

    python -m bench.send_cpu --database-url postgres:///ajar_bench_cpu [--emails 1000]
        [--chunk 10] [--profile out.prof]

Seeds `--emails` due reminders (bench.engine's seed), claims them with the
engine's claim, then runs `engine.reminder_send_many` on chunks of `--chunk`
exactly as the send task does, against an SMTP sink in another process
(aiosmtpd's Sink handler), so that the SMTP client's CPU is counted and the
sink's is not. Prints the process CPU time per email (time.process_time()) and
the wall time; with `--profile`, a cProfile of the sends.

Where the worker's CPU goes is a property of the code, not of the machine's
load (CPU time inflates a little under contention; wall time a lot): this is
the figure to compare before and after a change to the send path.
"""

import argparse
import cProfile
import os
import socket
import subprocess
import sys
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--chunk", type=int, default=None, help="AJAR_SEND_CHUNK_SIZE")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--profile", type=Path)
    return parser.parse_args(argv)


def seed_and_claim(emails: int, users: int, size: int) -> list:
    """Seed `emails` due reminders, claim them all; the chunks a sweep would publish."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.reminder_seed import SEED_SQL
    from reminders import engine

    call_command("migrate", interactive=False, verbosity=0)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            SEED_SQL, {"rows": emails, "due": emails, "users": users, "now": timezone.now()}
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    claims: list = []
    engine.enqueue_sends = claims.append  # type: ignore[assignment]
    now = timezone.now()
    while engine.claim_batch(now=now):
        pass
    return [
        (claim.token, claim.reminder_ids[i : i + size])
        for claim in claims
        for i in range(0, len(claim.reminder_ids), size)
    ]


def main() -> int:
    args = parse_args()
    if not args.database_url or "bench" not in args.database_url.rsplit("/", 1)[-1]:
        sys.exit("--database-url must name a database whose name contains 'bench'.")
    port = _free_port()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": args.database_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
            "DEBUG": "False",
            "SECRET_KEY": "bench-" + "x7Qp2v9LmZr4Tk8Wc1Ny6Hd3Fj5Bs0Ga" * 2,
            "ALLOWED_HOSTS": "localhost",
            **({"AJAR_SEND_CHUNK_SIZE": str(args.chunk)} if args.chunk else {}),
        }
    )
    import django

    django.setup()
    from django.conf import settings

    from reminders import engine, mailer
    from reminders.models import Reminder, ReminderStatus

    size = max(1, settings.AJAR_SEND_CHUNK_SIZE)
    chunks = seed_and_claim(args.emails, args.users, size)
    sink = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
         "-l", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        # One chunk to warm up (imports, template compilation, the connection).
        token, ids = chunks[0]
        engine.reminder_send_many(reminder_ids=ids, token=token)
        # CPU time, not wall time: waiting on PostgreSQL and the sink is not counted.
        profile = cProfile.Profile(time.process_time) if args.profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profile:
            profile.enable()
        for token, ids in chunks[1:]:
            engine.reminder_send_many(reminder_ids=ids, token=token)
        if profile:
            profile.disable()
            profile.dump_stats(args.profile)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        mailer.close()
    finally:
        sink.terminate()
        sink.wait(10)
    timed = sum(len(ids) for _token, ids in chunks[1:])
    sent = Reminder.objects.filter(status=ReminderStatus.SENT).count()
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(
        f"{timed} emails timed ({sent} sent in all), chunk {size}: "
        f"{cpu * 1000 / timed:.2f} ms CPU per email, {wall * 1000 / timed:.2f} ms wall; "
        f"load average {' '.join(load)}"
    )
    return 0 if sent == args.emails else 1


if __name__ == "__main__":
    sys.exit(main())
