import datetime

import pytest
import time_machine

from applications.models import Stage
from reminders.forms import RejectionLogForm
from tests.factories import ApplicationFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_first_timer_sees_one_company_field_and_one_role_field(user):
    form = RejectionLogForm(user=user)
    assert not form.show_company_picker
    assert form.fields["company_name"].label == "Company"
    assert not form.show_application_picker
    assert form.fields["role"].label == "Role"


def test_a_first_timer_shown_the_form_again_sees_one_company_field(user, django_assert_num_queries):
    form = RejectionLogForm(data={"company_name": "", "stage_reached": "20"}, user=user)
    with django_assert_num_queries(0):
        assert not form.is_valid()
    bound = form["company_name"]  # bound before the template asks about the picker
    with django_assert_num_queries(1):
        assert not form.show_company_picker
    assert bound.label == form.fields["company_name"].label == "Company"


def test_a_user_with_companies_sees_the_picker_and_a_new_name_field(user):
    ApplicationFactory(user=user)
    form = RejectionLogForm(user=user)
    assert form.show_company_picker
    assert form["company_name"].label == "Or a new company"


def test_picking_a_company_narrows_the_pickers_to_its_open_applications_and_people(user):
    application = ApplicationFactory(user=user)
    ApplicationFactory(user=user, company=application.company, outcome="rejected")
    ApplicationFactory(user=user)
    contact = ContactFactory(user=user, company=application.company)
    ContactFactory(user=user)
    form = RejectionLogForm(initial={"company": application.company}, user=user)
    assert list(form.fields["application"].queryset) == [application]
    assert list(form.fields["contacts"].queryset) == [contact]
    assert form.show_contact_picker


def test_a_typed_company_name_is_tidied(user):
    form = RejectionLogForm(
        data={"company_name": "  Acme \t Corp ", "role": " Data  engineer ", "stage_reached": "20"},
        user=user,
    )
    assert form.is_valid(), form.errors
    kwargs = form.service_kwargs()
    assert (kwargs["company_name"], kwargs["role"]) == ("Acme Corp", "Data engineer")
    assert kwargs["stage_reached"] == Stage.APPLIED


def test_a_picked_application_needs_no_role(user):
    application = ApplicationFactory(user=user)
    form = RejectionLogForm(
        data={
            "company": application.company.pk,
            "application": application.pk,
            "stage_reached": "40",
        },
        user=user,
    )
    assert form.is_valid(), form.errors
    assert form.service_kwargs()["application"] == application


def test_the_received_date_defaults_to_the_users_local_today():
    user = UserFactory(time_zone="Asia/Tokyo")
    with time_machine.travel(datetime.datetime(2026, 5, 1, 20, 0, tzinfo=datetime.UTC)):
        form = RejectionLogForm(
            data={"company_name": "A", "role": "R", "stage_reached": "20"}, user=user
        )
        assert form.is_valid(), form.errors
    assert form.cleaned_data["received_on"] == datetime.date(2026, 5, 2)
