"""The embedded mode of `make run`: SQLite, kombu's filesystem broker and one
`celery worker --beat` deliver due reminders to the file mailbox."""

import json
import os
import subprocess
import sys

import pytest

from tests.engine.processes import ROOT, Proc, wait_until

pytestmark = pytest.mark.engine


def test_worker_with_beat_on_sqlite_delivers_to_the_file_mailbox(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL", "AJAR_TESTING"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        AJAR_DATA_DIR=str(tmp_path),
        AJAR_SWEEP_INTERVAL="1",
        PYTHONUNBUFFERED="1",
    )

    def run(*args):
        return subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=60, check=True,
        )  # fmt: skip

    run("manage.py", "migrate", "--noinput", "-v0")
    seeded = json.loads(run("-m", "tests.engine.run", "seed", "3").stdout)
    worker = Proc(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--beat", "-l", "info",
         "-c", "1", "--schedule", str(tmp_path / "celerybeat-schedule")],
        env,
        tmp_path / "worker.log",
        "ready.",
    )  # fmt: skip
    try:
        mailbox = tmp_path / "mail"
        wait_until(
            lambda: mailbox.is_dir() and len(list(mailbox.iterdir())) == 3,
            45,
            0.2,
            "three emails in the file mailbox",
        )
        text = "".join(path.read_text() for path in mailbox.iterdir())
        for pk in seeded:
            assert f"<reminder-{pk}-1@" in text
    finally:
        log = worker.output()
        worker.stop()
    assert "Traceback" not in log, log[-3000:]
