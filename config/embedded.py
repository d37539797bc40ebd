"""`make run`: Ajar on its embedded defaults, one command, no servers needed.

SQLite in WAL mode and kombu's filesystem broker under the data folder, the web
server, one Celery worker with beat, and emails written to data/mail. Loads the
demo account when the database is new. Ctrl-C stops everything.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = os.environ.get("AJAR_HOST", "127.0.0.1")
PORT = os.environ.get("AJAR_PORT", "8000")


def main() -> int:
    os.chdir(ROOT)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # Demo circle-backs fall due a minute after loading: sweep often.
        "AJAR_SWEEP_INTERVAL": os.environ.get("AJAR_SWEEP_INTERVAL", "15"),
        "BASE_URL": os.environ.get("BASE_URL", f"http://{HOST}:{PORT}"),
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(env)
    # Django's own modules and the apps' models import only after setup().
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from accounts.models import User
    from review.demo import DEMO_EMAIL, DEMO_PASSWORD, demo_load

    call_command("migrate", interactive=False, verbosity=0)
    if not User.objects.exists():
        print("New database: loading the demo account...", flush=True)
        demo_load()

    python = sys.executable
    commands = {
        "web": [python, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
        "worker": [
            python, "-m", "celery", "-A", "config", "worker", "--beat",
            "--loglevel", "INFO", "--concurrency", "1",
            "--schedule", str(Path(settings.DATA_DIR) / "celerybeat-schedule"),
        ],
    }  # fmt: skip
    processes = {
        name: subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603
        for name, command in commands.items()
    }
    mailbox = getattr(settings, "EMAIL_FILE_PATH", "")
    print(
        f"\n  Ajar is running at http://{HOST}:{PORT}/\n"
        f"  Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}\n"
        f"  Emails: {settings.EMAIL_BACKEND.rsplit('.', 2)[-2]} backend"
        f"{f' (files in {mailbox})' if 'filebased' in settings.EMAIL_BACKEND else ''}\n"
        "  Press Ctrl-C to stop.\n",
        flush=True,
    )

    def stop(*_):
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        return 0

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(stop()))
    try:
        while all(process.poll() is None for process in processes.values()):
            time.sleep(0.5)
        failed = [name for name, process in processes.items() if process.poll() is not None]
        print(f"Stopped: {', '.join(failed)} exited.", flush=True)
        return stop() or 1
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
        return stop()


if __name__ == "__main__":
    sys.exit(main())
