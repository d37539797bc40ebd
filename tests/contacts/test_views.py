import datetime
import re
from html import escape, unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.pagination import CappedPaginator
from contacts.models import Contact, ContactRole, Interaction
from tests.factories import (
    ApplicationFactory,
    CompanyFactory,
    ContactFactory,
    ConversationFactory,
    UserFactory,
)
from tests.rows import make_rows

pytestmark = pytest.mark.django_db

LIST = reverse("contacts:list")
CREATE = reverse("contacts:create")
LOG = reverse("contacts:log_interaction")
NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


def names(response):
    return [c.name for c in response.context["page"].object_list]


# --- The list -------------------------------------------------------------------------------


def test_the_list_searches_names_emails_and_companies(user_client, user):
    acme = CompanyFactory(user=user, name="Acme")
    ContactFactory(user=user, name="Ada", company=acme, email="")
    ContactFactory(user=user, name="Grace", email="grace@navy.example")
    assert names(user_client.get(LIST, {"q": "acme"})) == ["Ada"]
    assert names(user_client.get(LIST, {"q": "navy"})) == ["Grace"]


def test_the_list_filters_by_company_and_role(user_client, user):
    acme = CompanyFactory(user=user)
    ContactFactory(user=user, name="Ada", company=acme, role=ContactRole.RECRUITER)
    ContactFactory(user=user, name="Bob", company=acme, role=ContactRole.INTERVIEWER)
    ContactFactory(user=user, name="Cy", role=ContactRole.RECRUITER)
    assert names(user_client.get(LIST, {"company": acme.pk})) == ["Ada", "Bob"]
    assert names(user_client.get(LIST, {"company": acme.pk, "role": "recruiter"})) == ["Ada"]


@time_machine.travel(NOW, tick=False)
def test_the_list_filters_by_last_contacted(user_client, user):
    recent, old, never = (
        ContactFactory(user=user, name="Recent"),
        ContactFactory(user=user, name="Old"),
        ContactFactory(user=user, name="Never"),
    )
    ConversationFactory(user=user, contacts=[recent], occurred_on=datetime.date(2026, 3, 1))
    ConversationFactory(user=user, contacts=[old], occurred_on=datetime.date(2025, 10, 1))
    assert names(user_client.get(LIST, {"contacted": "30"})) == ["Recent"]
    assert names(user_client.get(LIST, {"contacted": "stale"})) == ["Old"]
    assert names(user_client.get(LIST, {"contacted": "never"})) == [never.name]
    response = user_client.get(LIST)
    assert "1 Mar 2026" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_each_row_links_the_contact_and_company_with_its_role_and_last_date(user_client, user):
    acme = CompanyFactory(user=user, name="Acme")
    ada = ContactFactory(
        user=user, name="Ada", company=acme, role=ContactRole.RECRUITER, email="ada@acme.example"
    )
    ContactFactory(user=user, name="Bob", company=None, role=ContactRole.INTERVIEWER, email="")
    ConversationFactory(user=user, contacts=[ada], occurred_on=datetime.date(2026, 2, 3))
    html = " ".join(user_client.get(LIST).content.decode().split())
    detail = reverse("contacts:detail", args=[ada.pk])
    company = reverse("review:company_detail", args=[acme.pk])
    assert (
        f'<td><a href="{detail}">Ada</a></td> <td><a class="link-secondary" href="{company}">'
        f'Acme</a></td> <td class="d-none d-md-table-cell">{ContactRole.RECRUITER.label}</td>'
    ) in html
    assert '<td class="last-contacted">3 Feb 2026</td>' in html
    assert f">{ContactRole.INTERVIEWER.label}</td>" in html
    assert '<span class="text-body-secondary">no email</span>' in html
    assert '<td class="last-contacted"><span class="text-body-secondary">Never</span></td>' in html


def test_a_foreign_company_filter_is_a_field_error_not_a_leak(user_client, user, other_user):
    ContactFactory(user=user, name="Mine")
    theirs = CompanyFactory(user=other_user)
    ContactFactory(user=other_user, company=theirs, name="Theirs")
    response = user_client.get(LIST, {"company": theirs.pk})
    assert response.status_code == 200
    assert "company" in response.context["form"].errors
    assert names(response) == ["Mine"]


