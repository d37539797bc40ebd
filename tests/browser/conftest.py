"""Browser tests: Playwright for Python driving Debian's Chromium.

Every page a test visits is checked for Content-Security-Policy violations
(the test fails on a `securitypolicyviolation` event) and can be checked with
axe-core (`axe_check(page)`: no serious or critical violations).
"""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("AJAR_CHROMIUM", "/usr/bin/chromium")

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def csp_violations():
    return []


CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations = window.__cspViolations || [];
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
  console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI);
});
"""


@pytest.fixture
def page(page, csp_violations):
    """Playwright's page, failing the test on any CSP violation it reports."""
    page.add_init_script(CSP_LISTENER)
    page.set_default_timeout(15_000)

    def on_console(message):
        if message.text.startswith("CSP violation"):
            csp_violations.append(message.text)

    page.on("console", on_console)
    yield page
    assert csp_violations == [], f"Content-Security-Policy violated: {csp_violations}"


@pytest.fixture
def axe_check():
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page):
        for attempt in range(3):
            page.wait_for_load_state()
            try:
                return run(page)
            except PlaywrightError as error:
                # A click's page load began during the run and took the document
                # away: check the page it led to instead.
                message = error.message
                gone = "documentElement" in message or "context was destroyed" in message
                if not gone or attempt == 2:
                    raise
        return None

    def run(page):
        # Two elements with one id send a label (or aria reference) to the wrong
        # input; axe rates that minor, we do not.
        duplicates = page.evaluate(
            """() => {
              const seen = {}, twice = new Set();
              document.querySelectorAll('[id]').forEach(e => {
                if (seen[e.id]) twice.add(e.id); seen[e.id] = true;
              });
              return [...twice];
            }"""
        )
        assert not duplicates, f"{page.url}: duplicate ids {duplicates}"
        results = axe.run(page)
        bad = [
            v for v in results.response["violations"] if v.get("impact") in {"serious", "critical"}
        ]
        assert not bad, "axe: " + "; ".join(
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}" for v in bad
        )

    return check


def assert_no_horizontal_scroll(page):
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls horizontally by {overflow}px"


@pytest.fixture
def login_with_form(live_server):
    """Log `user` in through the real login form."""

    def do_login(page, user, password="correct horse battery"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url(lambda url: "/accounts/login" not in url)

    return do_login


@pytest.fixture
def login(live_server):
    """Start `user` signed in, where the login form lands (the dashboard): a
    session made on the server (Django's force_login, the same session keys a
    sign-in writes) handed to the browser as its cookie. The form itself is
    walked by `login_with_form` (tests/browser/test_smoke.py, test_accounts.py,
    and the account deletion, which asks for the password again)."""
    from django.conf import settings
    from django.shortcuts import resolve_url
    from django.test import Client

    def do_login(page, user):
        client = Client()
        client.force_login(user)
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                    "httpOnly": settings.SESSION_COOKIE_HTTPONLY,
                    "secure": settings.SESSION_COOKIE_SECURE,
                    "sameSite": settings.SESSION_COOKIE_SAMESITE or "Lax",
                }
            ]
        )
        page.goto(f"{live_server.url}{resolve_url(settings.LOGIN_REDIRECT_URL)}")

    return do_login
