"""`make run`'s launcher: a fresh data folder serves the login page, with the
demo account, a worker and beat, and stops them all on SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import threading
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
    reader = threading.Thread(target=lambda: output.extend(launcher.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 90
        page = b""
        while time.monotonic() < deadline and not page:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/accounts/login/", timeout=2
                ) as response:
                    page = response.read()
            except OSError:
                time.sleep(0.5)
        assert b"Sign In" in page
        assert (tmp_path / "ajar.sqlite3").exists()
        assert (tmp_path / "broker" / "queue").is_dir()
        # The worker (with beat) reports ready; wait for it before stopping.
        while time.monotonic() < deadline and " ready." not in "".join(output):
            time.sleep(0.5)
    finally:
        launcher.send_signal(signal.SIGTERM)
        launcher.wait(timeout=30)
        reader.join(timeout=10)
    text = "".join(output)
    assert "loading the demo account" in text
    assert "Demo login: demo@ajar.localhost" in text
    assert " ready." in text  # the worker started
    assert "beat: Starting" in text
    assert launcher.returncode == 0
    leftovers = subprocess.run(
        ["pgrep", "-f", f"runserver 127.0.0.1:{port}"], capture_output=True, text=True, check=False
    )
    assert leftovers.stdout.strip() == ""
