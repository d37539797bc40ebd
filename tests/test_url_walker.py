"""Walk every URL pattern: private by default, scoped to the owner.

A new view cannot escape these tests: a URL that is not on the public allowlist
must redirect anonymous requests to login, and a URL that takes an object id
must be listed in OBJECT_URLS below (or the walker fails), so that another
user's id gives 404 on GET and POST.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from config.urls import PUBLIC_URL_NAMES
from tests import factories
from tests.inbox.factories import InboundAttachmentFactory, InboundMessageFactory

# URL name -> a function (owner) -> kwargs naming one of owner's objects.
# Every URL with arguments that is not public must appear here.
OBJECT_URLS = {
    "review:application": lambda owner: {"pk": factories.ApplicationFactory(user=owner).pk},
    # Applications and rejections (log-rejection issue).
    "applications:edit": lambda owner: {"pk": factories.ApplicationFactory(user=owner).pk},
    "reminders:application_delete": lambda owner: {
        "pk": factories.ApplicationFactory(user=owner).pk
    },
    "applications:move": lambda owner: {"pk": factories.ApplicationFactory(user=owner).pk},
    "reminders:rejection_logged": lambda owner: {"pk": factories.ApplicationFactory(user=owner).pk},
    "applications:event_edit": lambda owner: {
        "pk": factories.ApplicationFactory(user=owner).events.get().pk
    },
    "applications:event_delete": lambda owner: {
        "pk": factories.ApplicationFactory(user=owner).events.get().pk
    },
    "reminders:rejection_edit": lambda owner: {
        "pk": factories.RejectedApplicationFactory(user=owner).pk
    },
    "reminders:reopen": lambda owner: {"pk": factories.RejectedApplicationFactory(user=owner).pk},
    "reminders:outcome": lambda owner: {"pk": factories.ApplicationFactory(user=owner).pk},
    "reminders:people_add": lambda owner: {"pk": factories.ApplicationFactory(user=owner).pk},
    "reminders:move_undo": lambda owner: {"pk": factories.ReminderFactory(user=owner).pk},
    "applications:letter_download": lambda owner: {
        "pk": factories.AttachmentFactory(user=owner).rejection.application_id
    },
    "applications:attachment_download": lambda owner: {
        "pk": factories.AttachmentFactory(user=owner, kind="enclosed").pk
    },
    "contacts:detail": lambda owner: {"pk": factories.ContactFactory(user=owner).pk},
    # Reminders (circle-back email issue).
    "reminders:done": lambda owner: {"pk": factories.ReminderFactory(user=owner).pk},
    "reminders:snooze": lambda owner: {"pk": factories.ReminderFactory(user=owner).pk},
    "reminders:dismiss": lambda owner: {"pk": factories.ReminderFactory(user=owner).pk},
    "reminders:retry": lambda owner: {"pk": factories.ReminderFactory(user=owner).pk},
    "reminders:reapply": lambda owner: {"pk": factories.ReminderFactory(user=owner).pk},
    # Board, companies, dashboard and contacts (board issue).
    "applications:board_move": lambda owner: {"pk": factories.ApplicationFactory(user=owner).pk},
    "reminders:mark_ghosted": lambda owner: {"pk": factories.ApplicationFactory(user=owner).pk},
    "review:company_detail": lambda owner: {"pk": factories.CompanyFactory(user=owner).pk},
    "review:company_rename": lambda owner: {"pk": factories.CompanyFactory(user=owner).pk},
    "review:company_merge": lambda owner: {"pk": factories.CompanyFactory(user=owner).pk},
    "review:company_delete": lambda owner: {"pk": factories.CompanyFactory(user=owner).pk},
    "contacts:edit": lambda owner: {"pk": factories.ContactFactory(user=owner).pk},
    "contacts:delete": lambda owner: {"pk": factories.ContactFactory(user=owner).pk},
    "contacts:merge": lambda owner: {"pk": factories.ContactFactory(user=owner).pk},
    "contacts:interaction_delete": lambda owner: {
        "pk": factories.ConversationFactory(user=owner).pk
    },
    # Own your data (portability issue).
    "portability:import_preview": lambda owner: {"pk": _import_upload(owner).pk},
    "portability:reminder_ics": lambda owner: {"pk": factories.ReminderFactory(user=owner).pk},
    "portability:interview_ics": lambda owner: {"pk": _scheduled_interview(owner).pk},
    "portability:contact_vcard": lambda owner: {"pk": factories.ContactFactory(user=owner).pk},
    # The Inbox (rejection emails issue).
    "inbox:detail": lambda owner: {"pk": InboundMessageFactory(user=owner).pk},
    "inbox:confirm": lambda owner: {"pk": InboundMessageFactory(user=owner).pk},
    "inbox:dismiss": lambda owner: {"pk": InboundMessageFactory(user=owner).pk},
    "inbox:add_stage": lambda owner: {"pk": InboundMessageFactory(user=owner).pk},
    "inbox:raw_download": lambda owner: {"pk": InboundMessageFactory(user=owner).pk},
    "inbox:attachment_download": lambda owner: {
        "pk": InboundAttachmentFactory(message__user=owner).pk
    },
}


def _import_upload(owner):
    from portability.models import ImportUpload

    return ImportUpload.objects.create(
        user=owner, filename="a.csv", size=20, data=b"Company,Role\nAcme,Dev\n"
    )


def _scheduled_interview(owner):
    import datetime

    from applications.models import Stage, StageEvent

    return StageEvent.objects.create(
        application=factories.ApplicationFactory(user=owner),
        stage=Stage.INTERVIEW,
        occurred_on=datetime.date(2026, 5, 1),
        scheduled_at=datetime.datetime(2026, 5, 1, 9, 0, tzinfo=datetime.UTC),
    )


# Arguments of URLs that are not about one of the user's objects.
SKIP_PREFIXES = ("admin:",)


def _walk(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            yield from _walk(entry, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def all_url_names():
    seen = {}
    for name, pattern in _walk():
        if name.startswith(SKIP_PREFIXES) or name in seen:
            continue
        seen[name] = pattern
    return seen


def _takes_arguments(pattern):
    return bool(pattern.pattern.regex.groupindex)


PRIVATE_WITHOUT_ARGS = sorted(
    name
    for name, pattern in all_url_names().items()
    if name not in PUBLIC_URL_NAMES and not _takes_arguments(pattern)
)
PRIVATE_WITH_ARGS = sorted(
    name
    for name, pattern in all_url_names().items()
    if name not in PUBLIC_URL_NAMES and _takes_arguments(pattern)
)


def test_every_private_url_with_arguments_is_listed_for_the_ownership_walk():
    missing = sorted(set(PRIVATE_WITH_ARGS) - set(OBJECT_URLS))
    assert not missing, f"add these to OBJECT_URLS in {__file__}: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", PRIVATE_WITHOUT_ARGS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_requests_to_private_pages_redirect_to_login(client, name, method):
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302, name
    assert response["Location"].startswith(reverse("account_login")), name


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_requests_to_object_pages_redirect_to_login(client, other_user, name, method):
    url = reverse(name, kwargs=OBJECT_URLS[name](other_user))
    response = getattr(client, method)(url)
    assert response.status_code == 302, name
    assert response["Location"].startswith(reverse("account_login")), name


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_users_object_is_a_404(user_client, other_user, name, method):
    url = reverse(name, kwargs=OBJECT_URLS[name](other_user))
    response = getattr(user_client, method)(url)
    assert response.status_code == 404, f"{method.upper()} {url} answered {response.status_code}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_the_owner_reaches_their_object(client, user, name):
    client.force_login(user)
    url = reverse(name, kwargs=OBJECT_URLS[name](user))
    response = client.get(url)
    assert response.status_code in {200, 302, 405}, f"GET {url} answered {response.status_code}"


def test_public_views_are_exactly_the_allowlist():
    """A view marked login_not_required must be on the allowlist, and the reverse."""
    public = {
        name
        for name, pattern in all_url_names().items()
        if getattr(pattern.callback, "login_required", True) is False
    }
    unlisted = public - PUBLIC_URL_NAMES
    assert not unlisted, f"public views missing from PUBLIC_URL_NAMES: {sorted(unlisted)}"
