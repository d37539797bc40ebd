"""The deploy/ files name the same three processes, and compose runs the
services the README lists."""

import re
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def test_the_procfile_runs_web_worker_and_beat():
    entries = dict(
        line.split(":", 1)
        for line in (DEPLOY / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert set(entries) == {"web", "worker", "beat"}
    assert "gunicorn config.wsgi" in entries["web"]
    assert "celery -A config worker" in entries["worker"]
    assert "celery -A config beat" in entries["beat"]


def test_compose_runs_postgresql_redis_web_worker_and_beat():
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["DEBUG"] == "false"
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_the_systemd_units_start_the_same_processes():
    units = {p.name: p.read_text() for p in (DEPLOY / "systemd").glob("*.service")}
    assert set(units) == {"ajar-web.service", "ajar-worker@.service", "ajar-beat.service"}
    assert re.search(r"^ExecStart=.*gunicorn config\.wsgi", units["ajar-web.service"], re.M)
    assert re.search(r"^ExecStartPre=.*migrate --noinput", units["ajar-web.service"], re.M)
    assert re.search(r"^ExecStart=.*celery -A config worker", units["ajar-worker@.service"], re.M)
    assert re.search(r"^ExecStart=.*celery -A config beat", units["ajar-beat.service"], re.M)
