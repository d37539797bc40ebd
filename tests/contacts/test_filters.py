import pytest

from contacts.filters import ContactFilter
from contacts.models import Contact
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def test_the_list_reads_in_the_order_of_its_index(user):
    """A page of the contacts list is a range of contact_list_idx."""
    index = next(i for i in Contact._meta.indexes if i.name == "contact_list_idx")
    order = ContactFilter({}, user=user).qs.query.order_by
    assert ["user", *order] == index.fields


def test_the_company_filter_renders_only_the_chosen_company(user):
    companies = [CompanyFactory(user=user, name=f"Firm {i:03}") for i in range(30)]
    chosen = companies[7]
    html = str(ContactFilter({"company": str(chosen.pk)}, user=user).form["company"])
    assert html.count("<option") == 2  # "Any" and the chosen one
    assert f'value="{chosen.pk}" selected' in html
    assert "Firm 008" not in html
