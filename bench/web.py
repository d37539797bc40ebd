"""Web benchmark: every page as a ratio to a floor, at 2,000 and 200,000 applications.

    python -m bench.web [--duration 20] [--rounds 3] [--keep] [--skip-seed]

Seeds a database whose name must contain "bench" (BENCH_WEB_DATABASE_URL,
default postgres:///ajar_bench_web; created if missing): one user with 2,000
applications, one with 200,000, 50 others with 200 (bench/web_seed.py), then
ANALYZE. Starts gunicorn (sync workers, CONN_MAX_AGE=60, DEBUG off) with the
floor view on (AJAR_BENCH_FLOOR: a login-required view rendering a one-line
template), and for each page and size measures:

- one request: the median of a few sequential requests (HTML bytes from them);
- the query count, through Django's test client in this process;
- req/s and p50/p99 under `wrk -t2 -c20` for --duration seconds, in rounds that
  interleave the pages and measure the floor at the start and end of each
  round; the ratio is the page's req/s over that round's floor. A page whose
  one request takes longer than --max-single seconds is not loaded (it would
  only queue), and says so.

Then a POST load of the log-rejection form (fresh CSRF tokens from real GETs),
and a fixed offered load at 200,000: 20 users, 1-3 s think time, every page in
turn at random, for --fixed-duration seconds, p50/p95/p99. Results are printed
as Markdown and written as JSON under bench/out/. The database is dropped at the
end unless --keep.
"""

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import database

ROOT = Path(__file__).resolve().parent.parent
LUA_DIR = ROOT / "bench" / "wrk"
WRK = os.environ.get("WRK", "/usr/bin/wrk")


SIZES = ("medium", "large")


def _sizes(text: str) -> list[str]:
    """--sizes, checked before the seed: an unknown name failed after it."""
    sizes = [size.strip() for size in text.split(",") if size.strip()]
    unknown = [size for size in sizes if size not in SIZES]
    if unknown or not sizes:
        raise argparse.ArgumentTypeError(
            f"unknown size {', '.join(unknown) or '(none)'}: choose from {', '.join(SIZES)}"
        )
    return sizes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_WEB_DATABASE_URL", "postgres:///ajar_bench_web"),
    )
    parser.add_argument("--large", type=int, default=200_000)
    parser.add_argument("--medium", type=int, default=2_000)
    parser.add_argument("--others", type=int, default=50)
    parser.add_argument("--other-size", type=int, default=200)
    parser.add_argument("--duration", type=int, default=20, help="seconds of wrk per page")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--single", type=int, default=5, help="sequential requests per page")
    parser.add_argument("--max-single", type=float, default=2.0)
    parser.add_argument("--post-duration", type=int, default=20)
    parser.add_argument("--fixed-duration", type=int, default=60)
    parser.add_argument("--fixed-users", type=int, default=20)
    parser.add_argument(
        "--fixed-client",
        choices=["python", "wrk"],
        default="python",
        help="python: users connect when they ask (default); wrk: think.lua, "
        "whose users hold a connection open while they think",
    )
    parser.add_argument("--pages", default="", help="comma-separated page names (default all)")
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default="medium,large",
        help="comma-separated: medium (the --medium account), large (the --large one)",
    )
    parser.add_argument("--skip-seed", action="store_true", help="reuse the seeded database")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--skip-post", action="store_true")
    parser.add_argument("--skip-fixed", action="store_true")
    parser.add_argument("--json", type=Path, help="where to write the results")
    parser.add_argument(
        "--explain",
        type=int,
        default=0,
        metavar="N",
        help="EXPLAIN ANALYZE the N slowest queries of each page at the last size",
    )
    return parser.parse_args(argv)


ARGS = parse_args()
DB_NAME = database.bench_database_name(ARGS.database_url)

ENV = database.bench_environment(ARGS.database_url, CONN_MAX_AGE="60", AJAR_BENCH_FLOOR="True")
os.environ.update(ENV)
database.ensure_database(ARGS.database_url)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from bench import web_seed  # noqa: E402

# --- Pages -----------------------------------------------------------------------------


def first_url(*names: str, **kwargs: object) -> str:
    """The path of the first URL name that exists: pages move between apps."""
    for name in names:
        with contextlib.suppress(NoReverseMatch):
            return reverse(name, kwargs=kwargs or None)
    raise NoReverseMatch(names[0])


