"""Benchmark of the reminder engine on PostgreSQL, Redis and a local SMTP server.

    python -m bench.engine --sizes 10000,1000000 [--due 10000] [--users 1000]

For each size: seed that many applications, each with a rejection and a scheduled
reminder, `--due` of them due across `--users` users (SQL generate_series, timed);
time the claim transaction of one batch (median of several runs, plus EXPLAIN
ANALYZE of its candidate query and of the whole claim statement); then run the
production path end to end (Celery beat -> sweep task -> send tasks on a real
worker at concurrency 2 -> Django's SMTP backend -> aiosmtpd) until every due
reminder is sent, sampling the worker's summed PSS, and count duplicate
Message-IDs at the SMTP server.

It needs a database it may wipe: DATABASE_URL defaults to postgres:///ajar_bench and
must name a database whose name contains "bench". It starts its own Redis server
and SMTP server on free ports. Results are printed as Markdown and JSON.
"""

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from bench import database

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated row counts")
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--claim-runs", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--sweep-interval", type=float, default=2.0)
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument(
        "--recovery",
        type=int,
        default=5000,
        help="due reminders for the FLUSHALL-mid-drain run at the first size (0: skip)",
    )
    parser.add_argument("--chunk-size", type=int, default=None, help="AJAR_SEND_CHUNK_SIZE")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", "postgres:///ajar_bench")
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    return parser.parse_args(argv)


ARGS = parse_args()
# Refuses a name without "bench"; creates the database on a fresh machine.
database.ensure_database(ARGS.database_url)

LOG_LEVEL = os.environ.get("BENCH_LOG_LEVEL", "WARNING")
WORKDIR = Path(tempfile.mkdtemp(prefix="ajar-bench-"))
REDIS_PORT = free_port()
SMTP_PORT = free_port()
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": ARGS.database_url,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "EMAIL_URL": f"smtp://127.0.0.1:{SMTP_PORT}",
        "AJAR_DATA_DIR": str(WORKDIR),
        "AJAR_SWEEP_INTERVAL": str(ARGS.sweep_interval),
        **({"AJAR_SEND_CHUNK_SIZE": str(ARGS.chunk_size)} if ARGS.chunk_size else {}),
        "LOG_LEVEL": LOG_LEVEL,
        # The production code path: DEBUG off (no query log, cached templates).
        "DEBUG": "False",
        "SECRET_KEY": "bench-" + "x7Qp2v9LmZr4Tk8Wc1Ny6Hd3Fj5Bs0Ga" * 2,
        "ALLOWED_HOSTS": "localhost",
    }
)

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.reminder_seed import SEED_SQL  # noqa: E402
from reminders import engine  # noqa: E402
from reminders.models import Reminder, ReminderStatus  # noqa: E402

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class CountingHandler:
    """An SMTP sink that keeps only the Message-IDs it accepted."""

    def __init__(self):
        self.ids: list[bytes] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        match = MESSAGE_ID.search(envelope.original_content or envelope.content)
        with self.lock:
            self.ids.append(match.group(1) if match else b"")
        return "250 OK"


# --- Seeding ---------------------------------------------------------------------------------


def seed(rows: int, due: int, users: int) -> float:
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SEED_SQL, {"rows": rows, "due": due, "users": users, "now": timezone.now()})
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


# --- The claim ---------------------------------------------------------------------------------


def claim_timings(runs: int) -> tuple[list[float], int, str]:
    """Time claim_batch (SELECT ... FOR UPDATE SKIP LOCKED + the CAS UPDATE +
    COMMIT) for one batch, run after run. The enqueue that follows the commit
    is left out: it is the broker's time, measured end to end.

    Each run claims the next batch of the backlog, as successive sweeps do;
    the claims are undone only when the backlog has no full batch left, and
    at the end. (Undoing each claim before the next made every run claim the
    same rows again: each row then carried two more dead versions a run, and
    the ninth run read 22 buffers for each row's primary-key lookup.)"""
    publish = engine.enqueue_sends
    engine.enqueue_sends = lambda claim: 0
    timings, claimed, tokens = [], 0, []

    def undo() -> None:
        Reminder.objects.filter(claim_token__in=tokens).update(
            status=ReminderStatus.SCHEDULED,
            claim_token=None,
            claimed_at=None,
            lease_expires_at=None,
        )
        tokens.clear()

    try:
        for _ in range(runs):
            now = timezone.now()
            if engine.overdue(now).count() < settings.AJAR_SWEEP_BATCH_SIZE:
                undo()
            started = time.perf_counter()
            claim = engine.claim_batch(now=now)
            timings.append((time.perf_counter() - started) * 1000)
            claimed = len(claim.reminder_ids)
            tokens.append(claim.token)
    finally:
        undo()
        engine.enqueue_sends = publish
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(engine.CLAIM_PLAN_SQL)
        plan = (
            engine.overdue(timezone.now())
            .order_by("next_attempt_at")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("id", flat=True)[: settings.AJAR_SWEEP_BATCH_SIZE]
            .explain(analyze=True, buffers=True)
        )
        transaction.set_rollback(True)
    return timings, claimed, plan


