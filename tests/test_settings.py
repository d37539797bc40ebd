"""Start-up refuses an unsafe production configuration with a clear message."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "kR7x-q2Vb9LmN3pZ8sT1wY6uE4oI0aS5dF7gH2jK9lQ3zX8cV1bN6mMpL4kJ"


def start(**env):
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**base, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "key", [None, "", "short", "django-insecure-" + "x" * 60, "a" * 60], ids=str
)
def test_a_missing_or_weak_secret_key_stops_start_up_with_debug_off(key):
    env = {"DEBUG": "false", "AJAR_TESTING": "1"}
    if key is not None:
        env["SECRET_KEY"] = key
    result = start(**env)
    assert result.returncode != 0
    assert "SECRET_KEY is missing or weak" in result.stderr


def test_a_strong_secret_key_starts_with_debug_off():
    result = start(DEBUG="false", AJAR_TESTING="1", SECRET_KEY=STRONG_KEY)
    assert result.returncode == 0, result.stderr


def test_sqlite_with_debug_off_warns_at_start_up(tmp_path):
    result = start(
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
        AJAR_TESTING="0",
        AJAR_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
    )
    assert result.returncode == 0, result.stderr
    assert "running on SQLite with DEBUG off" in result.stderr


def test_an_unknown_signup_mode_stops_start_up():
    result = start(AJAR_SIGNUP="sometimes", AJAR_TESTING="1")
    assert result.returncode != 0
    assert "AJAR_SIGNUP must be one of" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("correct horse battery staple is a fine phrase but not a key", id="spaces"),
        pytest.param("Ab3$" * 15, id="repeated"),
        pytest.param("xY9-kL2_" * 7 + "xY9", id="repeated-partly"),
        pytest.param(
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'", id="example-text"
        ),
        pytest.param("ab1-" * 10 + "1ab-ba1" * 2 + "-b1a", id="few-distinct"),
    ],
)
def test_text_a_repeat_or_env_example_text_is_refused_as_a_secret_key(key):
    result = start(DEBUG="false", AJAR_TESTING="1", SECRET_KEY=key)
    assert result.returncode != 0
    assert "SECRET_KEY is missing or weak" in result.stderr


def test_any_line_of_env_example_is_refused_as_a_secret_key():
    lines = [
        line.lstrip("# ")
        for line in (ROOT / ".env.example").read_text().splitlines()
        if len(line.lstrip("# ")) >= 50 and " " not in line.lstrip("# ")
    ]
    for line in lines:
        result = start(DEBUG="false", AJAR_TESTING="1", SECRET_KEY=line)
        assert result.returncode != 0, line
