import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.models import Application, Company, Outcome, Stage
from applications.services import company_rename
from contacts.models import Contact, Interaction
from contacts.services import company_merge
from reminders.models import Reminder, ReminderStatus
from reminders.services import company_delete, rejection_log
from tests.factories import (
    ApplicationFactory,
    AttachmentFactory,
    CompanyFactory,
    ContactFactory,
    ConversationFactory,
    RejectedApplicationFactory,
    ReminderFactory,
    UserFactory,
)
from tests.rows import make_rows

pytestmark = pytest.mark.django_db

LIST = reverse("review:company_list")


def detail(company):
    return reverse("review:company_detail", args=[company.pk])


# --- Services ---------------------------------------------------------------------------


def test_renaming_to_a_name_already_taken_is_refused(user):
    acme = CompanyFactory(user=user, name="Acme")
    CompanyFactory(user=user, name="Globex")
    with pytest.raises(ValidationError, match="merge the two"):
        company_rename(company=acme, name="  globex ")
    acme.refresh_from_db()
    assert acme.name == "Acme"


def test_renaming_tidies_spaces_and_may_change_case(user):
    acme = CompanyFactory(user=user, name="acme")
    company_rename(company=acme, name="  ACME   Corp ")
    acme.refresh_from_db()
    assert acme.name == "ACME Corp"


def test_merging_moves_applications_contacts_and_circle_backs(user):
    keep = CompanyFactory(user=user, name="Acme")
    duplicate = CompanyFactory(user=user, name="ACME Inc", website="https://acme.example")
    application = ApplicationFactory(user=user, company=duplicate)
    rejection_log(user=user, application=application, stage_reached=Stage.INTERVIEW)
    contact = ContactFactory(user=user, company=duplicate)
    company_merge(keep=keep, duplicate=duplicate)
    assert not Company.objects.filter(pk=duplicate.pk).exists()
    application.refresh_from_db()
    contact.refresh_from_db()
    keep.refresh_from_db()
    assert application.company == keep
    assert contact.company == keep
    assert keep.website == "https://acme.example"
    # Logged today: its thank-you is pending and the circle-back waits behind it.
    assert set(Reminder.objects.filter(application=application).values_list("step", "status")) == {
        ("thank_you", ReminderStatus.SCHEDULED),
        ("circle_back", ReminderStatus.WAITING),
    }


def test_a_company_cannot_be_merged_into_itself(user):
    acme = CompanyFactory(user=user)
    with pytest.raises(ValidationError):
        company_merge(keep=acme, duplicate=acme)


def test_deleting_a_company_takes_its_applications_contacts_and_lone_conversations(user):
    acme = CompanyFactory(user=user)
    elsewhere = ContactFactory(user=user)
    insider = ContactFactory(user=user, company=acme)
    application = RejectedApplicationFactory(user=user, company=acme)
    AttachmentFactory(user=user, rejection=application.rejection)
    alone = ConversationFactory(user=user, contacts=[insider])
    shared = ConversationFactory(user=user, contacts=[insider, elsewhere])
    company_delete(company=acme)
    assert not Application.objects.filter(pk=application.pk).exists()
    assert not Contact.objects.filter(pk=insider.pk).exists()
    assert not Interaction.objects.filter(pk=alone.pk).exists()
    assert list(Interaction.objects.get(pk=shared.pk).contacts.all()) == [elsewhere]


def test_deleting_is_refused_while_a_circle_back_is_being_sent(user):
    import datetime
    import uuid

    from django.utils import timezone

    reminder = ReminderFactory(user=user)
    Reminder.objects.filter(pk=reminder.pk).update(
        status=ReminderStatus.SENDING,
        claim_token=uuid.uuid4(),
        lease_expires_at=timezone.now() + datetime.timedelta(minutes=5),
    )
    with pytest.raises(ValidationError, match="being sent"):
        company_delete(company=reminder.application.company)
    assert Company.objects.filter(pk=reminder.application.company_id).exists()


# --- Pages -------------------------------------------------------------------------------


def test_the_list_counts_what_happened_at_each_company(user_client, user):
    acme = CompanyFactory(user=user, name="Acme")
    ApplicationFactory(user=user, company=acme, current_stage=Stage.ONSITE)
    RejectedApplicationFactory(user=user, company=acme)
    ContactFactory(user=user, company=acme)
    CompanyFactory(user=user, name="Globex")
    response = user_client.get(LIST)
    rows = {c.name: c for c in response.context["page"].object_list}
    assert rows["Acme"].application_count == 2
    assert rows["Acme"].open_count == 1
    assert rows["Acme"].rejected_count == 1
    assert rows["Acme"].contact_count == 1
    assert rows["Acme"].furthest_label == "Onsite"
    assert rows["Globex"].application_count == 0


def test_the_list_searches_by_name(user_client, user):
    CompanyFactory(user=user, name="Acme")
    CompanyFactory(user=user, name="Globex")
    response = user_client.get(LIST, {"q": "glob"})
    assert [c.name for c in response.context["page"].object_list] == ["Globex"]
    assert b"No company matches" in user_client.get(LIST, {"q": "zzz"}).content


def test_an_empty_list_says_what_to_do(user_client):
    assert b"Log a rejection" in user_client.get(LIST).content