def detail_pk(user_id: int) -> int:
    """A rejected application with a letter, people and a conversation."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id FROM applications_application a "
            "JOIN applications_rejection r ON r.application_id = a.id "
            "JOIN contacts_contact_applications ca ON ca.application_id = a.id "
            "WHERE a.user_id = %s AND r.letter_text <> '' ORDER BY a.id LIMIT 1",
            [user_id],
        )
        return cursor.fetchone()[0]


def pages_for(user_id: int) -> dict[str, str]:
    return {
        "dashboard": first_url("review:dashboard", "dashboard"),
        "applications list": first_url("applications:list"),
        "board": first_url("applications:board"),
        "application detail": first_url(
            "review:application", "applications:detail", pk=detail_pk(user_id)
        ),
        "contacts": first_url("contacts:list"),
        "log-rejection form": first_url("reminders:log_rejection", "applications:log_rejection"),
        "stats": first_url("review:stats", "applications:stats"),
        "reminders": first_url("reminders:list"),
    }


# --- The server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PORT = free_port()


def start_gunicorn(log: Path, access_log: Path | None = None) -> subprocess.Popen:
    """Gunicorn as the benchmark serves the app; with `access_log`, a line per
    request with its path, status and the time the worker spent on it (us),
    from the request read to the response written."""
    access = (
        ["--access-logfile", str(access_log), "--access-logformat", "%(U)s %(s)s %(D)s"]
        if access_log
        else []
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--workers",
            str(ARGS.workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--timeout",
            "300",
            "--log-level",
            "warning",
            *access,
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
            return process
        if process.poll() is not None:
            sys.exit(f"gunicorn exited: see {log}")
        time.sleep(0.2)
    sys.exit("gunicorn did not start within 60 s")


def stop_gunicorn(process: subprocess.Popen) -> None:
    """SIGTERM lets the workers finish their request; a page that takes a minute
    (the fixed load's last requests) is not worth waiting for."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def get(path: str, cookie: str) -> tuple[float, int, int, dict[str, str], bytes]:
    """One request on a new connection (sync workers close each): seconds,
    status, bytes, headers, body."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=600)
    conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    headers = {}
    for key, value in response.getheaders():
        headers.setdefault(key.lower(), value)
        if key.lower() == "set-cookie":
            headers.setdefault("set-cookies", "")
            headers["set-cookies"] += value + "\n"
    conn.close()
    return elapsed, response.status, len(body), headers, body


FLOOR_PATH = "/bench/floor/"


def wait_idle(cookie: str, floor_seconds: float) -> None:
    """After a load, let the workers finish what wrk left queued: the floor
    answers at its own speed again."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        elapsed = get(FLOOR_PATH, cookie)[0]
        if elapsed < max(3 * floor_seconds, 0.05):
            return
        time.sleep(0.2)


def busy_seconds() -> float | None:
    """The machine's CPU time spent so far (every core, every process: the
    server, PostgreSQL, wrk), from /proc/stat; None where there is none. Its
    rise over a load, divided by the requests served, is what a request costs
    the machine, a figure that moves less than req/s when other work shares
    the cores (stolen time and idle time are not counted)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    # user, nice, system, idle, iowait, irq, softirq, steal (guest is in user).
    user, nice, system, _idle, _iowait, irq, softirq = (int(f) for f in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def wrk(script: str, path: str, env: dict[str, str], duration: int, connections: int) -> dict:
    command = [
        WRK,
        f"-t{min(ARGS.threads, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "60s",
        "-s",
        str(LUA_DIR / script),
        f"http://127.0.0.1:{PORT}{path}",
    ]
    busy_before = busy_seconds()
    output = subprocess.run(
        command,
        env={**os.environ, "BENCH_LUA_DIR": str(LUA_DIR), **env},
        capture_output=True,
        text=True,
        timeout=duration + 120,
        check=True,
    ).stdout
    busy_after = busy_seconds()
    line = next(line for line in output.splitlines() if line.startswith("BENCH-JSON "))
    result = json.loads(line.removeprefix("BENCH-JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["cpu_ms"] = (
        (busy_after - busy_before) * 1000 / result["requests"]
        if busy_before is not None and busy_after is not None and result["requests"]
        else None
    )
    return result


# --- Measurements ---------------------------------------------------------------------------


@dataclass
class PageResult:
    page: str
    size: str
    path: str
    single_ms: float = 0.0
    html_bytes: int = 0
    queries: int = 0
    loaded: bool = True
    runs: list[dict] = field(default_factory=list)  # per round: rps, ratio, p50, p99

    def median(self, key: str) -> float | None:
        values = [run[key] for run in self.runs]
        return statistics.median(values) if values else None


def session_cookie(email: str) -> str:
    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def query_count(path: str, cookie: str) -> int:
    client = Client()
    name, value = cookie.split("=", 1)
    client.cookies[name] = value
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(queries.captured_queries)


def single(path: str, cookie: str) -> tuple[float, int]:
    """Median seconds of a few sequential requests, after one warm-up (fewer
    for a page that takes seconds), and the HTML size."""
    elapsed, status, size, _, _ = get(path, cookie)
    assert status == 200, (path, status)
    runs = 1 if elapsed > ARGS.max_single else ARGS.single
    timings = [get(path, cookie)[0] for _ in range(runs)]
    return statistics.median(timings), size


def measure_pages(cookies: dict[str, str], paths: dict[str, dict[str, str]]) -> tuple:
    results: dict[tuple[str, str], PageResult] = {}
    floor_cookie = next(iter(cookies.values()))  # any signed-in account: the first size's
    floor_single, _ = single(FLOOR_PATH, floor_cookie)
    for size, pages in paths.items():
        for page, path in pages.items():
            result = PageResult(page=page, size=size, path=path)
            seconds, result.html_bytes = single(path, cookies[size])
            result.single_ms = seconds * 1000
            # In-process, so a page that takes a minute is not counted twice over.
            result.queries = query_count(path, cookies[size]) if seconds < 10 else -1
            result.loaded = seconds <= ARGS.max_single
            results[size, page] = result
            print(
                f"  {page:<20} @{size:<6} one request {result.single_ms:9.1f} ms, "
                f"{result.html_bytes / 1024:9.1f} KiB, {result.queries} queries",
                flush=True,
            )
    floors = []
    for number in range(1, ARGS.rounds + 1):
        floor_start = wrk(
            "get.lua",
            FLOOR_PATH,
            {"BENCH_COOKIE": floor_cookie},
            ARGS.duration,
            ARGS.connections,
        )
        round_runs = []
        # Interleaved: each page at each size, one after the other, in every round.
        for page in next(iter(paths.values())):
            for size in paths:
                result = results[size, page]
                if not result.loaded:
                    continue
                run = wrk(
                    "get.lua",
                    result.path,
                    {"BENCH_COOKIE": cookies[size]},
                    ARGS.duration,
                    ARGS.connections,
                )
                round_runs.append((result, run))
                wait_idle(floor_cookie, floor_single)
        floor_end = wrk(
            "get.lua",
            FLOOR_PATH,
            {"BENCH_COOKIE": floor_cookie},
            ARGS.duration,
            ARGS.connections,
        )
        floor_rps = (floor_start["rps"] + floor_end["rps"]) / 2
        cpu = [run["cpu_ms"] for run in (floor_start, floor_end) if run["cpu_ms"] is not None]
        floors.append(
            {
                "round": number,
                "start": floor_start,
                "end": floor_end,
                "rps": floor_rps,
                "cpu_ms": statistics.mean(cpu) if cpu else None,
            }
        )
        for result, run in round_runs:
            result.runs.append(
                {
                    "round": number,
                    "rps": run["rps"],
                    "ratio": run["rps"] / floor_rps,
                    "p50_ms": run["p50_us"] / 1000,
                    "p99_ms": run["p99_us"] / 1000,
                    "errors": run["errors"],
                    "requests": run["requests"],
                    "cpu_ms": run["cpu_ms"],
                }
            )
        print(f"  round {number}: floor {floor_rps:.0f} req/s", flush=True)
    return list(results.values()), floors, floor_single * 1000


def explain_pages(pages: dict[str, str], cookie: str, top: int) -> str:
    """Each page's slowest queries, rendered in this process, with their plans."""
    out = []
    client = Client()
    name, value = cookie.split("=", 1)
    client.cookies[name] = value
    for page, path in pages.items():
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:top]
        for query in slowest:
            if not query["sql"].lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            out.append(f"### {page} ({path}): {float(query['time']) * 1000:.1f} ms\n\n")
            out.append(f"```sql\n{query['sql'][:1500]}\n```\n\n```\n{plan}\n```\n\n")
    return "".join(out)


