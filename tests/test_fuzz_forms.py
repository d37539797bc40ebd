"""Fuzzing as a standing test: hypothesis over every form and upload.

Forms are found, not listed: every URL pattern (tests/test_url_walker.py walks
them, with an object of the owner's for the ones that take an id) is opened, and
every <form> on the page is read from its HTML: its action, method, and fields
with their types, options and hidden values. Hypothesis then fills each form
with values drawn from the field's type mixed with hostile ones (NUL, RLO, a
million characters, years 1 and 9999, 2**63, NaN, odd time zones, odd files)
and posts it. The property, for every submission:

- never a 500;
- all or nothing: a submission that is refused (4xx, or the page shown again
  with a field error) leaves every row of the project's models as it was.

Each example runs in a savepoint that is rolled back, so every one starts from
the same data. The budget is a hypothesis profile: `default` is small (make
test), `ci` larger (HYPOTHESIS_PROFILE=ci in .ci/run); see tests/conftest.py.
"""

import datetime
import hashlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import Resolver404, resolve, reverse
from hypothesis import HealthCheck, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from config.urls import PUBLIC_URL_NAMES
from tests import factories
from tests.test_url_walker import OBJECT_URLS, all_url_names

PROJECT_APPS = {"accounts", "applications", "contacts", "reminders", "review", "account"}
# Signing out ends the walk; /health/ has no form and is a 503 with no sweep yet.
SKIP_URL_NAMES = {"account_logout", "health"}

HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202eevil.exe",
    "\U0001f4a5" * 3,
    "x" * 1_000_000,
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59",
    "0000-00-00",
    "2026-02-30",
    str(2**63),
    str(-(2**63) - 1),
    "NaN",
    "inf",
    "-0",
    "1e309",
    "\u0661\u0662\u0663",  # Arabic-Indic digits: int() takes them
    "\uff12\uff10\uff12\uff16-01-01",  # full-width digits
    "Etc/GMT-14",
    "Pacific/Kiritimati",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Europe/Lisbon ",
    "UTC\x00",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "{{ 7|add:7 }}{% now 'Y' %}",
    "' OR '1'='1",
    "\r\nBcc: victim@example.com",
    "1,2,3",
    "-1",
]
HOSTILE_FILES = [
    ("empty.pdf", b"", "application/pdf"),
    ("letter.pdf", b"%PDF-1.4\n" + b"\x00\xff" * 200, "application/pdf"),
    ("letter.eml", b"From: a@b\r\nSubject: \xff\xfe\r\n\r\nbody", "message/rfc822"),
    (
        "nested.eml",
        b"".join(
            b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
            for i in range(300)
        ),
        "message/rfc822",
    ),
    ("\u202egpj.exe", b"MZ\x90\x00", "application/octet-stream"),
    ("a" * 300 + ".eml", b"Subject: x\r\n\r\ny", "message/rfc822"),
]


# --- Reading forms from a page -----------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # an <input> type, "select", "select-multiple" or "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: dict[str, Field] = field(default_factory=dict)


class _FormReader(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs_list: list) -> None:
        attrs = {k: (v or "") for k, v in attrs_list}
        if tag == "form":
            self._form = Form(
                action=attrs.get("action") or attrs.get("hx-post") or self.page_url,
                method=(attrs.get("method") or ("post" if "hx-post" in attrs else "get")).lower(),
                enctype=attrs.get("enctype", ""),
            )
            self.forms.append(self._form)
            return
        if self._form is None or "name" not in attrs:
            if tag == "option" and self._select is not None:
                self._select.options.append(attrs.get("value", ""))
            return
        name = attrs["name"]
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            existing = self._form.fields.get(name)
            if kind in {"checkbox", "radio"} and existing is not None:
                existing.options.append(attrs.get("value", "on"))
                return
            self._form.fields[name] = Field(
                name, kind, attrs.get("value", ""), [attrs.get("value", "on")]
            )
        elif tag == "select":
            kind = "select-multiple" if "multiple" in attrs else "select"
            self._select = self._form.fields[name] = Field(name, kind)
        elif tag == "textarea":
            self._textarea = self._form.fields[name] = Field(name, "textarea")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def forms_on(page_url: str, html: str) -> list[Form]:
    reader = _FormReader(page_url)
    reader.feed(html)
    return [form for form in reader.forms if _is_ours(form.action)]


def _is_ours(url: str) -> bool:
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != "testserver":
        return False
    try:
        resolve(parts.path)
    except Resolver404:
        return False
    return True


# --- Values ------------------------------------------------------------------------------

hostile = st.sampled_from(HOSTILE_TEXT)
text = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
dates = st.dates(min_value=datetime.date(1, 1, 1)).map(lambda d: d.isoformat())
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
files = st.one_of(
    st.sampled_from(HOSTILE_FILES),
    st.tuples(st.sampled_from(["a.pdf", "a.eml", "a.txt"]), st.binary(max_size=4096), st.just("")),
)


def value_for(spec: Field) -> st.SearchStrategy:
    kind = spec.kind
    if kind in {"select", "radio"}:
        typed = st.sampled_from(spec.options or [""])
    elif kind in {"select-multiple", "checkbox"}:
        typed = st.lists(st.sampled_from(spec.options or ["on"]), max_size=4, unique=True)
    elif kind == "hidden":
        typed = st.just(spec.value)
    elif kind == "date":
        typed = dates
    elif kind == "datetime-local":
        typed = st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M"))
    elif kind == "time":
        typed = st.times().map(lambda t: t.strftime("%H:%M"))
    elif kind == "number":
        typed = numbers
    elif kind == "email":
        typed = st.emails()
    elif kind == "url":
        typed = st.sampled_from(["https://example.com/a", "javascript:alert(1)", "http://[::1"])
    elif kind == "file":
        return files.map(lambda f: SimpleUploadedFile(f[0], f[1], content_type=f[2] or None))
    else:
        typed = text
    # Mostly what the field expects (so the deeper checks run), often hostile.
    return st.one_of(typed, typed, hostile, hostile.map(lambda v: [v]))


