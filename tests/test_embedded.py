"""`make run`'s launcher: a fresh data folder serves the login page, with the
demo account, a worker and beat, and stops them all on SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_embedded_launcher_serves_the_login_page_and_stops_cleanly(tmp_path):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL", "AJAR_TESTING"}
    }
    env.update(AJAR_DATA_DIR=str(tmp_path), AJAR_PORT=str(port), AJAR_TESTING="0", DEBUG="true")
    launcher = subprocess.Popen(
        [sys.executable, "-m", "config.embedded"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = []
    try:
        deadline = time.monotonic() + 60
        page = b""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/accounts/login/", timeout=2
                ) as response:
                    page = response.read()
                break
            except OSError:
                time.sleep(0.5)
        assert b"Sign In" in page
        assert (tmp_path / "ajar.sqlite3").exists()
        assert (tmp_path / "broker" / "queue").is_dir()
    finally:
        launcher.send_signal(signal.SIGTERM)
        out, _ = launcher.communicate(timeout=30)
        output.append(out)
    text = "".join(output)
    assert "loading the demo account" in text
    assert "Demo login: demo@ajar.localhost" in text
    assert "celery@" in text  # the worker (with beat) started
    assert launcher.returncode == 0
    leftovers = subprocess.run(
        ["pgrep", "-f", f"runserver 127.0.0.1:{port}"], capture_output=True, text=True, check=False
    )
    assert leftovers.stdout.strip() == ""