def csrf_tokens(path: str, cookie: str, count: int) -> tuple[str, list[str]]:
    """Tokens from real GETs of the form, and the cookie with their csrftoken."""
    _, status, _, headers, _body = get(path, cookie)
    assert status == 200, status
    match = re.search(r"csrftoken=([^;]+)", headers.get("set-cookies", ""))
    assert match, "no CSRF cookie on the form"
    cookie = f"{cookie}; csrftoken={match.group(1)}"
    tokens = []
    for _ in range(count):
        body = get(path, cookie)[4].decode()
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1))
    return cookie, tokens


def post_load(email: str, cookie: str, path: str) -> dict:
    from applications.models import Rejection

    cookie, tokens = csrf_tokens(path, cookie, ARGS.connections)
    before = Rejection.objects.filter(application__user__email=email).count()
    # One POST first, to check it logs a rejection and count its statements.
    client = Client(enforce_csrf_checks=True)
    for part in cookie.split("; "):
        name, value = part.split("=", 1)
        client.cookies[name] = value
    data = {
        "csrfmiddlewaretoken": tokens[0],
        "company_name": "Posted first",
        "role": "Engineer",
        "stage_reached": "40",
        "channel": "email",
        "letter_text": "Thank you for your time.",
        "new_contact-TOTAL_FORMS": "1",
        "new_contact-INITIAL_FORMS": "0",
        "new_contact-MIN_NUM_FORMS": "0",
        "new_contact-MAX_NUM_FORMS": "20",
        "new_contact-0-name": "Robin Posted",
        "new_contact-0-role": "recruiter",
    }
    with CaptureQueriesContext(connection) as queries:
        response = client.post(path, data)
    assert response.status_code == 302, (response.status_code, response.content[:2000])
    statements = len(queries.captured_queries)
    run = wrk(
        "post.lua",
        path,
        {"BENCH_COOKIE": cookie, "BENCH_CSRF_TOKENS": ",".join(tokens)},
        ARGS.post_duration,
        ARGS.connections,
    )
    after = Rejection.objects.filter(application__user__email=email).count()
    return {
        "statements": statements,
        "rps": run["rps"],
        "p50_ms": run["p50_us"] / 1000,
        "p95_ms": run["p95_us"] / 1000,
        "p99_ms": run["p99_us"] / 1000,
        "requests": run["requests"],
        "errors": run["errors"],
        "rejections_logged": after - before - 1,
    }


