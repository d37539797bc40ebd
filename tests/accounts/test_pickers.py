"""Search pickers: a page renders only the chosen value, however many rows the
account holds; the options endpoints search the user's own rows only."""

import pytest
from django.urls import reverse

from applications.filters import ApplicationFilter
from applications.models import Application, Company
from contacts.forms import ContactForm
from reminders.forms import RejectionLogForm
from tests import factories

pytestmark = pytest.mark.django_db


def _companies(user, n):
    return Company.objects.bulk_create(Company(user=user, name=f"Firm {i:04}") for i in range(n))


def test_a_company_picker_renders_only_the_chosen_company(user):
    companies = _companies(user, 300)
    chosen = companies[123]
    html = str(ApplicationFilter({"company": str(chosen.pk)}, user=user).form["company"])
    assert html.count("<option") == 2  # "Any company" and the chosen one
    assert f'value="{chosen.pk}" selected' in html
    assert "Firm 0124" not in html
    assert 'hx-get="/applications/companies/options/?field=company' in html


def test_an_unbound_picker_renders_the_empty_choice_alone(user):
    _companies(user, 50)
    html = str(RejectionLogForm(user=user)["company"])
    assert html.count("<option") == 1


def test_the_met_during_list_ticks_the_chosen_and_shows_at_most_20_others(user):
    company = factories.CompanyFactory(user=user)
    mine = Application.objects.bulk_create(
        Application(user=user, company=company, role=f"Role {i:02}") for i in range(30)
    )
    contact = factories.ContactFactory(user=user)
    contact.applications.set([mine[3], mine[7]])
    html = str(ContactForm(instance=contact, user=user)["applications"])
    assert "<select" not in html
    assert html.count('type="checkbox"') == 22
    assert html.count(" checked>") == 2
    assert f'value="{mine[3].pk}" id="id_applications_list_{mine[3].pk}" checked' in html
    assert 'hx-get="/applications/options/?as=checkboxes&amp;field=applications' in html
    assert 'role="status">22 shown' in html


def test_the_checkbox_search_keeps_the_ticked_and_finds_the_users_own_matches(client, user):
    ticked = factories.ApplicationFactory(user=user, role="Baker")
    factories.ApplicationFactory(user=user, role="Gardener")
    factories.ApplicationFactory(user=user, role="Plumber")
    factories.ApplicationFactory(role="Gardener elsewhere")
    client.force_login(user)
    html = client.get(
        reverse("applications:options"),
        {
            "as": "checkboxes",
            "field": "applications",
            "list": "id_applications_list",
            "applications": [str(ticked.pk), "junk", "9" * 40],
            "term": "garden",
        },
    ).content.decode()
    assert html.count('type="checkbox"') == 2
    assert f'value="{ticked.pk}" id="id_applications_list_{ticked.pk}" checked' in html
    assert "Gardener at" in html
    assert "Plumber" not in html
    assert "elsewhere" not in html
    assert 'id="id_applications_list_status" hx-swap-oob="innerHTML">2 shown for “garden”' in html


def test_the_checkbox_search_takes_only_a_plain_list_id(client, user):
    factories.ApplicationFactory(user=user)
    client.force_login(user)
    html = client.get(
        reverse("applications:options"),
        {"as": "checkboxes", "field": "applications", "list": '"><script>x</script>'},
    ).content.decode()
    assert "<script" not in html
    assert 'id="picker_list_status"' in html


def test_someone_elses_company_is_not_rendered_even_when_its_id_is_posted(user):
    theirs = factories.CompanyFactory()
    html = str(ApplicationFilter({"company": str(theirs.pk)}, user=user).form["company"])
    assert theirs.name not in html


def test_the_company_options_match_every_word_and_keep_the_chosen_one(client, user):
    companies = _companies(user, 30)
    factories.CompanyFactory(name="Firm 0001 of someone else")
    client.force_login(user)
    response = client.get(
        reverse("applications:company_options"),
        {"term": "firm 000", "field": "company", "company": str(companies[25].pk), "empty": "Any"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<option value="">Any</option>')
    assert f'<option value="{companies[25].pk}" selected>Firm 0025</option>' in html
    assert html.count("Firm 000") == 10
    assert "someone else" not in html


def test_the_options_are_bounded_and_cost_a_fixed_number_of_queries(
    client, user, django_assert_max_num_queries
):
    _companies(user, 100)
    client.force_login(user)
    with django_assert_max_num_queries(4):  # session, user, kept, matches
        response = client.get(reverse("applications:company_options"), {"term": "firm"})
    assert response.content.decode().count("<option") == 20


def test_the_application_and_contact_options_search_their_own_rows(client, user):
    factories.ApplicationFactory(user=user, role="Gardener")
    factories.ApplicationFactory(role="Gardener elsewhere")
    factories.ContactFactory(user=user, name="Robin Gardener")
    factories.ContactFactory(name="Robin Gardener elsewhere")
    client.force_login(user)
    apps = client.get(reverse("applications:options"), {"term": "garden"}).content.decode()
    people = client.get(reverse("contacts:options"), {"term": "robin"}).content.decode()
    assert apps.count("<option") == 1
    assert "elsewhere" not in apps
    assert people.count("<option") == 1
    assert "elsewhere" not in people


def test_a_search_with_no_match_says_so(client, user):
    client.force_login(user)
    html = client.get(reverse("applications:company_options"), {"term": "zzz"}).content.decode()
    assert "No match" in html


@pytest.mark.parametrize("term", ["\x00", "a" * 5000, "%", "_"])
def test_odd_search_terms_are_not_errors(client, user, term):
    client.force_login(user)
    response = client.get(
        reverse("applications:company_options"),
        {"term": term, "field": "company", "company": "9" * 40},
    )
    assert response.status_code == 200


def test_the_options_need_a_login(client):
    response = client.get(reverse("contacts:options"))
    assert response.status_code == 302
