import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.pagination import CappedPaginator
from applications.models import Application, Stage
from applications.services import application_move
from reminders.models import Reminder
from reminders.services import rejection_log
from tests.factories import (
    ApplicationFactory,
    AttachmentFactory,
    CompanyFactory,
    ContactFactory,
    RejectedApplicationFactory,
    UserFactory,
)
from tests.pages import CREATE, LIST, LOG

pytestmark = pytest.mark.django_db


def test_an_empty_list_names_the_next_actions(user_client):
    response = user_client.get(LIST)
    body = response.content.decode()
    assert "No applications yet." in body
    assert CREATE in body
    assert LOG in body


def test_the_list_searches_and_filters(user_client, user):
    acme = CompanyFactory(user=user, name="Acme")
    wanted = ApplicationFactory(
        user=user, company=acme, role="Data engineer", source="referral", current_stage=30
    )
    ApplicationFactory(
        user=user, company=acme, role="Designer", applied_on=datetime.date(2025, 1, 1)
    )
    ApplicationFactory(user=user, role="Data analyst")
    response = user_client.get(
        LIST,
        {
            "q": "data acme",
            "stage": "30",
            "outcome": "open",
            "company": acme.pk,
            "source": "referral",
            "applied_from": "2026-01-01",
            "applied_to": "2026-01-31",
        },
    )
    assert [a.pk for a in response.context["page"].object_list] == [wanted.pk]


def test_a_filter_on_another_users_company_is_a_field_error_and_shows_nothing_of_theirs(
    user_client, user, other_user
):
    mine = ApplicationFactory(user=user)
    theirs = ApplicationFactory(user=other_user)
    response = user_client.get(LIST, {"company": theirs.company.pk})
    assert response.status_code == 200
    assert "company" in response.context["form"].errors
    assert [a.pk for a in response.context["page"].object_list] == [mine.pk]


def test_a_filter_that_matches_nothing_offers_to_clear_the_filters(user_client, user):
    ApplicationFactory(user=user, role="Engineer")
    body = user_client.get(LIST, {"q": "astronaut"}).content.decode()
    assert "No application matches these filters." in body
    assert "Clear the filters" in body


SEARCH = reverse("applications:search")


def test_an_unfiltered_list_leaves_its_closed_filters_out_and_opening_them_fetches_them(
    user_client, user
):
    acme = CompanyFactory(user=user, name="Acme")
    ApplicationFactory(user=user, company=acme)
    response = user_client.get(LIST)
    html = response.content.decode()
    assert response.context["form"] is None
    assert 'role="search"' not in html
    assert 'name="q"' not in html
    closed = re.search(r'<details class="[^"]*filters"([^>]*)>', html)
    assert closed, html
    assert " open" not in closed.group(1)
    assert f'hx-get="{SEARCH}"' in closed.group(1)
    assert 'hx-trigger="toggle once"' in closed.group(1)
    # Without scripts, the same address opens them on a page of their own.
    assert f'href="{SEARCH}"' in html

    fetched = user_client.get(SEARCH, headers={"HX-Request": "true"})
    assert fetched.status_code == 200
    assert "HX-Request" in fetched["Vary"]
    fragment = fetched.content.decode()
    assert "<html" not in fragment
    assert fragment.lstrip().startswith(f'<form method="get" action="{LIST}"')
    assert 'name="q"' in fragment
    assert 'name="applied_to"' in fragment
    assert "Clear the filters" not in fragment
    page = user_client.get(SEARCH).content.decode()
    assert "<html" in page
    assert f'<form method="get" action="{LIST}"' in page


def test_a_filtered_list_shows_its_filters_open_with_their_values(user_client, user):
    acme = CompanyFactory(user=user, name="Acme")
    ApplicationFactory(user=user, company=acme, role="Data engineer")
    html = user_client.get(LIST, {"q": "data", "company": acme.pk}).content.decode()
    assert '<details class="card card-body mb-3 filters" open>' in html
    assert 'name="q" value="data"' in html
    assert f'<option value="{acme.pk}" selected>Acme</option>' in html
    assert "Clear the filters" in html
    assert f'hx-get="{SEARCH}"' not in html


def test_a_bad_filter_value_alone_opens_the_filters_to_point_at_it(user_client, user):
    ApplicationFactory(user=user)
    response = user_client.get(LIST, {"applied_from": "2026-13-45"})
    html = response.content.decode()
    assert "applied_from" in response.context["form"].errors
    assert '<details class="card card-body mb-3 filters" open>' in html
    assert "is-invalid" in html
    # A page number is not a filter: page 2 keeps them closed.
    ApplicationFactory.create_batch(30, user=user)
    assert user_client.get(LIST, {"page": 2}).context["form"] is None


