import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from contacts.models import Contact, ContactRole, Interaction
from contacts.services import (
    contact_create,
    contact_delete,
    contact_merge,
    contact_update,
    interaction_log_with_new_contacts,
)
from tests.factories import (
    ApplicationFactory,
    CompanyFactory,
    ContactFactory,
    ConversationFactory,
)

pytestmark = pytest.mark.django_db


def test_a_contact_needs_no_email(user):
    contact = contact_create(user=user, name="  Ada   Lovelace ", role=ContactRole.RECRUITER)
    assert (contact.name, contact.email, contact.company) == ("Ada Lovelace", "", None)


def test_a_contact_cannot_be_linked_to_another_users_company(user, other_user):
    with pytest.raises(PermissionDenied):
        contact_create(user=user, name="Ada", company=CompanyFactory(user=other_user))
    assert not Contact.objects.exists()


def test_updating_sets_the_applications_where_you_met(user):
    contact = ContactFactory(user=user)
    first, second = ApplicationFactory(user=user), ApplicationFactory(user=user)
    contact_update(
        contact=contact,
        applications=[first, second],
        name=contact.name,
        company=contact.company,
        role=contact.role,
        title="CTO",
        email=contact.email,
        phone=contact.phone,
        profile_url=contact.profile_url,
        notes=contact.notes,
    )
    assert set(contact.applications.all()) == {first, second}
    assert Contact.objects.get(pk=contact.pk).title == "CTO"


def test_merging_keeps_every_interaction_and_link_and_fills_blanks(user):
    company = CompanyFactory(user=user)
    keep = ContactFactory(user=user, name="Ada", email="", company=None, notes="Met at a fair")
    duplicate = ContactFactory(
        user=user,
        name="Ada L.",
        email="ada@acme.example",
        company=company,
        role=ContactRole.HIRING_MANAGER,
        notes="Prefers phone",
    )
    application = ApplicationFactory(user=user, company=company)
    duplicate.applications.add(application)
    theirs = ConversationFactory(user=user, contacts=[duplicate])
    both = ConversationFactory(user=user, contacts=[keep, duplicate])
    contact_merge(keep=keep, duplicate=duplicate)
    keep.refresh_from_db()
    assert not Contact.objects.filter(pk=duplicate.pk).exists()
    assert set(Interaction.objects.filter(contacts=keep)) == {theirs, both}
    assert list(both.contacts.all()) == [keep]
    assert list(keep.applications.all()) == [application]
    assert (keep.email, keep.company, keep.role) == (
        "ada@acme.example",
        company,
        ContactRole.HIRING_MANAGER,
    )
    assert keep.notes == "Met at a fair\n\nPrefers phone"


def test_a_contact_cannot_be_merged_with_itself_or_another_users(user, other_user):
    contact = ContactFactory(user=user)
    with pytest.raises(ValidationError):
        contact_merge(keep=contact, duplicate=contact)
    with pytest.raises(PermissionDenied):
        contact_merge(keep=contact, duplicate=ContactFactory(user=other_user))


def test_deleting_a_contact_keeps_conversations_held_with_others(user):
    gone, stays = ContactFactory(user=user), ContactFactory(user=user)
    alone = ConversationFactory(user=user, contacts=[gone])
    shared = ConversationFactory(user=user, contacts=[gone, stays])
    contact_delete(contact=gone)
    assert not Interaction.objects.filter(pk=alone.pk).exists()
    assert list(Interaction.objects.get(pk=shared.pk).contacts.all()) == [stays]


def test_logging_with_someone_new_adds_them_at_the_applications_company(user):
    application = ApplicationFactory(user=user)
    known = ContactFactory(user=user, company=application.company)
    interaction = interaction_log_with_new_contacts(
        user=user,
        contacts=[known],
        new_contact_names=["Grace Hopper"],
        occurred_on=datetime.date(2026, 3, 1),
        application=application,
    )
    grace = Contact.objects.get(name="Grace Hopper")
    assert grace.company == application.company
    assert grace.email == ""
    assert list(grace.applications.all()) == [application]
    assert set(interaction.contacts.all()) == {known, grace}


def test_logging_with_nobody_is_refused(user):
    with pytest.raises(ValidationError):
        interaction_log_with_new_contacts(
            user=user, contacts=[], new_contact_names=[" "], occurred_on=timezone.localdate()
        )
    assert not Interaction.objects.exists()