def test_an_empty_list_names_the_next_action(user_client):
    assert b"Add your first contact" in user_client.get(LIST).content


def test_past_the_count_cap_the_contacts_list_pages_on(user_client, user, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "count_cap", 10)
    Contact.objects.bulk_create(Contact(user=user, name=f"Person {i:02}") for i in range(55))
    first = user_client.get(LIST).content.decode()
    assert "Page 1<" in first
    assert "page=2" in first
    second = user_client.get(LIST, {"page": "2"})
    assert [c.name for c in second.context["page"].object_list] == [
        f"Person {i}" for i in range(50, 55)
    ]
    assert "page=3" not in second.content.decode()


def test_the_contacts_list_query_count_is_the_same_with_5_and_5000_rows(client):
    small, large = UserFactory(), UserFactory()
    make_rows(small, 5)
    make_rows(large, 5000)
    counts, sizes = [], []
    for owner in (small, large):
        client.force_login(owner)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(LIST, {"role": "other", "page": "1"})
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
        sizes.append(len(response.content))
    assert counts[0] == counts[1]
    assert counts[1] <= 8
    # 5,000 companies, and the company filter renders none of them.
    assert sizes[1] < 100_000


# --- Create, edit, delete, merge ---------------------------------------------------------------


def test_creating_a_contact_without_an_email(user_client, user):
    acme = CompanyFactory(user=user)
    response = user_client.post(
        CREATE, {"name": "Ada", "company": acme.pk, "role": "recruiter"}, follow=True
    )
    contact = Contact.objects.get()
    assert (contact.name, contact.email, contact.company) == ("Ada", "", acme)
    assert b"no email" in response.content


def test_the_create_form_prefills_the_company(user_client, user):
    acme = CompanyFactory(user=user)
    response = user_client.get(CREATE, {"company": acme.pk})
    assert response.context["form"].initial["company"] == acme