def submission(form: Form) -> st.SearchStrategy:
    fields = {
        name: value_for(spec)
        for name, spec in form.fields.items()
        if name != "csrfmiddlewaretoken" and spec.kind not in {"submit", "button", "image"}
    }
    # Any field may also be missing.
    return st.fixed_dictionaries({}, optional=fields)


# --- The property ------------------------------------------------------------------------


def _project_models() -> list:
    return [m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS]


def fingerprint() -> dict[str, str]:
    """A digest of every row of each project model, by model."""
    digests = {}
    for model in _project_models():
        digest = hashlib.sha256()
        for row in model.objects.order_by("pk").values_list():
            # Binary columns come back as memoryviews, whose repr is an address.
            values = tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
            digest.update(repr(values).encode())
        digests[model._meta.label] = digest.hexdigest()
    return digests


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(label for label in before if before[label] != after.get(label))


ERROR_MARKERS = ("is-invalid", "invalid-feedback", "errorlist", "alert-danger")


def _refused(response) -> bool:
    if 300 <= response.status_code < 400:
        return False
    if response.status_code >= 400:
        return True
    body = response.content.decode(errors="replace") if not response.streaming else ""
    return any(marker in body for marker in ERROR_MARKERS)


def _page(owner, name: str) -> tuple[str, bool]:
    """The URL of a pattern (with one of the owner's objects when it takes an
    id) and whether to open it signed in."""
    if name in OBJECT_URLS:
        return reverse(name, kwargs=OBJECT_URLS[name](owner)), True
    return reverse(name), name not in PUBLIC_URL_NAMES


def _owner():
    owner = factories.UserFactory()
    application = factories.RejectedApplicationFactory(user=owner)
    factories.ContactFactory(user=owner, company=application.company)
    factories.ApplicationFactory(user=owner, company=application.company)
    factories.AttachmentFactory(user=owner)
    return owner


URL_NAMES = sorted(
    name
    for name, pattern in all_url_names().items()
    if name not in SKIP_URL_NAMES and (name in OBJECT_URLS or not pattern.pattern.regex.groupindex)
)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", URL_NAMES)
def test_every_form_on_the_page_never_500s_and_saves_all_or_nothing(client, url_name):
    owner = _owner()
    url, signed_in = _page(owner, url_name)
    if signed_in:
        client.force_login(owner)
    client.raise_request_exception = False
    page = client.get(url)
    assert page.status_code < 500, f"GET {url} answered {page.status_code}"
    readable = page.status_code == 200 and not page.streaming  # a download has no form
    html = page.content.decode(errors="replace") if readable else ""
    forms = forms_on(url, html)
    if not forms:
        # A URL without a page of its own (a POST-only action): post to it anyway.
        forms = [Form(action=url, method="post", enctype="", fields={
            key: Field(key, "text") for key in ("name", "company", "application", "contacts",
                                                 "contact", "stage", "weeks", "next", "closed")
        })]  # fmt: skip

    for form in forms:
        _fuzz_one_form(client, form)


def _fuzz_one_form(client, form: Form) -> None:
    @hypothesis_settings(
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
        deadline=None,
    )
    @given(data=submission(form), htmx=st.booleans())
    def submit(data: dict, htmx: bool) -> None:
        note(f"{form.method.upper()} {form.action} {sorted(data)}")
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        with transaction.atomic():
            before = fingerprint()
            if form.method == "get":
                plain = {k: v for k, v in data.items() if not isinstance(v, SimpleUploadedFile)}
                response = client.get(form.action, plain, **headers)
            else:
                response = client.post(form.action, data, **headers)
            status = response.status_code
            assert status < 500, f"{form.method.upper()} {form.action} answered {status}"
            if form.method == "post" and _refused(response):
                moved = changed(before, fingerprint())
                assert not moved, f"POST {form.action} was refused ({status}) but changed {moved}"
            transaction.set_rollback(True)

    submit()


def test_the_form_reader_finds_fields_options_and_hidden_values():
    html = """
    <form method="post" action="/applications/new/" enctype="multipart/form-data">
      <input type="hidden" name="csrfmiddlewaretoken" value="t">
      <input type="hidden" name="new_contact-TOTAL_FORMS" value="1">
      <input name="role"><input type="date" name="applied_on">
      <select name="stage">
        <option value="10">Saved</option><option value="20">Applied</option>
      </select>
      <select name="contacts" multiple><option value="1">A</option></select>
      <input type="checkbox" name="c" value="1"><input type="checkbox" name="c" value="2">
      <textarea name="notes">hello</textarea><input type="file" name="letter_file">
    </form>
    <form action="https://elsewhere.example/x" method="post"><input name="q"></form>
    """
    (form,) = forms_on("/applications/new/", html)
    assert form.method == "post"
    assert form.fields["new_contact-TOTAL_FORMS"].value == "1"
    assert form.fields["stage"].options == ["10", "20"]
    assert form.fields["contacts"].kind == "select-multiple"
    assert form.fields["c"].options == ["1", "2"]
    assert form.fields["notes"].value == "hello"
    assert form.fields["letter_file"].kind == "file"
