"""Benchmark: the import of 5,000 rows, and the backup and restore of a large account.

    DATABASE_URL=postgres:///ajar python -m bench.data [--rows 5000] [--applications 5000]
        [--attachments-mb 10,100]

1. Import: writes a 5,000-row CSV (a spreadsheet of one's own: company, role,
   applied date, status, a contact for a third of the rows, notes; a fifth of
   the rows rejected, some ghosted), then times `manage.py import_applications`
   end to end in-process (read, sniff, map, plan, write in one transaction,
   every rejection through rejection_log) into an empty account.
2. Backup and restore: seeds two accounts of --applications applications with
   their history, rejections, contacts and circle-backs, one with 10 MB of
   letter attachments and one with 100 MB; then, each in a fresh child process,
   exports the account to a zip file and restores that zip into an empty
   account, reporting the time and the child's peak RSS. Memory is flat when
   the peak for 100 MB is within 10% of the peak for 10 MB.

Creates a throw-away database next to DATABASE_URL's (like the test suite) and
drops it at the end.
"""

import argparse
import datetime
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STATUSES = ["Applied"] * 40 + ["Phone screen"] * 10 + ["Interviewing"] * 10 + ["Rejected"] * 20
STATUSES += ["No response"] * 10 + ["Offer"] * 3 + ["Withdrawn"] * 4 + ["Saved"] * 3


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False


def spreadsheet(rows: int) -> bytes:
    rng = random.Random(12)
    lines = ["Company,Role,Date Applied,Status,Contact Person,Contact Email,Notes,Salary"]
    start = datetime.date(2025, 3, 1)
    for i in range(rows):
        applied = start + datetime.timedelta(days=rng.randrange(600))
        contact = (f"Person {i}", f"person{i}@company{i % 900}.example") if i % 3 == 0 else ("", "")
        lines.append(
            f"Company {i % 900},Role {i},{applied.isoformat()},{rng.choice(STATUSES)},"
            f'{contact[0]},{contact[1]},"Found on a board, row {i}",{rng.randrange(50, 150)}k'
        )
    return ("\n".join(lines) + "\n").encode()


def bench_import(rows: int) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from applications.models import Application
    from bench.mail import _backend_cpu_reader
    from tests.factories import UserFactory

    user = UserFactory(email="import-bench@example.com")
    backend = _backend_cpu_reader(connection)
    with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
        handle.write(spreadsheet(rows))
        handle.flush()
        out = io.StringIO()
        load_before = os.getloadavg()[0]
        db_started = backend()
        began, cpu = time.perf_counter(), time.process_time()
        call_command(
            "import_applications",
            "--user",
            user.email,
            "--format",
            "json",
            handle.name,
            stdout=out,
        )
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        db_ended = backend()
    created = json.loads(out.getvalue())["created"]
    assert Application.objects.for_user(user).count() == created["applications"]
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        # This process's CPU time: on a shared machine the wall time also
        # counts the other processes' turns.
        "cpu_seconds": round(cpu, 2),
        # Its PostgreSQL backend's (read from /proc: the database on this host).
        "postgres_cpu_seconds": (
            round(db_ended - db_started, 2)
            if db_started is not None and db_ended is not None
            else None
        ),
        "load_average": [load_before, os.getloadavg()[0]],
        "created": created,
    }