def test_creating_with_another_users_company_or_application_saves_nothing(
    user_client, user, other_user
):
    response = user_client.post(
        CREATE,
        {
            "name": "Ada",
            "role": "other",
            "company": CompanyFactory(user=other_user).pk,
            "applications": [ApplicationFactory(user=other_user).pk],
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"company", "applications"}
    assert not Contact.objects.filter(user=user).exists()


def test_a_bad_email_is_shown_beside_the_field(user_client):
    response = user_client.post(CREATE, {"name": "Ada", "role": "other", "email": "nope"})
    assert "email" in response.context["form"].errors
    assert not Contact.objects.exists()


def test_editing_a_contact(user_client, user):
    contact = ContactFactory(user=user, name="Ada")
    application = ApplicationFactory(user=user)
    response = user_client.post(
        reverse("contacts:edit", args=[contact.pk]),
        {"name": "Ada King", "role": "referrer", "applications": [application.pk]},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.name == "Ada King"
    assert list(contact.applications.all()) == [application]


def test_the_delete_confirmation_says_which_conversations_go(user_client, user):
    contact, other = ContactFactory(user=user), ContactFactory(user=user)
    ConversationFactory(user=user, contacts=[contact])
    ConversationFactory(user=user, contacts=[contact, other])
    url = reverse("contacts:delete", args=[contact.pk])
    content = user_client.get(url).content.decode()
    assert "1 conversation held with them alone goes too." in content
    assert "1 conversation with others stays" in content
    assert user_client.post(url).status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert Interaction.objects.count() == 1


def test_merging_from_the_page_keeps_interactions(user_client, user):
    keep, duplicate = ContactFactory(user=user), ContactFactory(user=user)
    talk = ConversationFactory(user=user, contacts=[duplicate])
    response = user_client.post(
        reverse("contacts:merge", args=[keep.pk]), {"duplicate": duplicate.pk}
    )
    assert response.status_code == 302
    assert list(talk.contacts.all()) == [keep]
    assert not Contact.objects.filter(pk=duplicate.pk).exists()


def test_merging_another_users_contact_is_a_field_error(user_client, user, other_user):
    keep, theirs = ContactFactory(user=user), ContactFactory(user=other_user)
    response = user_client.post(reverse("contacts:merge", args=[keep.pk]), {"duplicate": theirs.pk})
    assert response.status_code == 200
    assert "duplicate" in response.context["form"].errors
    assert Contact.objects.filter(pk=theirs.pk).exists()


# --- Conversations --------------------------------------------------------------------------


def test_the_detail_shows_every_application_and_interaction(user_client, user):
    contact = ContactFactory(user=user, email="")
    application = ApplicationFactory(user=user, role="Platform engineer")
    contact.applications.add(application)
    ConversationFactory(user=user, contacts=[contact], summary="Talked about the team")
    content = user_client.get(contact.get_absolute_url()).content.decode()
    assert "Platform engineer" in content
    assert "Talked about the team" in content
    assert "no email" in content


@time_machine.travel(NOW, tick=False)
def test_logging_from_the_application_page_links_it_and_moves_last_contacted(user_client, user):
    application = ApplicationFactory(user=user)
    insider = ContactFactory(user=user, company=application.company)
    next_url = application.get_absolute_url()
    response = user_client.post(
        LOG,
        {
            "occurred_on": "2026-03-09",
            "channel": "video",
            "contacts": [insider.pk],
            "summary": "Asked about other teams",
            "application": application.pk,
            "next": next_url,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == next_url
    interaction = Interaction.objects.get()
    assert interaction.application == application
    assert Contact.objects.with_last_contacted().get(pk=insider.pk).last_contacted_on == (
        datetime.date(2026, 3, 9)
    )
    assert b"9 Mar 2026" in user_client.get(insider.get_absolute_url()).content


def test_logging_with_someone_new_adds_them(user_client, user):
    company = CompanyFactory(user=user)
    response = user_client.post(
        LOG,
        {
            "occurred_on": "2026-03-09",
            "channel": "phone",
            "new_contact": "Grace Hopper",
            "company": company.pk,
        },
    )
    grace = Contact.objects.get(name="Grace Hopper")
    assert grace.company == company
    assert response["Location"] == grace.get_absolute_url()


def test_logging_with_nobody_shows_the_error_and_saves_nothing(user_client):
    response = user_client.post(LOG, {"occurred_on": "2026-03-09", "channel": "email"})
    assert response.status_code == 400
    assert "contacts" in response.context["form"].errors
    assert not Interaction.objects.exists()


def test_logging_with_another_users_ids_is_a_field_error(user_client, user, other_user):
    theirs = ContactFactory(user=other_user)
    their_application = ApplicationFactory(user=other_user)
    response = user_client.post(
        LOG,
        {
            "occurred_on": "2026-03-09",
            "channel": "email",
            "contacts": [theirs.pk],
            "application": their_application.pk,
        },
    )
    assert response.status_code == 400
    assert {"contacts", "application"} <= set(response.context["form"].errors)
    assert not Interaction.objects.exists()


def test_a_bad_date_is_a_field_error(user_client, user):
    contact = ContactFactory(user=user)
    response = user_client.post(
        LOG, {"occurred_on": "31/02/2026", "channel": "email", "contacts": [contact.pk]}
    )
    assert "occurred_on" in response.context["form"].errors


def test_the_log_page_scopes_its_query_string_ids_to_the_user(user_client, user, other_user):
    assert (
        user_client.get(LOG, {"application": ApplicationFactory(user=other_user).pk}).status_code
        == 404
    )
    assert user_client.get(LOG, {"company": "x"}).status_code == 404
    mine = ApplicationFactory(user=user)
    assert user_client.get(LOG, {"application": mine.pk}).status_code == 200


def _shell_url(html):
    """The address a closed "Log a conversation" asks its form from."""
    match = re.search(r'<details class="log-interaction[^>]* hx-get="([^"]+)"', html)
    assert match, html
    return unescape(match.group(1))


def test_the_closed_form_names_the_page_only_and_builds_no_form(user_client, user):
    from django.template import RequestContext, Template
    from django.test import RequestFactory

    application = ApplicationFactory(user=user)
    insider = ContactFactory(user=user, company=application.company, name="Insider")
    request = RequestFactory().get(application.get_absolute_url() + "?tab=1")
    request.user = user
    # As the application page includes it, with `only`: other page variables stay out.
    page = Template(
        '{% include "contacts/_log_interaction.html" with application=application only %}'
    )
    context = RequestContext(request, {"application": application, "contact": insider})
    with CaptureQueriesContext(connection) as queries:
        html = page.render(context)
    assert not queries.captured_queries
    assert "Insider" not in html
    assert "<form" not in html
    url = urlsplit(_shell_url(html))
    assert url.path == LOG
    assert parse_qs(url.query) == {
        "application": [str(application.pk)],
        "next": [f"{application.get_absolute_url()}?tab=1"],
    }
    # Without scripts, the same address opens the form on its own page.
    assert f'href="{escape(_shell_url(html))}"' in html


def test_opening_it_fetches_the_form_with_only_that_companys_people(user_client, user):
    application = ApplicationFactory(user=user)
    insider = ContactFactory(user=user, company=application.company, name="Insider")
    ContactFactory(user=user, name="Stranger")
    page = user_client.get(application.get_absolute_url()).content.decode()
    response = user_client.get(_shell_url(page), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith("<form")
    assert f'value="{insider.pk}"' in html
    assert "Stranger" not in html
    assert f'name="application" value="{application.pk}"' in html
    assert f'name="next" value="{application.get_absolute_url()}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "checked" not in html
    # Its own ids: the application page has a date field of its own.
    assert 'id="log_occurred_on"' in html
    assert 'for="log_occurred_on"' in html
    assert "Nobody to pick yet" not in html


def test_the_fetched_form_from_a_contact_ticks_them_and_says_when_nobody_is_offered(
    user_client, user
):
    contact = ContactFactory(user=user, company=None, name="Lone Wolf")
    page = user_client.get(contact.get_absolute_url()).content.decode()
    html = user_client.get(_shell_url(page), headers={"HX-Request": "true"}).content.decode()
    assert re.search(rf'value="{contact.pk}"[^>]*checked', html)
    assert "Nobody to pick yet" not in html
    empty = CompanyFactory(user=user)
    page = user_client.get(reverse("review:company_detail", args=[empty.pk])).content.decode()
    html = user_client.get(_shell_url(page), headers={"HX-Request": "true"}).content.decode()
    assert "Nobody to pick yet" in html


def test_the_fetched_form_is_scoped_to_the_user(user_client, user, other_user):
    foreign = ApplicationFactory(user=other_user)
    response = user_client.get(LOG, {"application": foreign.pk}, headers={"HX-Request": "true"})
    assert response.status_code == 404


def test_deleting_a_conversation(user_client, user):
    talk = ConversationFactory(user=user)
    response = user_client.post(
        reverse("contacts:interaction_delete", args=[talk.pk]), {"next": "/contacts/"}
    )
    assert response["Location"] == "/contacts/"
    assert not Interaction.objects.exists()


def test_an_offsite_next_is_ignored(user_client, user):
    contact = ContactFactory(user=user)
    response = user_client.post(
        LOG,
        {
            "occurred_on": "2026-03-09",
            "channel": "email",
            "contacts": [contact.pk],
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == contact.get_absolute_url()


def test_the_log_page_says_nobody_is_offered_only_when_nobody_is(user_client, user):
    ContactFactory(user=user, name="Ada")
    # From nowhere in particular it searches every contact: someone to pick.
    searched = user_client.get(LOG).content.decode()
    assert 'name="contacts"' in searched
    assert "Nobody to pick yet" not in searched
    empty = CompanyFactory(user=user)
    assert "Nobody to pick yet" in user_client.get(LOG, {"company": empty.pk}).content.decode()


def test_the_log_page_and_the_fetched_form_are_one_form(user_client, user):
    """The page without scripts writes the fragment a closed form fetches: the
    same fields and errors, with a way back to where it was opened from."""
    application = ApplicationFactory(user=user)
    ContactFactory(user=user, company=application.company, name="Insider")
    query = {"application": application.pk, "next": application.get_absolute_url()}
    page = user_client.get(LOG, query)
    fragment = user_client.get(LOG, query, headers={"HX-Request": "true"})
    assert "contacts/_log_interaction_form.html" in [t.name for t in page.templates]
    html = page.content.decode()
    assert f'<form method="post" action="{LOG}" novalidate class="form-narrow">' in html
    assert f'<a class="btn btn-link" href="{application.get_absolute_url()}">Cancel</a>' in html
    assert "Cancel" not in fragment.content.decode()
    # A field error comes back on the page, with the form's own message.
    refused = user_client.post(LOG, {"occurred_on": "2026-03-09", "channel": "email"})
    assert refused.status_code == 400
    assert "invalid-feedback" in refused.content.decode()
