"""Benchmark: parse and draft a 10,000-message mbox, as the Inbox upload does.

    DATABASE_URL=postgres:///ajar python -m bench.mail [--sizes 1000,10000]

Writes an mbox of N realistic letters (2-8 KB of text, plain or HTML-only, a
quarter of them forwarded, 10% with a PDF attachment of 40-400 KB), then, for
each size in a fresh process of its own, creates a throw-away database next to
DATABASE_URL's (as the test suite does), seeds one user with 300 open
applications, and times `letters_ingest` over `mbox_messages` (the Inbox
upload's code path: the mbox read message by message from disk, each parsed,
matched to an application with rapidfuzz, deduplicated and saved with its
attachments). It reports messages per second, the CPU seconds per 1,000
messages of this process and of its PostgreSQL backend (read from /proc when
the database runs on this host: figures that do not move with the machine's
load), the load average, and the process's peak resident memory: with
streaming, the peak stays flat from 1,000 to 10,000 messages.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from email.utils import format_datetime
from pathlib import Path

COMPANIES = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark Industries",
    "Wayne Enterprises",
    "Cyberdyne",
    "Soylent",
    "Vandelay Industries",
    "Pied Piper",
    "Massive Dynamic",
]
ROLES = ["Backend Engineer", "Data Analyst", "Product Manager", "QA Lead", "UX Designer"]
FILLER = (
    "We received a great number of applications and reviewed each one with care. "
    "Our team was impressed by your background and the time you invested. "
)


def _letter(i: int, rng: random.Random) -> bytes:
    company = f"{rng.choice(COMPANIES)} {i % 97}"
    role = rng.choice(ROLES)
    day = 1_700_000_000 + i * 3600
    import datetime

    date = format_datetime(datetime.datetime.fromtimestamp(day, tz=datetime.UTC))
    body = (
        f"Dear Jane,\n\nThank you for your interest in the {role} position at {company}.\n\n"
        + FILLER * rng.randint(10, 45)
        + f"\n\nUnfortunately, we have decided to move forward with other candidates "
        f"(ref {i}).\n\nBest regards,\nThe {company} Recruiting Team\n"
    )
    headers = (
        f"From: {company} Recruiting <jobs@{company.split()[0].lower()}.example>\n"
        f"To: seeker@example.com\nSubject: Your application for {role}\nDate: {date}\n"
        f"Message-ID: <bench-{i}@example.com>\nMIME-Version: 1.0\n"
    )
    if i % 4 == 1:
        body = (
            "FYI\n\n---------- Forwarded message ---------\n"
            f"From: {company} Recruiting <jobs@{company.split()[0].lower()}.example>\n"
            f"Date: {date}\nSubject: Your application for {role}\nTo: Jane <seeker@example.com>\n\n"
            + body
        )
    if i % 10 == 0:
        pdf = b"%PDF-1.4\n" + rng.randbytes(rng.randint(40_000, 400_000))
        return (
            headers + 'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
            "Content-Type: text/plain; charset=utf-8\n\n"
            + body
            + '\n--b\nContent-Type: application/pdf; name="letter.pdf"\n'
            'Content-Disposition: attachment; filename="letter.pdf"\n'
            "Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(pdf).decode() + "--b--\n"
        ).encode()
    if i % 3 == 0:
        html = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
        return (headers + "Content-Type: text/html; charset=utf-8\n\n" + html).encode()
    return (headers + "Content-Type: text/plain; charset=utf-8\n\n" + body).encode()


def write_mbox(path: Path, n: int) -> None:
    """Written directly, one message at a time ("From " lines escaped as mboxrd)."""
    rng = random.Random(11)
    with path.open("wb") as handle:
        for i in range(n):
            raw = _letter(i, rng).replace(b"\nFrom ", b"\n>From ")
            handle.write(b"From bench@example.com Mon Jan  1 00:00:00 2024\n" + raw + b"\n\n")


def child(n: int, mbox: str) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.DEBUG = False
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from applications.models import Application, Company
        from inbox.models import InboundAttachment, InboundMessage, Source
        from inbox.services import letters_ingest, mbox_messages
        from tests.factories import UserFactory

        user = UserFactory(email="bench@example.com", time_zone="Europe/Paris")
        companies = Company.objects.bulk_create(
            Company(user=user, name=f"{c} {i}") for i, c in enumerate(COMPANIES * 25)
        )
        Application.objects.bulk_create(
            Application(user=user, company=c, role=ROLES[i % len(ROLES)])
            for i, c in enumerate(companies)
        )
        backend = _backend_cpu_reader(connection)
        load_before = os.getloadavg()[0]
        db_started = backend()
        started, cpu_started = time.perf_counter(), time.process_time()
        summary = letters_ingest(
            user=user, messages=mbox_messages(mbox, limit=n + 1), source=Source.MBOX
        )
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        db_cpu = backend() - db_started if db_started is not None else None
        return {
            "messages": n,
            "created": summary.created,
            "duplicates": summary.duplicates,
            "refused": len(summary.refused or []),
            "drafts": InboundMessage.objects.count(),
            "attachments": InboundAttachment.objects.count(),
            "suggested": InboundMessage.objects.exclude(suggested_application=None).count(),
            "seconds": round(elapsed, 2),
            "per_second": round(n / elapsed, 1),
            # This process's CPU alone: what the rate would be with the database
            # and the other processes on the machine taking no time.
            "cpu_seconds": round(cpu, 2),
            "per_cpu_second": round(n / cpu, 1),
            # CPU seconds per 1,000 messages: the load-independent figures. The
            # database's is its backend process's own (same host only).
            "cpu_per_1000": round(cpu / n * 1000, 2),
            "db_cpu_per_1000": round(db_cpu / n * 1000, 2) if db_cpu is not None else None,
            "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _backend_cpu_reader(connection):
    """A function giving the CPU seconds (user + system) the PostgreSQL backend
    serving `connection` has used, or None when its process cannot be read
    (another host, another user)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    stat = Path(f"/proc/{pid}/stat")
    ticks = os.sysconf("SC_CLK_TCK")

    def read() -> float | None:
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / ticks

    return read


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--child", nargs=2, metavar=("N", "MBOX"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(int(args.child[0]), args.child[1])))
        return 0
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("bench.mail measures PostgreSQL: set DATABASE_URL=postgres:///NAME", file=sys.stderr)
        return 2
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            mbox = Path(tmp) / f"bench-{n}.mbox"
            write_mbox(mbox, n)
            size_mb = mbox.stat().st_size / 1024 / 1024
            done = subprocess.run(
                [sys.executable, "-m", "bench.mail", "--child", str(n), str(mbox)],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            result["mbox_mb"] = round(size_mb, 1)
            results.append(result)
            db = result["db_cpu_per_1000"]
            print(
                f"{n:>6} messages ({size_mb:.0f} MB mbox): {result['per_second']:.0f} messages/s "
                f"({result['seconds']} s; {result['per_cpu_second']:.0f}/s of this process's CPU), "
                f"CPU per 1,000 messages: {result['cpu_per_1000']} s here"
                + (f" + {db} s in PostgreSQL" if db is not None else "")
                + f", load average {result['load_average'][0]} -> {result['load_average'][1]}, "
                f"peak RSS {result['peak_rss_mb']} MB, "
                f"{result['drafts']} drafts, {result['attachments']} attachments, "
                f"{result['suggested']} with a suggested application"
            )
            mbox.unlink()
    if len(results) > 1:
        first, last = results[0]["peak_rss_mb"], results[-1]["peak_rss_mb"]
        print(
            f"peak memory from {results[0]['messages']} to {results[-1]['messages']}: "
            f"{(last - first) / first:+.1%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
