"""Bad input never gives a 500, on every private page: GET with odd values in
every query parameter a page reads (all ten values in each request, rotated
over the keys, so that five requests of each kind give every key every
value), and POST with odd values in every field of the page's forms (plus the
ids the views read from bodies and htmx requests).

Pages come from tests/test_url_walker.py, so a new view is walked here too.
"""

import re

import pytest
from django.urls import reverse

from config.urls import PUBLIC_URL_NAMES
from tests import factories
from tests.test_url_walker import OBJECT_URLS, all_url_names

ODD_VALUES = [
    "\x00",
    "x" * 120_000,
    "-1",
    "9" * 30,
    "1e400",
    "0001-01-01",
    "9999-12-31T23:59",
    "2026-02-30",
    "<b>\u202e\U0001f4a5</b>",
    "1,2",
]

QUERY_KEYS = [
    "q", "page", "stage", "outcome", "company", "source", "applied_from", "applied_to",
    "role", "contacted", "closed", "offset", "application", "contact", "status", "weeks",
    "next",
]  # fmt: skip

# Read by views from bodies whether or not the page's form shows them.
BODY_KEYS = {"name", "company", "application", "contacts", "contact", "stage", "weeks",
             "duplicate", "role", "next", "closed"}  # fmt: skip

NAME = re.compile(r'name="([^"]+)"')


def _private_pages(owner):
    for name, pattern in sorted(all_url_names().items()):
        if name in PUBLIC_URL_NAMES or name.startswith("account_"):
            continue
        if name in OBJECT_URLS:
            yield name, reverse(name, kwargs=OBJECT_URLS[name](owner))
        elif not pattern.pattern.regex.groupindex:
            yield name, reverse(name)


def _owner(client):
    owner = factories.UserFactory()
    application = factories.RejectedApplicationFactory(user=owner)
    factories.ContactFactory(user=owner, company=application.company)
    factories.ApplicationFactory(user=owner, company=application.company)
    client.force_login(owner)
    # A 500 is reported as a status, with the value that caused it.
    client.raise_request_exception = False
    return owner


def _rotated(keys, offset: int) -> dict:
    """Each key an odd value, its neighbours the next ones: with 17 keys every
    odd value is in the query, and offsets 0 to 9 give each key each value."""
    return {key: ODD_VALUES[(i + offset) % len(ODD_VALUES)] for i, key in enumerate(keys)}


HALF = len(ODD_VALUES) // 2


@pytest.mark.django_db
@pytest.mark.parametrize("offset", range(HALF))
def test_odd_query_parameters_never_give_a_500(client, offset):
    """Over the five tests, every page gets every odd value in every query key
    (plain GETs the offsets 0 to 4, htmx GETs 5 to 9), and each request of
    either kind carries all ten values at once."""
    owner = _owner(client)
    failures = []
    for name, url in _private_pages(owner):
        for headers, query in (
            ({}, _rotated(QUERY_KEYS, offset)),
            ({"HTTP_HX_REQUEST": "true"}, _rotated(QUERY_KEYS, offset + HALF)),
        ):
            response = client.get(url, query, **headers)
            if response.status_code >= 500:
                failures.append(f"GET {name} {headers} (offset {offset})")
    assert not failures, failures


# The fields a page's forms show, by URL name: read once (the first test to
# need them) and reused by the others, which start from the same rows.
_FIELDS: dict[str, set[str]] = {}


def _fields(client, name: str, url: str) -> set[str]:
    if name not in _FIELDS:
        page = client.get(url)
        # A download (CSV, a backup) streams: it has no form to read fields from.
        html = page.status_code == 200 and not page.streaming
        _FIELDS[name] = set(NAME.findall(page.content.decode())) if html else set()
    return _FIELDS[name]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ODD_VALUES, ids=range(len(ODD_VALUES)))
def test_odd_form_values_never_give_a_500(client, value):
    owner = _owner(client)
    failures = []
    for name, url in _private_pages(owner):
        fields = _fields(client, name, url)
        data = dict.fromkeys((fields | BODY_KEYS) - {"csrfmiddlewaretoken"}, value)
        for prefix in ("new_contact",):
            if f"{prefix}-TOTAL_FORMS" in data:
                data.update({f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0"})
        # htmx POSTs only where a view answers them differently (the board).
        variants = ({}, {"HTTP_HX_REQUEST": "true"}) if "board" in name else ({},)
        for headers in variants:
            response = client.post(url, data, **headers)
            if response.status_code >= 500:
                failures.append(f"POST {name} {headers}")
    assert not failures, failures


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_never_give_a_500(client, method):
    owner = _owner(client)
    failures = []
    for name, url in _private_pages(owner):
        response = getattr(client, method)(url)
        if response.status_code >= 500:
            failures.append(f"{method.upper()} {name}")
    assert not failures, failures
