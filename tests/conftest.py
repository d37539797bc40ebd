import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# The fuzzing budget (tests/test_fuzz_forms.py): small in `make test`, larger in
# CI (.ci/run sets HYPOTHESIS_PROFILE=ci). No example database: runs stay
# independent of the machine's history, and a failure prints its example.
hypothesis_settings.register_profile("default", max_examples=5, deadline=None, database=None)
hypothesis_settings.register_profile("ci", max_examples=25, deadline=None, database=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Under CI (.ci/run sets this) a test skipped for a missing service or browser is
# a failure: nothing may be silently not run.
REQUIRE_SERVICES = os.environ.get("AJAR_REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The test database's own connections commit without waiting for the WAL
    flush (PostgreSQL's asynchronous commit: a crash may lose the last commits,
    never consistency; other sessions see a commit at once). Creating the test
    database from the migrations, and every commit of a test, then costs CPU,
    not disk syncs. The engine's worker processes connect without it."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


def _delete_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    """Empty the tables after a transactional test with DELETE, not TRUNCATE:
    the same empty tables (TRUNCATE without RESTART IDENTITY keeps the
    sequences too), but a TRUNCATE of every table makes new files for each,
    a second or two per test on a busy disk. The foreign keys Django makes are
    deferred, so the order does not matter; anything else falls back."""
    if reset_sequences or allow_cascade or not tables:
        return _truncate_flush(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    return ["SET CONSTRAINTS ALL DEFERRED"] + [
        f"DELETE FROM {self.quote_name(table)}"  # noqa: S608 (Django's own table names)
        for table in tables
    ]


def _migrations_digest() -> str:
    """What the migrations would build: every installed app's migration files
    and Django's version (a change to any makes a new template)."""
    import django
    from django.apps import apps

    digest = hashlib.sha256(django.get_version().encode())
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        for path in sorted((Path(config.path) / "migrations").glob("*.py")):
            digest.update(f"{config.label}/{path.name}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _create_test_db_from_template(
    self, verbosity=1, autoclobber=False, serialize=True, keepdb=False
):
    """The test database is built by the migrations once per set of migration
    files, then copied (CREATE DATABASE ... TEMPLATE) by every later run and
    every xdist process: the same schema and rows the migrations make, in a
    second instead of a migrate. An advisory lock lets one process build it
    while the others wait for it."""
    import psycopg2
    from django.conf import settings

    if keepdb:
        return _migrate_test_db(self, verbosity, autoclobber, serialize, keepdb)
    base = self.connection.settings_dict["NAME"]
    template = f"test_{base}_tmpl_{_migrations_digest()}"[:63]
    name = self._get_test_db_name()
    db = self.connection.settings_dict
    admin = psycopg2.connect(
        dbname="postgres",
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
    )
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [template])
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
            if cursor.fetchone() is None:
                _migrate_test_db(self, verbosity, autoclobber, serialize, keepdb)
                self.connection.close()
                cursor.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE %s",
                    [f"test_{base}_tmpl_%"],
                )
                for (old,) in cursor.fetchall():  # templates of older migrations
                    cursor.execute(f'DROP DATABASE IF EXISTS "{old}"')
                cursor.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
                return name
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [template])
    finally:
        admin.close()
    self.connection.close()
    settings.DATABASES[self.connection.alias]["NAME"] = name
    self.connection.settings_dict["NAME"] = name
    if serialize:
        self.connection._test_serialized_contents = self.serialize_db_to_string()
    self.connection.ensure_connection()
    return name


def _drop_test_db(self, test_database_name, verbosity):
    """DROP DATABASE ... WITH (FORCE): a connection another thread has not
    closed yet must not leave the test database behind, as a plain DROP does
    when it races one (seen once after tests/inbox/test_migrations.py)."""
    self.connection.close_pool()
    with self._nodb_cursor() as cursor:
        cursor.execute(
            f"DROP DATABASE {self.connection.ops.quote_name(test_database_name)} WITH (FORCE)"
        )


def pytest_configure(config):
    from django.db.backends.postgresql.creation import DatabaseCreation
    from django.db.backends.postgresql.operations import DatabaseOperations

    global _truncate_flush, _migrate_test_db  # noqa: PLW0603
    _truncate_flush = DatabaseOperations.sql_flush
    DatabaseOperations.sql_flush = _delete_flush
    _migrate_test_db = DatabaseCreation.create_test_db
    DatabaseCreation.create_test_db = _create_test_db_from_template
    DatabaseCreation._destroy_test_db = _drop_test_db


_truncate_flush = None
_migrate_test_db = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under AJAR_REQUIRE_SERVICES=1: {report.longrepr}"


@pytest.fixture(autouse=True)
def _email_backend(settings):
    # Rendering tests read the in-memory outbox; delivery tests use a real SMTP
    # server and set their own backend.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth's rate limits live in the cache: each test starts with none used.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def other_user(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client
