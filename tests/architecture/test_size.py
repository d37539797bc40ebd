"""The pipeline app stays the pipeline: reporting, matching and file handling
live in the apps and modules named after them (issue 10's bound)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 2_000


def python_lines(app: Path) -> int:
    return sum(
        len(path.read_text(encoding="utf-8").splitlines())
        for path in app.rglob("*.py")
        if "migrations" not in path.relative_to(app).parts
    )


def test_applications_is_under_two_thousand_lines():
    lines = python_lines(ROOT / "applications")
    assert lines < LIMIT, f"applications/ holds {lines} lines of Python outside its migrations"


@pytest.mark.parametrize("app", ["accounts", "reminders"])
def test_the_count_reads_real_files(app):
    # The counter is not vacuously small: the other apps have code in it too.
    assert python_lines(ROOT / app) > 100
