import pytest

from applications.filters import ApplicationFilter
from applications.forms import ApplicationDetails, ApplicationForm
from applications.models import Stage
from tests.factories import ApplicationFactory, CompanyFactory

pytestmark = pytest.mark.django_db


def test_the_application_form_hides_the_stage_when_editing(user):
    application = ApplicationFactory(user=user)
    assert "stage" in ApplicationForm(user=user).fields
    assert "stage" not in ApplicationForm(instance=application, user=user).fields


def test_the_forms_fields_are_the_details_the_services_take(user):
    # service_fields builds the details from Meta.fields: the two lists are one.
    assert ApplicationForm.Meta.fields == list(ApplicationDetails.__annotations__)
    data = {"company_name": "Acme", "role": "Engineer", "stage": Stage.APPLIED, "salary_min": "90"}
    form = ApplicationForm(data, user=user)
    assert form.is_valid(), form.errors
    details = form.service_fields()
    assert details["role"] == "Engineer"
    assert details["salary_min"] == 90
    assert details["applied_on"] is None


def test_the_filter_form_offers_only_the_users_companies(user, other_user):
    mine = CompanyFactory(user=user)
    CompanyFactory(user=other_user)
    form = ApplicationFilter(user=user).form
    assert list(form.fields["company"].queryset) == [mine]


def test_an_invalid_filter_is_dropped_and_the_valid_ones_kept(user):
    mine = ApplicationFactory(user=user, role="Data engineer", current_stage=Stage.APPLIED)
    filterset = ApplicationFilter({"stage": "99", "q": "data"}, user=user)
    assert list(filterset.qs) == [mine]
    assert filterset.active
    assert "stage" in filterset.form.errors