def fixed_load(cookie: str, pages: dict[str, str]) -> dict:
    """--fixed-users users for --fixed-duration seconds, each thinking 1-3 s,
    then opening a connection, GETting a random page and closing it (what a
    browser does against a server that closes every connection, and what a
    buffering proxy in front of gunicorn does). Latency: from the connect to
    the last byte. --fixed-client wrk runs bench/wrk/think.lua instead, whose
    users hold a connection open through their think time (see "The fixed
    load" in docs/benchmarks.md)."""
    if ARGS.fixed_client == "wrk":
        return fixed_load_wrk(cookie, pages)
    deadline = time.monotonic() + ARGS.fixed_duration
    samples: list[tuple[str, float, int]] = []
    errors = 0
    lock = threading.Lock()

    def user(number: int) -> None:
        nonlocal errors
        rng = random.Random(number)
        names = list(pages)
        while True:
            time.sleep(rng.uniform(1.0, 3.0))
            if time.monotonic() >= deadline:
                return
            page = rng.choice(names)
            try:
                elapsed, status, _, _, _ = get(pages[page], cookie)
            except OSError:
                with lock:
                    errors += 1
                continue
            with lock:
                samples.append((page, elapsed * 1000, status))

    started, cpu_started = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=user, args=(n,)) for n in range(ARGS.fixed_users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    client_cpu = time.process_time() - cpu_started
    latencies = [ms for _, ms, _ in samples]
    by_page: dict[str, list[float]] = {}
    for page, ms, _ in samples:
        by_page.setdefault(page, []).append(ms)
    overall = percentiles(latencies)
    return {
        "client": "python",
        "users": ARGS.fixed_users,
        "seconds": ARGS.fixed_duration,
        "requests": len(samples),
        "rps": len(samples) / seconds,
        "p50_ms": overall["p50_ms"],
        "p95_ms": overall["p95_ms"],
        "p99_ms": overall["p99_ms"],
        "max_ms": overall["max_ms"],
        "errors": {"connect_or_read": errors, "status": sum(s != 200 for *_, s in samples)},
        "pages_ms": {page: percentiles(values) for page, values in by_page.items()},
        # The users' own CPU (this process), to show they are not the bottleneck.
        "client_cpu_ms_per_request": client_cpu * 1000 / max(len(samples), 1),
    }


def fixed_phase(size: str, cookie: str, pages: dict[str, str], out: Path) -> dict:
    """The fixed load on a server of its own, which logs each request's time
    in the worker, so the report has both sides of every page."""
    access_log = out / "gunicorn-fixed-access.log"
    access_log.unlink(missing_ok=True)
    server = start_gunicorn(out / "gunicorn-fixed.log", access_log)
    try:
        # Warm: each worker's first request of a page opens its database
        # connection and compiles the templates. Two at a time, so both workers
        # see every page; not in the figures (the access log starts after them).
        warm = [path for path in pages.values() for _ in range(3)]
        with ThreadPoolExecutor(max_workers=ARGS.workers) as pool:
            list(pool.map(lambda path: get(path, cookie), warm))
        access_log.write_text("")
        result = {"size": size, **fixed_load(cookie, pages)}
    finally:
        stop_gunicorn(server)  # which also flushes the access log
    result["server_ms"] = server_times(access_log, pages)
    return result


def fixed_load_wrk(cookie: str, pages: dict[str, str]) -> dict:
    run = wrk(
        "think.lua",
        FLOOR_PATH,
        {"BENCH_COOKIE": cookie, "BENCH_PATHS": ",".join(pages.values())},
        ARGS.fixed_duration,
        ARGS.fixed_users,
    )
    return {
        "client": "wrk",
        "users": ARGS.fixed_users,
        "seconds": ARGS.fixed_duration,
        "requests": run["requests"],
        "rps": run["rps"],
        "p50_ms": run["p50_us"] / 1000,
        "p95_ms": run["p95_us"] / 1000,
        "p99_ms": run["p99_us"] / 1000,
        "max_ms": run["max_us"] / 1000,
        "errors": run["errors"],
    }


def server_times(access_log: Path, pages: dict[str, str]) -> dict[str, dict]:
    """Per page, from gunicorn's access log: how long a worker spent on each
    request (from reading it to writing the response; not the time it waited
    for a worker)."""
    names = {path: page for page, path in pages.items()}
    times: dict[str, list[float]] = {}
    for line in access_log.read_text().splitlines():
        path, _status, micros = line.split()
        times.setdefault(names.get(path, path), []).append(int(micros) / 1000)
    return {page: percentiles(values) for page, values in times.items()}


def percentiles(values: list[float]) -> dict:
    values = sorted(values)

    def at(q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))]

    return {
        "requests": len(values),
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "max_ms": values[-1],
    }


