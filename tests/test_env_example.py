import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_env_example_lists_every_variable_the_settings_read():
    settings_source = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z_][A-Z0-9_]*)"', settings_source))
    read |= set(re.findall(r'Env\(\)\.\w+\(\s*"([A-Z_][A-Z0-9_]*)"', settings_source))
    read -= {"AJAR_TESTING"}  # set by the test runner, not by operators
    listed = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    assert read - listed == set(), "add these to .env.example"
    assert listed - read == set(), "these are no longer read by config/settings.py"