def seed_account(email: str, applications: int, attachment_mb: int) -> None:
    from applications.models import (
        Application,
        Attachment,
        Company,
        Outcome,
        Rejection,
        Stage,
        StageEvent,
    )
    from contacts.models import Contact
    from letters import uploads
    from reminders.models import Reminder, ReminderKind
    from tests.factories import UserFactory

    rng = random.Random(email)
    user = UserFactory(email=email)
    companies = Company.objects.bulk_create(
        Company(user=user, name=f"Company {i}") for i in range(applications // 3)
    )
    apps = Application.objects.bulk_create(
        (
            Application(
                user=user,
                company=rng.choice(companies),
                role=f"Engineer {i}",
                applied_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=i % 500),
                current_stage=Stage.INTERVIEW,
                furthest_stage=Stage.INTERVIEW,
                outcome=Outcome.REJECTED if i % 4 == 0 else Outcome.OPEN,
                notes="Some notes about the role. " * 4,
            )
            for i in range(applications)
        ),
        batch_size=2000,
    )
    StageEvent.objects.bulk_create(
        (
            StageEvent(application=a, stage=stage, occurred_on=a.applied_on)
            for a in apps
            for stage in (Stage.APPLIED, Stage.INTERVIEW)
        ),
        batch_size=5000,
    )
    rejected = [a for a in apps if a.outcome == Outcome.REJECTED]
    rejections = Rejection.objects.bulk_create(
        (
            Rejection(
                application=a,
                user_id=a.user_id,
                received_on=a.applied_on + datetime.timedelta(days=20),
                stage_reached=Stage.INTERVIEW,
                letter_text="Thank you for your time. " * 10,
            )
            for a in rejected
        ),
        batch_size=2000,
    )
    Reminder.objects.bulk_create(
        (
            Reminder(
                user=user,
                application=r.application,
                rejection=r,
                kind=ReminderKind.REJECTED,
                counted_from=r.received_on,
                cooling_off_days=30,
                due_date=r.received_on + datetime.timedelta(days=30),
                due_at=datetime.datetime.combine(
                    r.received_on + datetime.timedelta(days=30),
                    datetime.time(9),
                    tzinfo=datetime.UTC,
                ),
                next_attempt_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
            )
            for r in rejections
        ),
        batch_size=2000,
    )
    contacts = Contact.objects.bulk_create(
        (Contact(user=user, company=c, name=f"Insider {i}") for i, c in enumerate(companies)),
        batch_size=2000,
    )
    through = Contact.applications.through
    through.objects.bulk_create(
        (
            through(contact_id=c.pk, application_id=a.pk)
            for c, a in zip(contacts, apps, strict=False)
        ),
        batch_size=5000,
    )
    # Attachments of at most 5 MB each, random bytes (letters are mostly PDFs:
    # already compressed), created one at a time.
    remaining = attachment_mb * 1024 * 1024
    for rejection in rejections:
        if remaining <= 0:
            break
        size = min(remaining, uploads.MAX_FILE_BYTES)
        Attachment.objects.create(
            user=user,
            rejection=rejection,
            filename=f"letter-{rejection.pk}.pdf",
            content_type="application/pdf",
            size=size,
            data=os.urandom(size),
        )
        remaining -= size


def child(action: str, email: str, path: str) -> None:
    """One step in a fresh process: its peak RSS is the step's alone (plus Django's)."""
    from accounts.models import User
    from portability.backup import backup_restore, backup_write
    from tests.factories import UserFactory

    began, cpu = time.perf_counter(), time.process_time()
    if action == "export":
        with Path(path).open("wb") as out:
            backup_write(User.objects.get(email=email), out)
    else:
        target = UserFactory(email=f"restored-{email}")
        with Path(path).open("rb") as source:
            backup_restore(user=target, source=source)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),
                "peak_rss_mb": peak_rss_mb(),
                "load_average": os.getloadavg()[0],
            }
        )
    )


def peak_rss_mb() -> float:
    """This process's peak RSS since it started (VmHWM). Not getrusage's
    ru_maxrss: on Linux a child starts with its parent's maximum."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_child(action: str, email: str, path: str, db_name: str) -> dict:
    env = {**os.environ, "BENCH_DATA_DB": db_name}
    result = subprocess.run(
        [sys.executable, "-m", "bench.data", "--child", action, email, path],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--attachments-mb", default="10,100")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--import-only", action="store_true", help="no backup and restore")
    parser.add_argument(
        "--child", nargs=3, metavar=("ACTION", "EMAIL", "PATH"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)

    _setup()
    from django.db import connection

    if args.child:
        connection.settings_dict["NAME"] = os.environ["BENCH_DATA_DB"]
        child(*args.child)
        return 0
    if connection.vendor != "postgresql":
        print("bench.data measures PostgreSQL: set DATABASE_URL=postgres:///NAME", file=sys.stderr)
        return 2
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = f"{old_name}_bench_data"
    db_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    report: dict = {}
    try:
        if not args.skip_import:
            report["import"] = bench_import(args.rows)
            print(f"import: {args.rows} rows in {report['import']['seconds']} s", flush=True)
        with tempfile.TemporaryDirectory() as folder:
            sizes = [] if args.import_only else [int(x) for x in args.attachments_mb.split(",")]
            for mb in sizes:
                email = f"backup-{mb}mb@example.com"
                seed_account(email, args.applications, mb)
                connection.close()
                path = str(Path(folder) / f"{mb}.zip")
                exported = run_child("export", email, path, db_name)
                size_mb = round(Path(path).stat().st_size / 2**20, 1)
                restored = run_child("restore", email, path, db_name)
                report[f"{mb}MB"] = {"zip_mb": size_mb, "export": exported, "restore": restored}
                print(
                    f"{args.applications} applications + {mb} MB: zip {size_mb} MB, "
                    f"export {exported}, restore {restored}",
                    flush=True,
                )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