def test_the_list_paginates(user_client, user):
    ApplicationFactory.create_batch(30, user=user)
    first = user_client.get(LIST)
    second = user_client.get(LIST, {"page": 2})
    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5


def test_past_the_count_cap_the_list_says_so_and_pages_on(user_client, user, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "count_cap", 10)
    ApplicationFactory.create_batch(30, user=user)
    first = user_client.get(LIST)
    content = first.content.decode()
    assert "10+ applications" in content
    assert "Page 1<" in content  # not "of 2": the pages past the cap are not counted
    assert "page=2" in content
    second = user_client.get(LIST, {"page": 2})
    assert len(second.context["page"].object_list) == 5
    assert "page=3" not in second.content.decode()
    assert "page=1" in second.content.decode()
    # A page past the end, typed by hand: the last one.
    assert user_client.get(LIST, {"page": 9}).context["page"].number == 2


def test_the_list_runs_as_many_queries_with_5000_rows_as_with_5(client):
    from tests.rows import make_rows

    small, large = UserFactory(), UserFactory()
    make_rows(small, 5)
    make_rows(large, 5000)
    sizes = []
    for user in (small, large):
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST)
        assert response.status_code == 200
        sizes.append((len(queries), len(response.content) // 20_000))
    # The same queries, and a page of 25 with only the chosen company in its picker.
    assert sizes[0][0] == sizes[1][0]
    assert sizes[1][1] < 5  # under 100 KB
    # The rows' query reads what a row shows, not each row's search text or job ad.
    (rows_sql,) = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and '"applications_application"."role"' in q["sql"]
    ]
    assert '"search_text"' not in rows_sql
    assert '"job_description"' not in rows_sql


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 5000},
        {"q": "\x00 nul"},
        {"stage": "99"},
        {"stage": "abc"},
        {"company": "99999999999999999999999"},
        {"company": "-1"},
        {"outcome": "<script>"},
        {"applied_from": "2026-13-45"},
        {"applied_to": "🙂"},
        {"page": "999"},
        {"page": "-5"},
    ],
)
def test_the_list_never_fails_on_odd_query_strings(user_client, user, params):
    ApplicationFactory(user=user)
    assert user_client.get(LIST, params).status_code == 200


def test_adding_an_application_with_a_new_company_records_its_first_stage(user_client, user):
    response = user_client.post(
        CREATE,
        {
            "company_name": "  Globex   Corp ",
            "role": "Backend engineer",
            "stage": "30",
            "source": "",
        },
    )
    application = Application.objects.get(user=user)
    assert response.status_code == 302
    assert response["Location"] == application.get_absolute_url()
    assert application.company.name == "Globex Corp"
    assert application.current_stage == Stage.SCREEN
    assert list(application.events.values_list("stage", flat=True)) == [Stage.SCREEN]


def test_adding_an_application_at_a_picked_company(user_client, user):
    acme = CompanyFactory(user=user)
    user_client.post(CREATE, {"company": acme.pk, "role": "SRE", "stage": "20"})
    assert Application.objects.get(user=user).company == acme


def test_adding_an_application_at_another_users_company_is_a_field_error(
    user_client, user, other_user
):
    theirs = CompanyFactory(user=other_user)
    CompanyFactory(user=user)
    response = user_client.post(CREATE, {"company": theirs.pk, "role": "SRE", "stage": "20"})
    assert response.status_code == 200
    assert "company" in response.context["form"].errors
    assert not Application.objects.filter(user=user).exists()


def test_adding_an_application_without_a_company_says_so(user_client, user):
    response = user_client.post(CREATE, {"role": "SRE", "stage": "20"})
    assert "company_name" in response.context["form"].errors
    assert not Application.objects.exists()


def test_a_salary_range_upside_down_is_a_field_error(user_client):
    response = user_client.post(
        CREATE,
        {"company_name": "A", "role": "R", "stage": "20", "salary_min": "9", "salary_max": "1"},
    )
    assert "salary_max" in response.context["form"].errors
    assert not Application.objects.exists()