# --- Report ---------------------------------------------------------------------------------


def fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def markdown(report: dict) -> str:
    lines = [
        f"floor: one request {report['floor_single_ms']:.1f} ms; "
        + ", ".join(
            f"round {f['round']} {f['rps']:.0f} req/s, {fmt(f.get('cpu_ms'), '.2f')} ms CPU"
            for f in report["floors"]
        ),
        "",
        "CPU a request: the machine's CPU time over the load (server, PostgreSQL and",
        "wrk) divided by the requests served.",
        "",
        "| page | size | one request | req/s | ÷ floor | CPU a request | p50 | p99 | HTML "
        "| queries |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in report["pages"]:
        runs = result["runs"]

        def med(key: str, runs: list[dict] = runs) -> float | None:
            values = [run[key] for run in runs if run.get(key) is not None]
            return statistics.median(values) if values else None

        note = "" if result["loaded"] else " (not loaded: one request too slow)"
        lines.append(
            f"| {result['page']} | {result['size']} | {result['single_ms']:.1f} ms | "
            f"{fmt(med('rps'), '.1f')} | {fmt(med('ratio'), '.3f')} | "
            f"{fmt(med('cpu_ms'), '.2f')} ms | {fmt(med('p50_ms'), '.0f')} ms | "
            f"{fmt(med('p99_ms'), '.0f')} ms | "
            f"{result['html_bytes'] / 1024:.1f} KiB | "
            f"{result['queries'] if result['queries'] >= 0 else 'not counted'}{note} |"
        )
    if post := report.get("post"):
        lines += [
            "",
            f"log-rejection POST: {post['rps']:.1f} req/s, p50 {post['p50_ms']:.0f} ms, "
            f"p95 {post['p95_ms']:.0f} ms, p99 {post['p99_ms']:.0f} ms, "
            f"{post['statements']} SQL statements per POST, {post['requests']} requests, "
            f"{post['rejections_logged']} rejections logged, errors {post['errors']}",
        ]
    if fixed := report.get("fixed"):
        lines += [
            "",
            f"fixed offered load @{fixed['size']} ({fixed.get('client', 'wrk')} client): "
            f"{fixed['users']} users, 1-3 s think time, "
            f"{fixed['seconds']} s: {fixed['requests']} requests ({fixed['rps']:.1f} req/s), "
            f"p50 {fixed['p50_ms']:.0f} ms, p95 {fixed['p95_ms']:.0f} ms, "
            f"p99 {fixed['p99_ms']:.0f} ms, max {fixed['max_ms']:.0f} ms, "
            f"errors {fixed['errors']}"
            + (
                f", the users' CPU {fixed['client_cpu_ms_per_request']:.1f} ms a request"
                if "client_cpu_ms_per_request" in fixed
                else ""
            ),
        ]
        client = fixed.get("pages_ms", {})
        for page, times in fixed.get("server_ms", {}).items():
            seen = client.get(page)
            seen_text = (
                f"seen by the user p50 {seen['p50_ms']:.0f} ms, p95 {seen['p95_ms']:.0f} ms; "
                if seen
                else ""
            )
            lines.append(
                f"- {page}: {times['requests']} requests, {seen_text}in the worker p50 "
                f"{times['p50_ms']:.0f} ms, p95 {times['p95_ms']:.0f} ms, "
                f"max {times['max_ms']:.0f} ms"
            )
    return "\n".join(lines)


def prepare(accounts: list[web_seed.Account]) -> None:
    call_command("migrate", interactive=False, verbosity=0)
    if not ARGS.skip_seed:
        print(f"seeding {sum(a.applications for a in accounts):,} applications ...", flush=True)
        seed_started = time.perf_counter()
        web_seed.wipe()
        web_seed.seed(accounts)
        print(f"seeded in {time.perf_counter() - seed_started:.1f} s", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)


def main() -> int:
    started = time.perf_counter()
    accounts = web_seed.accounts_for(ARGS.large, ARGS.medium, ARGS.others, ARGS.other_size)
    by_size = {"medium": accounts[0], "large": accounts[1]}
    prepare(accounts)
    sizes = ARGS.sizes
    cookies = {size: session_cookie(by_size[size].email) for size in sizes}
    wanted = {name.strip() for name in ARGS.pages.split(",") if name.strip()}
    paths = {
        size: {
            page: path
            for page, path in pages_for(by_size[size].user_id).items()
            if not wanted or page in wanted
        }
        for size in sizes
    }
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    if ARGS.explain:
        target = out / f"explain-{sizes[-1]}.md"
        target.write_text(explain_pages(paths[sizes[-1]], cookies[sizes[-1]], ARGS.explain))
        print(f"plans: {target}")
    log = out / "gunicorn.log"
    server = start_gunicorn(log)
    report: dict = {
        "load_average_start": os.getloadavg(),
        "cpus": os.cpu_count(),
        "args": {k: str(v) for k, v in vars(ARGS).items()},
    }
    target = ARGS.json or out / f"web-{time.strftime('%Y%m%d-%H%M%S')}.json"

    def save() -> None:
        # After every phase: a late failure loses nothing already measured.
        report["load_average_end"] = os.getloadavg()
        report["seconds"] = time.perf_counter() - started
        target.write_text(json.dumps(report, indent=2, default=str))

    try:
        results, floors, floor_single_ms = measure_pages(cookies, paths)
        report.update(
            floors=floors, floor_single_ms=floor_single_ms, pages=[asdict(r) for r in results]
        )
        save()
        if not ARGS.skip_post:
            post_user = accounts[-1]
            post_cookie = session_cookie(post_user.email)
            log_path = pages_for(post_user.user_id)["log-rejection form"]
            report["post"] = post_load(post_user.email, post_cookie, log_path)
            save()
        if not ARGS.skip_fixed:
            stop_gunicorn(server)
            report["fixed"] = fixed_phase(sizes[-1], cookies[sizes[-1]], paths[sizes[-1]], out)
            save()
    finally:
        stop_gunicorn(server)
    save()
    print()
    print(markdown(report))
    print(f"\nJSON: {target}; load average {report['load_average_end']}")
    if not ARGS.keep:
        database.drop_database(ARGS.database_url)
        print(f"dropped {DB_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
