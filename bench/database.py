"""The benchmarks' own PostgreSQL database: created when missing, dropped at the end.

Only a database whose name contains "bench" is touched (the benchmarks wipe it)."""

import sys
from urllib.parse import urlsplit


def bench_database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit("Refusing to wipe a database whose name does not contain 'bench'.")
    return name


def _connect(url: str):
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(
        dbname="postgres",
        host=parts.hostname or None,
        port=parts.port,
        user=parts.username,
        password=parts.password,
    )
    conn.autocommit = True
    return conn


def ensure_database(url: str) -> None:
    name = bench_database_name(url)
    conn = _connect(url)
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def drop_database(url: str) -> None:
    from django.db import connections

    name = bench_database_name(url)
    connections.close_all()
    conn = _connect(url)
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def bench_environment(url: str, **extra: str) -> dict[str, str]:
    """The settings every benchmark runs Django with: this database, and the
    production code path (DEBUG off: no query log, cached templates, hashed statics)."""
    import os

    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": url,
        "DEBUG": "False",
        "SECRET_KEY": "bench-" + "x7Qp2v9LmZr4Tk8Wc1Ny6Hd3Fj5Bs0Ga" * 2,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "AJAR_SIGNUP": "closed",
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "memory://"),
        **extra,
    }
