"""The contact page's query count does not grow with its history."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    ApplicationFactory,
    ContactFactory,
    ConversationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_the_contact_page_query_count_is_the_same_with_2_and_20_applications_and_talks(client):
    def queries_for(n):
        user = UserFactory()
        contact = ContactFactory(user=user)
        others = [ContactFactory(user=user) for _ in range(n)]
        for i in range(n):
            # Each at another company, each talk shared with someone else.
            application = ApplicationFactory(user=user)
            contact.applications.add(application)
            conversation = ConversationFactory(user=user, contacts=[contact, others[i]])
            conversation.application = application
            conversation.save()
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(contact.get_absolute_url())
        assert response.status_code == 200
        assert len(response.context["interactions"]) == n
        assert len(response.context["applications"]) == n
        return len(queries)

    assert queries_for(2) == queries_for(20)
