"""`make prod-check`: the README's production deployment, run for real.

With DEBUG off and the README's production variables, on PostgreSQL and Redis:
migrate, collectstatic, `check --deploy`, then gunicorn, two Celery workers in
separate process groups (as on two hosts) and beat. It waits for /health/ to
say 200, signs in through the real login form over a forwarded-HTTPS header (as
the proxy would send it), logs a rejection with a one-minute cooling-off
(AJAR_COOLING_OFF_UNIT_SECONDS=60, a setting for testing only), sees its
circle-back arrive, once, at an SMTP sink, and stops everything.

    python deploy/prod_check.py                  # HTTPS behind a proxy, as deployed
    python deploy/prod_check.py --plain-http     # the loopback try-out (README)

Needs PostgreSQL on the local socket (the database PROD_CHECK_DATABASE, default
ajar_prodcheck, is dropped and created) and Redis (PROD_CHECK_BROKER_URL and
PROD_CHECK_CACHE_URL, default redis://127.0.0.1:6379/14 and /15). Exit status 0 when every
step passed; each step prints one line.
"""

import argparse
import contextlib
import datetime
import html
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import psycopg2
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST_NAME = "ajar.example.com"
ADMIN_EMAIL = "owner@example.com"
ADMIN_PASSWORD = "prod-check " + secrets.token_urlsafe(12)