def test_the_detail_tells_a_letter_from_silence_and_shows_the_circle_back(user_client, user):
    acme = CompanyFactory(user=user)
    wrote = ApplicationFactory(user=user, company=acme, role="Wrote")
    rejection_log(user=user, application=wrote, stage_reached=Stage.ONSITE, letter_text="Dear you")
    silent = ApplicationFactory(user=user, company=acme, role="Silent")
    rejection_log(user=user, application=silent, stage_reached=Stage.APPLIED, ghosted=True)
    with_file = RejectedApplicationFactory(user=user, company=acme, role="Filed")
    AttachmentFactory(user=user, rejection=with_file.rejection)
    ApplicationFactory(user=user, company=acme, role="Pending")
    response = user_client.get(detail(acme))
    replies = {a.role: a.reply.key for a in response.context["applications"]}
    assert replies == {
        "Wrote": "letter",
        "Silent": "silent",
        "Filed": "letter",
        "Pending": "pending",
    }
    assert response.context["replies"]["letter"] == 2
    assert b"Wrote back with a letter" in response.content
    assert b"Went silent" in response.content
    assert b"Scheduled" in response.content


def test_renaming_from_the_page(user_client, user):
    acme = CompanyFactory(user=user, name="Acme")
    response = user_client.post(
        reverse("review:company_rename", args=[acme.pk]), {"name": "Acme Corp"}
    )
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.name == "Acme Corp"


def test_renaming_to_a_taken_name_shows_the_error_beside_the_field(user_client, user):
    acme = CompanyFactory(user=user, name="Acme")
    CompanyFactory(user=user, name="Globex")
    response = user_client.post(
        reverse("review:company_rename", args=[acme.pk]), {"name": "GLOBEX"}
    )
    assert response.status_code == 400
    assert "merge the two" in str(response.context["rename_form"].errors["name"])


def test_merging_from_the_page(user_client, user):
    keep = CompanyFactory(user=user, name="Acme")
    duplicate = CompanyFactory(user=user, name="Acme Ltd")
    ApplicationFactory(user=user, company=duplicate)
    response = user_client.post(
        reverse("review:company_merge", args=[keep.pk]), {"duplicate": duplicate.pk}
    )
    assert response.status_code == 302
    assert keep.applications.count() == 1
    assert not Company.objects.filter(pk=duplicate.pk).exists()


def test_merging_another_users_company_is_a_field_error_and_saves_nothing(
    user_client, user, other_user
):
    keep = CompanyFactory(user=user)
    theirs = CompanyFactory(user=other_user)
    ApplicationFactory(user=other_user, company=theirs)
    response = user_client.post(
        reverse("review:company_merge", args=[keep.pk]), {"duplicate": theirs.pk}
    )
    assert response.status_code == 400
    assert "duplicate" in response.context["merge_form"].errors
    assert theirs.applications.count() == 1


def test_the_delete_confirmation_says_what_goes_with_it(user_client, user):
    acme = CompanyFactory(user=user)
    application = ApplicationFactory(user=user, company=acme)
    rejection_log(user=user, application=application, stage_reached=Stage.SCREEN)
    ContactFactory.create_batch(2, user=user, company=acme)
    url = reverse("review:company_delete", args=[acme.pk])
    response = user_client.get(url)
    content = response.content.decode()
    assert "1 application, with its history" in content
    assert "1 rejection and its letter" in content
    assert "1 circle-back still to come" in content
    assert "2 contacts" in content
    assert Company.objects.filter(pk=acme.pk).exists()
    response = user_client.post(url)
    assert response.status_code == 302
    assert not Company.objects.filter(pk=acme.pk).exists()
    assert not Application.objects.filter(pk=application.pk).exists()


def test_the_company_page_offers_to_log_a_conversation_with_its_contacts(user_client, user):
    acme = CompanyFactory(user=user)
    insider = ContactFactory(user=user, company=acme, name="Ada Insider")
    ContactFactory(user=user, name="Someone Elsewhere")
    page = user_client.get(detail(acme)).content.decode()
    assert "Log a conversation" in page
    # Closed, it holds no form: opening it fetches the form for this company.
    url = unescape(re.search(r'<details class="log-interaction[^>]* hx-get="([^"]+)"', page)[1])
    assert f"company={acme.pk}" in url
    content = user_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert f'value="{insider.pk}"' in content
    assert "Someone Elsewhere" not in content


def _queries(client, user, url):
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_companies_list_query_count_is_the_same_with_5_and_5000_rows(client):
    small, large = UserFactory(), UserFactory()
    make_rows(small, 5)
    make_rows(large, 5000)
    few, many = _queries(client, small, LIST), _queries(client, large, LIST)
    assert few == many
    assert many <= 6


def test_a_company_page_query_count_does_not_grow_with_its_applications(client):
    small, large = UserFactory(), UserFactory()
    companies = []
    for owner, n in ((small, 2), (large, 40)):
        company = CompanyFactory(user=owner)
        for i in range(n):
            application = ApplicationFactory(user=owner, company=company)
            if i % 2:
                rejection_log(user=owner, application=application, stage_reached=Stage.SCREEN)
            contact = ContactFactory(user=owner, company=company)
            ConversationFactory(user=owner, contacts=[contact])
        companies.append(company)
    few = _queries(client, small, detail(companies[0]))
    many = _queries(client, large, detail(companies[1]))
    assert few == many


def test_closed_outcomes_other_than_rejected_show_their_name(user_client, user):
    acme = CompanyFactory(user=user)
    ApplicationFactory(user=user, company=acme, outcome=Outcome.WITHDRAWN)
    response = user_client.get(detail(acme))
    assert b"Withdrawn" in response.content


def test_the_list_shows_the_next_circle_back(user_client, user):
    acme = CompanyFactory(user=user, name="Acme")
    application = ApplicationFactory(user=user, company=acme)
    result = rejection_log(user=user, application=application, stage_reached=Stage.SCREEN)
    response = user_client.get(LIST)
    (row,) = response.context["page"].object_list
    assert row.next_circle_back == result.reminder.due_date