def claim_plan() -> str:
    """EXPLAIN ANALYZE of the whole claim statement (the candidates, their
    locks and the UPDATE with its index entries), as claim_batch runs it, in
    a transaction rolled back: where the claim's time goes."""
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = engine.claim_statement(
            now=now,
            limit=settings.AJAR_SWEEP_BATCH_SIZE,
            token=uuid.uuid4(),
            until=now + settings.AJAR_DISPATCH_DEADLINE,
        )
        cursor.execute(engine.CLAIM_PLAN_SQL)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, WAL, COSTS OFF) " + sql, params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


# --- End to end --------------------------------------------------------------------------


def process_group_pss_kib(pgid: int) -> int:
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in (entry / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total


def process_group_cpu_seconds(pgid: int) -> float:
    """User + system CPU time of the live processes of a group (and their
    reaped children), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        except (OSError, ValueError, IndexError):
            continue
    return total / ticks


def start(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    except ProcessLookupError:
        pass


def redis_flush() -> None:
    subprocess.run(
        ["redis-cli", "-p", str(REDIS_PORT), "flushall"],
        check=True,
        capture_output=True,
        timeout=10,
    )


def end_to_end(
    due: int, handler: CountingHandler, label: str, timeout: float = 900, flush_at: float = 0
) -> dict:
    """The production path until `due` reminders are sent. With `flush_at`
    (a fraction), FLUSHALL once that share is sent, and time the recovery:
    seconds until the first email of a reminder whose send message was lost."""
    handler.ids.clear()
    flushed_at: float | None = None
    lost: list[int] = []
    recovery: float | None = None
    worker = start(
        ["worker", "-l", LOG_LEVEL, "-c", str(ARGS.concurrency), "-n", f"bench-{label}@%h",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        WORKDIR / f"worker-{label}.log",
    )  # fmt: skip
    # Let the worker settle before beat starts the clock.
    time.sleep(4)
    idle_pss = process_group_pss_kib(worker.pid)
    beat = start(
        ["beat", "-l", "WARNING", "--schedule", str(WORKDIR / f"beat-{label}")],
        WORKDIR / f"beat-{label}.log",
    )
    samples = []
    cpu_start = process_group_cpu_seconds(worker.pid)
    own_start = sum(os.times()[:2])
    deadline = time.monotonic() + timeout
    sent = 0
    try:
        while time.monotonic() < deadline:
            time.sleep(0.2 if flush_at else 0.5)
            samples.append(process_group_pss_kib(worker.pid))
            sent = Reminder.objects.filter(status=ReminderStatus.SENT).count()
            if flush_at and flushed_at is None and sent >= due * flush_at:
                redis_flush()
                flushed_at = time.monotonic()
                # Claimed, not started: their messages are gone with the flush.
                lost = list(
                    Reminder.objects.filter(
                        status=ReminderStatus.SENDING, attempt_started_at__isnull=True
                    ).values_list("id", flat=True)
                )
            if (
                lost
                and recovery is None
                and Reminder.objects.filter(id__in=lost, status=ReminderStatus.SENT).exists()
            ):
                recovery = time.monotonic() - (flushed_at or 0.0)
            if sent >= due:
                break
        worker_cpu = process_group_cpu_seconds(worker.pid) - cpu_start
        sink_cpu = sum(os.times()[:2]) - own_start
        load = Path("/proc/loadavg").read_text().split()[:3]
    finally:
        time.sleep(2 * ARGS.sweep_interval)  # any late duplicate would arrive now
        stop(beat)
        stop(worker)
    window = Reminder.objects.filter(status=ReminderStatus.SENT).order_by()
    first_claim = min(window.values_list("claimed_at", flat=True))
    last_sent = max(window.values_list("sent_at", flat=True))
    seconds = (last_sent - first_claim).total_seconds()
    ids = list(handler.ids)
    extra = (
        {"flush_lost_claims": len(lost), "flush_to_first_reclaimed_email_s": round(recovery, 2)}
        if flush_at and recovery is not None
        else {"flush_lost_claims": len(lost)}
        if flush_at
        else {}
    )
    return {
        **extra,
        "sent_rows": sent,
        "smtp_messages": len(ids),
        "duplicates": len(ids) - len(set(ids)),
        "seconds": round(seconds, 2),
        "emails_per_second": round(sent / seconds, 1) if seconds else None,
        # CPU per email in the worker (sweep, sends, Celery) and in this process
        # (mostly the SMTP sink); PostgreSQL's share is not counted.
        "worker_cpu_ms_per_email": round(worker_cpu * 1000 / sent, 2) if sent else None,
        "sink_and_bench_cpu_ms_per_email": round(sink_cpu * 1000 / sent, 2) if sent else None,
        "load_average_at_end": load,
        "worker_pss_idle_mib": round(idle_pss / 1024, 1),
        "worker_pss_peak_mib": round(max(samples) / 1024, 1) if samples else None,
        "worker_pss_median_mib": round(statistics.median(samples) / 1024, 1) if samples else None,
        "attempts_counted": Reminder.objects.filter(attempts__gt=0).count(),
        "other_statuses": dict(
            Reminder.objects.exclude(status__in=[ReminderStatus.SENT, ReminderStatus.SCHEDULED])
            .values_list("status")
            .annotate(n=Count("id"))
        ),
    }


def main() -> int:
    sizes = [int(s) for s in ARGS.sizes.split(",")]
    call_command("migrate", interactive=False, verbosity=0)
    redis = subprocess.Popen(
        ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(WORKDIR)],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    handler = CountingHandler()
    smtp = Controller(handler, hostname="127.0.0.1", port=SMTP_PORT)
    smtp.start()
    results = []
    try:
        for rows in sizes:
            print(f"== {rows:,} rows: seeding...", flush=True)
            seconds = seed(rows, ARGS.due, ARGS.users)
            print(f"   seeded in {seconds:.1f} s; timing the claim...", flush=True)
            timings, claimed, plan = claim_timings(ARGS.claim_runs)
            whole = claim_plan()
            result = {
                "rows": rows,
                "due": ARGS.due,
                "users": ARGS.users,
                "seed_seconds": round(seconds, 1),
                "claim_batch": claimed,
                "claim_ms_median": round(statistics.median(timings), 1),
                "claim_ms_all": [round(t, 1) for t in timings],
                "explain": plan,
                "explain_claim": whole,
            }
            print(f"   claim of {claimed}: median {result['claim_ms_median']} ms", flush=True)
            if not ARGS.skip_e2e:
                print("   end to end...", flush=True)
                result.update(end_to_end(ARGS.due, handler, label=str(rows)))
                print(
                    f"   {result['emails_per_second']} emails/s, duplicates "
                    f"{result['duplicates']}, PSS peak {result['worker_pss_peak_mib']} MiB",
                    flush=True,
                )
            results.append(result)
            if ARGS.recovery and not ARGS.skip_e2e and rows == sizes[0]:
                print(f"   FLUSHALL mid-drain ({ARGS.recovery} due)...", flush=True)
                seed(rows, ARGS.recovery, ARGS.users)
                recovery = end_to_end(ARGS.recovery, handler, label="flush", flush_at=0.5)
                recovery["rows"] = rows
                print(
                    f"   flush lost {recovery.get('flush_lost_claims')} claims; first reclaimed "
                    f"email after {recovery.get('flush_to_first_reclaimed_email_s')} s; "
                    f"duplicates {recovery['duplicates']}",
                    flush=True,
                )
                results[-1]["recovery"] = recovery
    finally:
        smtp.stop()
        redis.terminate()
        redis.wait(10)
    print_report(results)
    if ARGS.json:
        ARGS.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


def print_report(results: list[dict]) -> None:
    print(
        "\n| rows | seed (s) | claim of 1,000 (ms, median) | emails/s | duplicates "
        "| worker PSS peak (MiB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['rows']:,} | {r['seed_seconds']} | {r['claim_ms_median']} | "
            f"{r.get('emails_per_second', '-')} | {r.get('duplicates', '-')} | "
            f"{r.get('worker_pss_peak_mib', '-')} |"
        )
    for r in results:
        if "recovery" in r:
            rec = r["recovery"]
            print(
                f"\nFLUSHALL mid-drain at {r['rows']:,} rows: {rec.get('flush_lost_claims')} "
                f"claims lost, first reclaimed email after "
                f"{rec.get('flush_to_first_reclaimed_email_s')} s, all {rec['sent_rows']} sent, "
                f"{rec['duplicates']} duplicates, {rec['attempts_counted']} attempts counted."
            )
    print("\nEXPLAIN ANALYZE of the claim's candidate query at the largest size:\n")
    print(results[-1]["explain"])
    print("\nEXPLAIN ANALYZE of the whole claim statement at the largest size:\n")
    print(results[-1]["explain_claim"])
    plans = {"explain", "explain_claim"}
    print("\n" + json.dumps([{k: v for k, v in r.items() if k not in plans} for r in results],
                            default=str))  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