def say(message: str) -> None:
    print(f"prod-check: {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, check: Callable[[], bool], timeout: float, every: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise SystemExit(f"prod-check: FAILED waiting for {what} ({timeout:.0f} s)")


# --- An SMTP sink ------------------------------------------------------------------------


class Sink:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"

    def subjects(self) -> list[str]:
        with self.lock:
            found = []
            for raw in self.messages:
                match = re.search(rb"^Subject: (.*)$", raw, re.M)
                found.append(match.group(1).decode(errors="replace").strip() if match else "")
            return found


# --- An HTTP client that plays the browser behind the proxy ------------------------------


class Browser:
    """Keeps cookies itself (Secure cookies over a forwarded-HTTPS connection that
    is plain HTTP on loopback) and follows no redirects."""

    def __init__(self, port: int, *, https: bool) -> None:
        self.port = port
        self.https = https
        self.cookies: dict[str, str] = {}
        self.origin = f"https://{HOST_NAME}" if https else f"http://127.0.0.1:{port}"

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        headers = {"User-Agent": "ajar-prod-check"}
        if self.https:
            # What the reverse proxy adds: the scheme, the public host, the client.
            headers |= {
                "Host": HOST_NAME,
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": "203.0.113.10",
            }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": self.origin + path,
            }
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, {k.lower(): v for k, v in response.getheaders()}, text
        finally:
            connection.close()

    def csrf_token(self, page: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not match:
            raise SystemExit("prod-check: FAILED: no CSRF token on the page")
        return match.group(1)


# --- Processes -------------------------------------------------------------------------


class Processes:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str]) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        # Each in its own session, hence its own process group: stopped as a
        # group, the way a process manager stops a service on its host.
        self.running[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        say(f"started {name} (pid {self.running[name].pid}, process group of its own)")

    def check_alive(self) -> None:
        for name, process in self.running.items():
            if process.poll() is not None:
                tail = (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]
                raise SystemExit(f"prod-check: FAILED: {name} exited\n{tail}")

    def stop(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for name, process in self.running.items():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop on SIGTERM: killed")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        say("stopped everything")


def manage(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, input=stdin,
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(
            f"prod-check: FAILED: manage.py {' '.join(args)}\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout + result.stderr


# --- The check -------------------------------------------------------------------------


def recreate_database(admin_url: str, name: str) -> None:
    connection = psycopg2.connect(admin_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def production_env(args: argparse.Namespace, *, smtp_port: int, data_dir: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AJAR_", "SECURE_"))}
    env = {
        **base,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONUNBUFFERED": "1",
        "AJAR_TESTING": "0",
        # The README's production variables.
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"postgres:///{args.database}",
        "CELERY_BROKER_URL": args.broker_url,
        "CACHE_URL": args.cache_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "DEFAULT_FROM_EMAIL": "Ajar <ajar@ajar.example.com>",
        "AJAR_MESSAGE_ID_DOMAIN": "ajar.example.com",
        "CONN_MAX_AGE": "60",
        "AJAR_DATA_DIR": str(data_dir),
        "AJAR_LOG_FORMAT": "json",
        # Fast enough to watch: a sweep every 3 s, a cooling-off day of 60 s.
        "AJAR_SWEEP_INTERVAL": "3",
        "AJAR_COOLING_OFF_UNIT_SECONDS": "60",
    }
    if args.plain_http:
        # The README's loopback try-out: production mode over plain HTTP.
        env |= {
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{args.port}",
            "BASE_URL": f"http://127.0.0.1:{args.port}",
            "SECURE_COOKIES": "false",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "0",
        }
    else:
        env |= {
            "ALLOWED_HOSTS": f"{HOST_NAME},127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": f"https://{HOST_NAME}",
            "BASE_URL": f"https://{HOST_NAME}",
            "AJAR_BEHIND_PROXY": "true",
            "SECURE_SSL_REDIRECT": "true",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
            "SECURE_HSTS_PRELOAD": "true",
        }
    return env


CREATE_OWNER = """
from allauth.account.models import EmailAddress
from accounts.models import User
user = User.objects.get(email="{email}")
EmailAddress.objects.update_or_create(
    user=user, email=user.email, defaults={{"verified": True, "primary": True}}
)
"""


def run(args: argparse.Namespace) -> None:
    started = time.monotonic()
    sink = Sink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    say(f"SMTP sink on 127.0.0.1:{smtp_port}")
    with tempfile.TemporaryDirectory(prefix="ajar-prod-check-") as tmp:
        tmp_path = Path(tmp)
        env = production_env(args, smtp_port=smtp_port, data_dir=tmp_path / "data")
        processes = Processes(env, tmp_path)
        try:
            steps(args, env, processes, sink)
        finally:
            processes.stop()
            controller.stop()
            if args.keep_logs:
                for log in tmp_path.glob("*.log"):
                    target = Path(args.keep_logs) / log.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(log.read_bytes())
    say(f"PASSED in {time.monotonic() - started:.0f} s")


def steps(args: argparse.Namespace, env: dict[str, str], processes: Processes, sink: Sink) -> None:
    if args.install:
        subprocess.run([PYTHON, "-m", "pip", "install", "-q", "."], cwd=ROOT, check=True)
        say("installed")
    recreate_database(args.admin_database_url, args.database)
    say(f"database {args.database} created")
    manage(env, "migrate", "--noinput")
    say("migrate")
    manage(env, "collectstatic", "--noinput", "--clear")
    say("collectstatic")
    if args.plain_http:
        manage(env, "check", "--deploy")
        say("check --deploy (plain HTTP: the TLS warnings are expected)")
    else:
        manage(env, "check", "--deploy", "--fail-level", "WARNING")
        say("check --deploy: no warnings")
    # The README's first admin: createsuperuser, then the address marked verified
    # (reminders go only to verified addresses; allauth would otherwise email a link).
    manage(
        {**env, "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD},
        "createsuperuser", "--noinput", "--email", ADMIN_EMAIL,
    )  # fmt: skip
    manage(env, "shell", "-c", CREATE_OWNER.format(email=ADMIN_EMAIL))
    say("owner account created (createsuperuser, address verified)")

    celery = [PYTHON, "-m", "celery", "-A", "config"]
    processes.start("web", [
        PYTHON, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{args.port}",
        "--workers", "2", "--timeout", "30", "--graceful-timeout", "10",
    ])  # fmt: skip
    for n in (1, 2):
        processes.start(f"worker{n}", [
            *celery, "worker", "--loglevel", "INFO", "--concurrency", "1",
            "--hostname", f"worker{n}@prod-check",
        ])  # fmt: skip
    processes.start("beat", [
        *celery, "beat", "--loglevel", "INFO", "--schedule", env["AJAR_DATA_DIR"] + "/beat",
    ])  # fmt: skip

    browser = Browser(args.port, https=not args.plain_http)

    def healthy() -> bool:
        processes.check_alive()
        try:
            status, _, _ = browser.request("GET", "/health/")
        except OSError:
            return False
        return status == 200

    wait_for("/health/ to answer 200", healthy, timeout=90)
    say("/health/ 200")

    status, headers, page = browser.request("GET", "/accounts/login/")
    if status != 200:
        raise SystemExit(f"prod-check: FAILED: login page answered {status}")
    status, headers, _ = browser.request(
        "POST", "/accounts/login/",
        {"csrfmiddlewaretoken": browser.csrf_token(page), "login": ADMIN_EMAIL,
         "password": ADMIN_PASSWORD},
    )  # fmt: skip
    if status != 302 or "sessionid" not in browser.cookies:
        raise SystemExit(f"prod-check: FAILED: sign-in answered {status} {headers}")
    if not args.plain_http and "secure" not in headers.get("set-cookie", "").lower():
        raise SystemExit("prod-check: FAILED: the session cookie is not Secure")
    over = "plain HTTP" if args.plain_http else "forwarded HTTPS"
    say(f"signed in through the login form ({over})")

    status, _, page = browser.request("GET", "/applications/log-rejection/")
    if status != 200:
        raise SystemExit(f"prod-check: FAILED: log-rejection page answered {status}")
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    form = {
        "csrfmiddlewaretoken": browser.csrf_token(page),
        "company_name": "Prod Check Ltd",
        "role": "Site Reliability Engineer",
        "stage_reached": "60",
        "received_on": today,
        "channel": "email",
        "letter_text": "Thank you for your time; we went with another candidate.",
        "feedback": "",
        "cooling_off_days": "1",
        "new_contact-TOTAL_FORMS": "1",
        "new_contact-INITIAL_FORMS": "0",
        "new_contact-0-name": "Priya Raman",
        "new_contact-0-role": "hiring_manager",
        "new_contact-0-email": "priya@prodcheck.example",
    }
    status, headers, page = browser.request("POST", "/applications/log-rejection/", form)
    if status != 302:
        errors = re.findall(r'class="invalid-feedback[^"]*"[^>]*>(.*?)<', page, re.S)
        raise SystemExit(f"prod-check: FAILED: logging the rejection answered {status} {errors}")
    logged_at = time.monotonic()
    say("rejection logged with a one-minute cooling-off")

    def arrived() -> bool:
        processes.check_alive()
        return any("circle back" in s.lower() for s in sink.subjects())

    wait_for("the circle-back at the SMTP sink", arrived, timeout=args.cooling_off_timeout, every=1)
    subject = next(s for s in sink.subjects() if "circle back" in s.lower())
    waited = time.monotonic() - logged_at
    say(f"circle-back arrived after {waited:.0f} s: {html.unescape(subject)!r}")
    # Two workers and a sweep every 3 s: wait three more sweeps for a duplicate.
    time.sleep(10)
    count = sum("circle back" in s.lower() for s in sink.subjects())
    if count != 1:
        raise SystemExit(f"prod-check: FAILED: {count} circle-backs arrived, expected 1")
    say("exactly one circle-back sent")
    processes.check_alive()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plain-http", action="store_true", help="the loopback try-out")
    parser.add_argument("--install", action="store_true", help="pip install . first")
    parser.add_argument(
        "--database", default=os.environ.get("PROD_CHECK_DATABASE", "ajar_prodcheck")
    )
    parser.add_argument(
        "--admin-database-url",
        default=os.environ.get("PROD_CHECK_ADMIN_DATABASE_URL", "dbname=postgres"),
        help="where to drop and create the database (libpq connection string)",
    )
    parser.add_argument(
        "--broker-url",
        default=os.environ.get("PROD_CHECK_BROKER_URL", "redis://127.0.0.1:6379/14"),
    )
    parser.add_argument(
        "--cache-url", default=os.environ.get("PROD_CHECK_CACHE_URL", "redis://127.0.0.1:6379/15")
    )
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: free)")
    parser.add_argument("--cooling-off-timeout", type=float, default=150)
    parser.add_argument("--keep-logs", default="", help="copy the processes' logs here")
    args = parser.parse_args(argv)
    args.port = args.port or free_port()
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
