"""Ids from form bodies are checked to be ids before any query: SQLite's driver
raises OverflowError (a 500) for an integer beyond 64 bits in `pk__in`."""

import pytest
from django.core.exceptions import ValidationError

from accounts.forms import IdsField
from contacts.models import Contact
from tests.factories import ContactFactory


@pytest.mark.parametrize("raw", ["99999999999999999999", "-1", "0", "1e3", "٣", "abc", " 1"])
def test_a_value_that_is_no_id_is_refused_before_the_query(db, raw, django_assert_num_queries):
    field = IdsField(queryset=Contact.objects.all())
    with django_assert_num_queries(0), pytest.raises(ValidationError) as caught:
        field.clean([raw])
    assert caught.value.code == "invalid_pk_value"


def test_real_ids_still_pick_their_rows(db):
    contact = ContactFactory()
    assert list(IdsField(queryset=Contact.objects.all()).clean([str(contact.pk)])) == [contact]