def test_editing_an_application_keeps_its_stage(user_client, user):
    application = ApplicationFactory(user=user, current_stage=Stage.INTERVIEW)
    response = user_client.post(
        reverse("applications:edit", args=[application.pk]),
        {"company_name": "New name", "role": "Staff engineer", "notes": "Met the CTO"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.role, application.company.name) == ("Staff engineer", "New name")
    assert application.notes == "Met the CTO"
    assert application.current_stage == Stage.INTERVIEW


def test_deleting_asks_first_then_deletes_with_the_circle_back(user_client, user):
    application = ApplicationFactory(user=user)
    rejection_log(user=user, application=application, stage_reached=Stage.APPLIED)
    url = reverse("reminders:application_delete", args=[application.pk])
    assert "Delete it" in user_client.get(url).content.decode()
    assert Application.objects.filter(pk=application.pk).exists()
    response = user_client.post(url)
    assert response["Location"] == LIST
    assert not Application.objects.filter(pk=application.pk).exists()
    assert not Reminder.objects.exists()


def test_moving_the_stage_records_an_event_and_the_furthest_stage(user_client, user):
    application = ApplicationFactory(user=user)
    url = reverse("applications:move", args=[application.pk])
    user_client.post(url, {"stage": "50", "occurred_on": "2026-02-01", "note": "Onsite!"})
    user_client.post(url, {"stage": "30", "occurred_on": "2026-02-02"})
    application.refresh_from_db()
    assert (application.current_stage, application.furthest_stage) == (Stage.SCREEN, Stage.ONSITE)
    assert application.events.count() == 3


def test_a_bad_move_shows_field_errors_and_records_nothing(user_client, user):
    application = ApplicationFactory(user=user)
    response = user_client.post(
        reverse("applications:move", args=[application.pk]), {"stage": "99", "occurred_on": "x"}
    )
    assert response.status_code == 200
    assert {"stage", "occurred_on"} <= set(response.context["form"].errors)
    assert application.events.count() == 1


def test_correcting_a_stage_event_moves_the_application_with_it(user_client, user):
    application = ApplicationFactory(user=user)
    event = application_move(
        application=application, stage=Stage.FINAL_ROUND, occurred_on=datetime.date(2026, 2, 1)
    )
    user_client.post(
        reverse("applications:event_edit", args=[event.pk]),
        {"stage": "40", "occurred_on": "2026-02-01"},
    )
    application.refresh_from_db()
    assert (application.current_stage, application.furthest_stage) == (
        Stage.INTERVIEW,
        Stage.INTERVIEW,
    )


def test_removing_a_stage_event_follows_the_history(user_client, user):
    application = ApplicationFactory(user=user)
    event = application_move(application=application, stage=Stage.ONSITE)
    response = user_client.post(reverse("applications:event_delete", args=[event.pk]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.current_stage == Stage.APPLIED
    assert application.furthest_stage == Stage.APPLIED


def test_the_last_stage_event_cannot_be_removed(user_client, user):
    application = ApplicationFactory(user=user)
    event = application.events.get()
    response = user_client.post(reverse("applications:event_delete", args=[event.pk]))
    assert response.status_code == 200
    assert "at least one stage" in response.content.decode()
    assert application.events.count() == 1


def test_the_letter_downloads_with_its_sniffed_type_as_an_attachment(user_client, user):
    attachment = AttachmentFactory(user=user, filename='letter "final".pdf')
    response = user_client.get(
        reverse("applications:letter_download", args=[attachment.rejection.application_id])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == attachment.data


def _foreign_ids(user, other_user):
    mine = ApplicationFactory(user=user)
    theirs = ApplicationFactory(user=other_user)
    their_contact = ContactFactory(user=other_user, company=theirs.company)
    my_other_company_contact = ContactFactory(user=user)
    return mine, theirs, their_contact, my_other_company_contact


ODD_INPUTS = [
    "x" * 300,
    "y" * 150_000,
    "\x00",
    "zero\x00byte",
    "🙂" * 250,
    "مرحبا بالعالم",
    "\u202etxet desrever",
    "<script>alert('x')</script>",
    "' OR 1=1; --",
    "99999999999999999999999999",
    "-1",
    "\ud7ff\ue000\uffff",
]


@pytest.mark.parametrize("value", ODD_INPUTS)
def test_any_input_in_the_application_forms_never_fails(user_client, user, value):
    application = ApplicationFactory(user=user)
    rejected = RejectedApplicationFactory(user=user)
    event = application.events.get()
    fields = dict.fromkeys(
        [
            "received_on",
            "channel",
            "letter_text",
            "feedback",
            "cooling_off_days",
            "invited_to_reapply",
            "company",
            "company_name",
            "role",
            "stage",
            "job_url",
            "source",
            "location",
            "applied_on",
            "salary_min",
            "salary_max",
            "salary_currency",
            "job_description",
            "notes",
            "occurred_on",
            "scheduled_at",
            "note",
        ],
        value,
    )
    for url in [
        CREATE,
        reverse("applications:edit", args=[application.pk]),
        reverse("applications:move", args=[application.pk]),
        reverse("applications:event_edit", args=[event.pk]),
        reverse("reminders:rejection_edit", args=[rejected.pk]),
    ]:
        assert user_client.post(url, fields).status_code in {200, 302}, url
