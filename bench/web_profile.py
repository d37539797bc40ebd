"""Where a page's time goes: pyinstrument over Django's test client, on a seeded account.

    python -m bench.web_profile [--medium 2000] [--pages board,list] [--skip-seed] [--keep]

Seeds a database whose name must contain "bench" (BENCH_WEB_DATABASE_URL, default
postgres:///ajar_bench_profile; created if missing) with bench/web_seed.py's
accounts (one of --medium applications, one of --large, --others of
--other-size), then for each page of the --medium account: the HTML size, the
median time of --runs requests through the test client (DEBUG off, the cached
template loader), and a pyinstrument profile of --profile-runs more, printed as
the --top functions by their own time (the time spent in the function itself,
not in what it calls) and written as HTML under bench/out/. The test client
skips the WSGI server and the network: the figures are the view, the
middleware and the template, which is what rendering changes move.
"""

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from bench import database

ROOT = Path(__file__).resolve().parent.parent

PAGES = {
    "dashboard": ("dashboard", {}),
    "list": ("applications:list", {}),
    "board": ("applications:board", {}),
    "contacts": ("contacts:list", {}),
    "reminders": ("reminders:list", {}),
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_WEB_DATABASE_URL", "postgres:///ajar_bench_profile"),
    )
    parser.add_argument("--medium", type=int, default=2_000)
    parser.add_argument("--large", type=int, default=200)
    parser.add_argument("--others", type=int, default=2)
    parser.add_argument("--other-size", type=int, default=200)
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--runs", type=int, default=10, help="timed requests per page")
    parser.add_argument("--profile-runs", type=int, default=10, help="profiled requests per page")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--skip-seed", action="store_true", help="reuse the seeded database")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    return parser.parse_args(argv)


ARGS = parse_args()
DB_NAME = database.bench_database_name(ARGS.database_url)
os.environ.update(database.bench_environment(ARGS.database_url))
database.ensure_database(ARGS.database_url)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

from bench import web_seed  # noqa: E402

# Where the time goes, inclusive of what each calls (a recursive call counted once).
AREAS = {
    "SQL (cursor.execute)": ("django/db/backends/utils.py", "_execute"),
    "model instances (from_db)": ("django/db/models/base.py", "from_db"),
    "template rendering (Template.render)": ("django/template/base.py", "render"),
    "{% include %}": ("django/template/loader_tags.py", "IncludeNode.render"),
    "URL reversing (reverse)": ("django/urls/base.py", "reverse"),
    "translation (gettext)": ("django/utils/translation/trans_real.py", "gettext"),
    "date formats (date_format)": ("django/utils/formats.py", "date_format"),
    "choice labels (_get_FIELD_display)": ("django/db/models/base.py", "_get_FIELD_display"),
    "crispy-forms": ("crispy_forms/", ""),
}


def _key(frame) -> str:
    return f"{frame.function} ({Path(frame.file_path_short or '').as_posix()}:{frame.line_no})"


def own_times(profiler: Profiler) -> tuple[list[tuple[str, float]], dict[str, float], float]:
    """Seconds spent in each function itself (its "[self]" time), summed over
    every call site; the inclusive seconds of each of AREAS; the total."""
    session = profiler.last_session
    assert session is not None
    root = session.root_frame()
    own: dict[str, float] = defaultdict(float)
    areas: dict[str, float] = defaultdict(float)
    stack = [(root, None, frozenset())]
    while stack:
        frame, parent, inside = stack.pop()
        if frame is None:
            continue
        path = (frame.file_path or "").replace("\\", "/")
        entered = set(inside)
        name = frame.function
        owner = getattr(frame, "class_name", None)
        qualified = f"{owner}.{name}" if owner else name
        for area, (file_part, function) in AREAS.items():
            hit = file_part in path and (not function or function in (name, qualified))
            if hit and area not in inside:
                areas[area] += frame.time
            if hit:
                entered.add(area)
        if frame.function == "[self]" and parent is not None:
            own[_key(parent)] += frame.time
        elif not frame.children and frame.function:
            own[_key(frame)] += frame.time
        stack.extend((child, frame, frozenset(entered)) for child in frame.children)
    return sorted(own.items(), key=lambda item: -item[1]), dict(areas), root.time


def profile_page(client: Client, name: str, path: str, out: Path) -> dict:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    timings = []
    cpu_started = time.process_time()
    for _ in range(ARGS.runs):
        started = time.perf_counter()
        client.get(path)
        timings.append(time.perf_counter() - started)
    cpu = (time.process_time() - cpu_started) / ARGS.runs
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(ARGS.profile_runs):
        client.get(path)
    profiler.stop()
    (out / f"profile-{name}.html").write_text(profiler.output_html())
    own, areas, total = own_times(profiler)
    total = total or 1.0
    return {
        "bytes": len(response.content),
        "median_ms": statistics.median(timings) * 1000,
        "cpu_ms": cpu * 1000,
        "top": [(fn, seconds / total) for fn, seconds in own[: ARGS.top]],
        "areas": {area: seconds / total for area, seconds in areas.items()},
    }


def main() -> int:
    from accounts.models import User

    accounts = web_seed.accounts_for(ARGS.large, ARGS.medium, ARGS.others, ARGS.other_size)
    call_command("migrate", interactive=False, verbosity=0)
    if not ARGS.skip_seed:
        started = time.perf_counter()
        web_seed.wipe()
        web_seed.seed(accounts)
        print(
            f"seeded {sum(a.applications for a in accounts):,} applications "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client()
    client.force_login(User.objects.get(email=accounts[0].email))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    print(
        f"load average {os.getloadavg()[0]:.2f}, {ARGS.medium:,} applications, "
        f"DEBUG={settings.DEBUG}",
        flush=True,
    )
    try:
        for name in [p.strip() for p in ARGS.pages.split(",") if p.strip()]:
            url_name, kwargs = PAGES[name]
            result = profile_page(client, name, reverse(url_name, kwargs=kwargs or None), out)
            print(
                f"\n## {name}: {result['bytes'] / 1000:.1f} KB, "
                f"median {result['median_ms']:.1f} ms, CPU {result['cpu_ms']:.1f} ms "
                f"(load {os.getloadavg()[0]:.2f})"
            )
            print("  inclusive:")
            for area, share in sorted(result["areas"].items(), key=lambda item: -item[1]):
                print(f"  {share:6.1%}  {area}")
            print("  own time:")
            for function, share in result["top"]:
                print(f"  {share:6.1%}  {function}")
    finally:
        if not ARGS.keep:
            database.drop_database(ARGS.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
