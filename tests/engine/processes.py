"""Real processes for the fault tests: a Redis server, Celery workers and beats.

Each runs in its own process group, so a test can kill a whole worker (main
process and pool children) the way a host crash or an OOM kill would.
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.engine.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
CELERY = [sys.executable, "-m", "celery", "-A", "config"]


def wait_until(predicate, timeout: float, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class RedisServer:
    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _cli(self, *args: str) -> str:
        out = subprocess.run(
            ["redis-cli", "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        return out.stdout.strip()

    def start(self):
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until(lambda: self._cli("ping") == "PONG", 10, 0.05, "redis to start")

    def stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None

    def flush(self):
        assert self._cli("flushall") == "OK"


class Proc:
    """A Celery worker or beat in its own process group, logging to a file."""

    def __init__(self, args: list[str], env: dict, log: Path, ready: str):
        self.log = log
        self.ready = ready
        self.name = args[len(CELERY)]  # "worker" or "beat"
        self._logfile = log.open("ab")
        self.popen = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=self._logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> "Proc":
        wait_until(
            lambda: self.ready in self.output() or self.popen.poll() is not None,
            timeout,
            0.05,
            f"{self.name} to start",
        )
        assert self.popen.poll() is None, self.output()[-3000:]
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    @property
    def pid(self) -> int:
        return self.popen.pid

    def kill_group(self):
        """SIGKILL the main process and every child: nothing gets to clean up."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)
        self._logfile.close()

    def terminate_group(self):
        """SIGTERM to the main process and every child, as systemd stops a
        service by default. Returns at once; wait() for the exit."""
        os.killpg(self.popen.pid, signal.SIGTERM)

    def wait(self, timeout: float) -> int:
        code = self.popen.wait(timeout)
        self._logfile.close()
        return code

    def stop(self):
        # No graceful shutdown: the tests are about what survives a crash anyway.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)
        self._logfile.close()


def pid_of_client(port: int) -> int:
    """The pid of the process whose TCP socket has local port `port`."""
    out = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"pid=(\d+)", out)
    assert match, f"no process owns port {port}: {out!r}"
    return int(match.group(1))


class Stack:
    """The environment the subprocesses share: test database, Redis, SMTP, and
    engine settings shrunk so that faults recover in seconds."""

    SWEEP_INTERVAL = 0.5
    # A claim no worker started is reclaimed after this; a started one after
    # the lease (which also bounds the retries of a "sent" write: half of it).
    DISPATCH_DEADLINE = 2.0
    LEASE_SECONDS = 4
    EMAIL_TIMEOUT = 2  # each socket read
    SMTP_DEADLINE = 3.0  # the whole conversation of one message
    BACKOFF_MINUTES = (0.01, 0.02, 0.04)  # 0.6 s, 1.2 s, 2.4 s
    MAX_ATTEMPTS = 3
    BATCH_SIZE = 25

    def __init__(self, workdir: Path, database_url: str, redis: RedisServer, smtp):
        self.workdir = workdir
        self.redis = redis
        self.smtp = smtp
        self.procs: list[Proc] = []
        self._n = 0
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": redis.url,
            "CELERY_VISIBILITY_TIMEOUT": "2",
            "CELERY_BROKER_CONNECTION_TIMEOUT": "2",
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
            "EMAIL_TIMEOUT": str(self.EMAIL_TIMEOUT),
            "AJAR_SMTP_DEADLINE_SECONDS": str(self.SMTP_DEADLINE),
            "AJAR_DISPATCH_DEADLINE_SECONDS": str(self.DISPATCH_DEADLINE),
            "AJAR_DATA_DIR": str(workdir),
            "AJAR_SWEEP_INTERVAL": str(self.SWEEP_INTERVAL),
            "AJAR_SWEEP_BATCH_SIZE": str(self.BATCH_SIZE),
            "AJAR_REMINDER_LEASE_SECONDS": str(self.LEASE_SECONDS),
            "AJAR_RETRY_BACKOFF_MINUTES": ",".join(map(str, self.BACKOFF_MINUTES)),
            "AJAR_RETRY_JITTER": "0.1",
            "AJAR_MAX_ATTEMPTS": str(self.MAX_ATTEMPTS),
            "AJAR_SEND_RATE_PER_SECOND": "0",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("AJAR_TESTING", None)

    def _log(self, name: str) -> Path:
        self._n += 1
        return self.workdir / f"{self._n:02d}-{name}.log"

    def worker(self, concurrency: int = 2, wait: bool = True) -> Proc:
        proc = Proc(
            [
                *CELERY,
                "worker",
                "-l",
                "info",
                "-c",
                str(concurrency),
                "-n",
                f"w{self._n}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            self.env,
            self._log("worker"),
            "ready.",
        )
        self.procs.append(proc)
        return proc.wait_ready() if wait else proc

    def beat(self, wait: bool = True) -> Proc:
        log = self._log("beat")
        proc = Proc(
            [*CELERY, "beat", "-l", "info", "--schedule", str(log.with_suffix(".schedule"))],
            self.env,
            log,
            "beat: Starting",
        )
        self.procs.append(proc)
        return proc.wait_ready() if wait else proc

    def start(self, workers: int = 1, beats: int = 1) -> list[Proc]:
        """Start workers and beats side by side, then wait for all of them."""
        procs = [self.worker(wait=False) for _ in range(workers)]
        procs += [self.beat(wait=False) for _ in range(beats)]
        return [proc.wait_ready() for proc in procs]

    def run(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        """One engine command in a fresh process (tests/engine/run.py)."""
        return subprocess.run(
            [sys.executable, "-m", "tests.engine.run", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )

    def spawn(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.engine.run", *args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def stop(self):
        for proc in reversed(self.procs):
            proc.stop()
        self.procs.clear()

    def worker_output(self) -> str:
        return "\n".join(p.output() for p in self.procs if p.name == "worker")

    def logs(self) -> str:
        return "\n".join(f"--- {p.log.name}\n{p.output()[-4000:]}" for p in self.procs)
