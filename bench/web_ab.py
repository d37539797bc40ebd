"""A/B of pages on the seeded bench.web database: the machine's CPU a request.

    python -m bench.web_ab --arms "AJAR_PREPARED_STATEMENTS=true|AJAR_PREPARED_STATEMENTS=false" \\
        [--pages reminders,dashboard] [--size medium] [--rounds 3] [--duration 8]

On a machine shared with other work, two bench.web runs minutes apart differ
by a tenth on every page. Here each arm is its own gunicorn, started with the
arm's environment variable (or after the arm's SQL, for an arm written
`sql:CREATE INDEX ...`), and the arms alternate round by round (A B, B A, ...),
so that both see the same stretch of the machine's day. Each round measures
the floor view too: a difference on the floor, which neither arm changes, is
the noise between the arms. The CPU counted is the whole machine's: run it
with nothing else running. Reuses bench.web's seeded database
(`python -m bench.web --keep` first); the SQL arms run on it and are not undone.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

import psycopg2


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arms", required=True, help="NAME=value or sql:..., separated by |")
    parser.add_argument("--pages", default="reminders", help="bench.web page names, by commas")
    parser.add_argument("--size", choices=("medium", "large"), default="medium")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8, help="seconds of wrk per page")
    parser.add_argument("--connections", type=int, default=20)
    return parser.parse_args()


ARGS = parse_args()
# bench.web reads its own arguments when imported: the seeded database, kept.
sys.argv = [sys.argv[0], "--skip-seed", "--keep"]
from bench import web  # noqa: E402


def start_arm(arm: str) -> None:
    if arm.startswith("sql:"):
        connection = psycopg2.connect(web.ARGS.database_url)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(arm.removeprefix("sql:"))
            cursor.execute("ANALYZE")
        connection.close()
    else:
        name, value = arm.split("=", 1)
        os.environ[name] = value


def main() -> int:
    arms = [arm.strip() for arm in ARGS.arms.split("|") if arm.strip()]
    account = web.web_seed.accounts_for(
        web.ARGS.large, web.ARGS.medium, web.ARGS.others, web.ARGS.other_size
    )[0 if ARGS.size == "medium" else 1]
    cookie = web.session_cookie(account.email)
    paths = {**web.pages_for(account.user_id), "floor": web.FLOOR_PATH}
    pages = [page.strip() for page in ARGS.pages.split(",") if page.strip()] + ["floor"]
    runs: dict[tuple[str, str], list[dict]] = {(arm, page): [] for arm in arms for page in pages}
    for number in range(ARGS.rounds):
        for arm in arms if number % 2 == 0 else arms[::-1]:
            start_arm(arm)
            server = web.start_gunicorn(Path(web.ROOT / "bench" / "out" / "web_ab_gunicorn.log"))
            try:
                for page in pages:
                    for _ in range(10):  # warm: connections, compiled queries, plans
                        web.get(paths[page], cookie)
                    run = web.wrk(
                        "get.lua",
                        paths[page],
                        {"BENCH_COOKIE": cookie},
                        ARGS.duration,
                        ARGS.connections,
                    )
                    runs[arm, page].append(run)
                    print(
                        f"round {number + 1} {arm} {page}: {run['rps']:.1f} req/s, "
                        f"{web.fmt(run['cpu_ms'], '.2f')} ms CPU a request",
                        flush=True,
                    )
            finally:
                web.stop_gunicorn(server)
    print("\n| page | arm | req/s | CPU a request | ÷ the floor's CPU |\n|---|---|---|---|---|")
    for page in pages:
        for arm in arms:
            rps = statistics.median(run["rps"] for run in runs[arm, page])
            cpu = [run["cpu_ms"] for run in runs[arm, page] if run["cpu_ms"] is not None]
            floor = [run["cpu_ms"] for run in runs[arm, "floor"] if run["cpu_ms"] is not None]
            page_cpu = statistics.median(cpu) if cpu else None
            floor_cpu = statistics.median(floor) if floor else None
            over = page_cpu / floor_cpu if page_cpu and floor_cpu else None
            print(
                f"| {page} | `{arm}` | {rps:.1f} | {web.fmt(page_cpu, '.2f')} ms | "
                f"{web.fmt(over, '.2f')} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
