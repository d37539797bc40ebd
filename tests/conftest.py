import os

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
