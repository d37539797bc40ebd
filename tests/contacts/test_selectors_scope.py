import pytest

from contacts.selectors import contacts_in_scope
from tests.factories import ApplicationFactory, CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_an_applications_scope_is_its_companys_people_and_the_people_met_once_each(user):
    application = ApplicationFactory(user=user)
    colleague = ContactFactory(user=user, company=application.company, name="A colleague")
    # Met on this application and working there: listed once.
    colleague.applications.add(application)
    elsewhere = ContactFactory(user=user, company=CompanyFactory(user=user), name="Met here")
    elsewhere.applications.add(application)
    ContactFactory(user=user, company=CompanyFactory(user=user), name="Unrelated")
    scope = list(contacts_in_scope(user, application=application))
    assert sorted(c.name for c in scope) == ["A colleague", "Met here"]


def test_an_applications_scope_without_people_met_is_its_companys_people(user):
    application = ApplicationFactory(user=user)
    ContactFactory(user=user, company=application.company, name="There")
    ContactFactory(user=user, name="Elsewhere")
    assert [c.name for c in contacts_in_scope(user, application=application)] == ["There"]


def test_an_applications_scope_reads_no_join_to_the_people_met(user):
    application = ApplicationFactory(user=user)
    ContactFactory(user=user).applications.add(application)
    plan = contacts_in_scope(user, application=application).explain()
    # An OR across that join hashed every contact of the account (60 ms at
    # 50,000 contacts): the people met are ids from the application instead.
    assert "contact_applications" not in plan
    assert "DISTINCT" not in str(contacts_in_scope(user, application=application).query)
