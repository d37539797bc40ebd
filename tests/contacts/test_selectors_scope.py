import pytest

from contacts.selectors import application_scope, contacts_in_scope
from tests.factories import ApplicationFactory, CompanyFactory, ContactFactory, UserFactory

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


def test_the_prepared_scope_of_an_application_is_contacts_in_scope_in_the_same_order():
    """application_scope (the application page's "log a conversation" form)
    reads the same people in one prepared query, each once, in the same order."""
    ada, bob = UserFactory(), UserFactory()
    company = CompanyFactory(user=ada, name="Acme")
    application = ApplicationFactory(user=ada, company=company)
    elsewhere = ApplicationFactory(user=ada)
    both = ContactFactory(user=ada, company=company, name="bea")  # at Acme and met
    both.applications.add(application)
    ContactFactory(user=ada, company=company, name="Zoe")
    met_elsewhere = ContactFactory(user=ada, company=elsewhere.company, name="Ada")
    met_elsewhere.applications.add(application)
    ContactFactory(user=ada, company=elsewhere.company, name="Only at the other")
    ContactFactory(user=bob, name="Bob's own")
    for user, app in ((ada, application), (ada, elsewhere), (ada, application)):
        assert application_scope(user, app) == list(contacts_in_scope(user, application=app))
    # Not "Only at the other": neither at Acme nor met on this application.
    assert sorted(c.name for c in application_scope(ada, application)) == ["Ada", "Zoe", "bea"]
    assert sorted(c.name for c in application_scope(ada, elsewhere)) == ["Ada", "Only at the other"]


def test_the_prepared_scope_reads_each_company_with_its_contact(django_assert_num_queries):
    user = UserFactory()
    application = ApplicationFactory(user=user)
    ContactFactory.create_batch(3, user=user, company=application.company)
    with django_assert_num_queries(1):
        names = {c.company.name for c in application_scope(user, application)}
    assert names == {application.company.name}
