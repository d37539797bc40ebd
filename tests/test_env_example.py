"""`.env.example` is a file people copy to `.env`: copied as it is, it must start
a development instance, and nothing in it may pass for a production secret."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / ".env.example"
STRONG_KEY = "kR7x-q2Vb9LmN3pZ8sT1wY6uE4oI0aS5dF7gH2jK9lQ3zX8cV1bN6mMpL4kJ"

SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
from django.core.management import call_command
call_command("check", fail_level="ERROR")
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECRET_KEY": s.SECRET_KEY,
    "DATA_DIR": str(s.DATA_DIR),
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "AJAR_SIGNUP": s.AJAR_SIGNUP,
    "DATABASE_NAME": str(s.DATABASES["default"]["NAME"]),
    "CELERY_BROKER_URL": s.CELERY_BROKER_URL,
    "DEFAULT_FROM_EMAIL": s.DEFAULT_FROM_EMAIL,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "ALLAUTH_TRUSTED_PROXY_COUNT": s.ALLAUTH_TRUSTED_PROXY_COUNT,
}))
"""


def test_env_example_lists_every_variable_the_settings_read():
    settings_source = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z_][A-Z0-9_]*)"', settings_source))
    read |= set(re.findall(r'Env\(\)\.\w+\(\s*"([A-Z_][A-Z0-9_]*)"', settings_source))
    read -= {"AJAR_TESTING"}  # set by the test runner, not by operators
    listed = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", EXAMPLE.read_text(), re.M))
    assert read - listed == set(), "add these to .env.example"
    assert listed - read == set(), "these are no longer read by config/settings.py"


def test_env_example_has_comments_only_on_their_own_lines():
    for number, line in enumerate(EXAMPLE.read_text().splitlines(), 1):
        if line.startswith("#") or not line.strip():
            continue
        assert re.fullmatch(r"[A-Z_][A-Z0-9_]*=[^#]*", line), f"line {number}: {line!r}"
        assert line == line.rstrip(), f"line {number} has trailing spaces"


@pytest.fixture
def project(tmp_path):
    """A copy of the project whose config/ is real (BASE_DIR, and so .env, is
    the copy) and whose apps, templates and static files are links."""
    root = tmp_path / "ajar"
    root.mkdir()
    for entry in ROOT.iterdir():
        if entry.name in {"config", ".env", ".git", "data", ".venv"}:
            continue
        (root / entry.name).symlink_to(entry)
    shutil.copytree(ROOT / "config", root / "config", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def start(project: Path, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS],
        env={**base, **env},
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_env_example_copied_as_env_starts_a_development_instance(project):
    shutil.copy(EXAMPLE, project / ".env")
    result = start(project)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["DEBUG"] is True
    assert shown["SECRET_KEY"].startswith("django-insecure")
    assert shown["DATA_DIR"] == str(project / "data")
    assert shown["DATABASE_NAME"] == str(project / "data" / "ajar.sqlite3")
    assert shown["CELERY_BROKER_URL"] == "filesystem://"
    assert shown["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]
    assert shown["AJAR_SIGNUP"] == "open"
    assert shown["DEFAULT_FROM_EMAIL"] == "Ajar <ajar@localhost>"
    assert shown["ALLAUTH_TRUSTED_PROXY_COUNT"] == 0


def test_env_example_with_debug_off_refuses_to_start_without_a_real_key(project):
    text = EXAMPLE.read_text().replace("DEBUG=true", "DEBUG=false")
    (project / ".env").write_text(text)
    result = start(project)
    assert result.returncode != 0
    assert "SECRET_KEY is missing or weak" in result.stderr


def test_env_example_with_debug_off_and_a_key_gets_production_defaults(project):
    text = EXAMPLE.read_text().replace("DEBUG=true", "DEBUG=false")
    text = text.replace("SECRET_KEY=\n", f"SECRET_KEY={STRONG_KEY}\n")
    (project / ".env").write_text(text)
    result = start(project)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["DEBUG"] is False
    assert shown["SECRET_KEY"] == STRONG_KEY
    assert shown["SESSION_COOKIE_SECURE"] is True
    assert shown["SECURE_HSTS_SECONDS"] == 31536000
    assert shown["AJAR_SIGNUP"] == "closed"


def test_data_dir_set_in_env_file_is_used(project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (project / ".env").write_text(f"AJAR_DATA_DIR={elsewhere}\n")
    result = start(project)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["DATA_DIR"] == str(elsewhere)
    assert shown["DATABASE_NAME"] == str(elsewhere / "ajar.sqlite3")
    assert (elsewhere / "broker" / "queue").is_dir()


def test_the_environment_wins_over_env_file(project, tmp_path):
    (project / ".env").write_text(f"AJAR_DATA_DIR={tmp_path / 'from-file'}\n")
    result = start(project, AJAR_DATA_DIR=str(tmp_path / "from-env"))
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["DATA_DIR"] == str(tmp_path / "from-env")


def test_behind_a_proxy_the_client_address_comes_from_the_forwarded_header(project):
    (project / ".env").write_text("AJAR_BEHIND_PROXY=true\n")
    result = start(project)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["ALLAUTH_TRUSTED_PROXY_COUNT"] == 1
