"""Use cases that write contacts and interactions."""

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User, check_owner, merged_notes
from accounts.text import squash_spaces
from applications.models import Application, Company
from applications.services import application_activity_refresh, application_search_refresh
from contacts.models import Contact, ContactRole, Interaction, InteractionChannel


@transaction.atomic
def interaction_log(
    *,
    user: User,
    contacts: Sequence[Contact],
    occurred_on: datetime.date,
    channel: str = InteractionChannel.EMAIL,
    summary: str = "",
    application: Application | None = None,
) -> Interaction:
    """One conversation with one or more contacts; "last contacted" follows."""
    if not contacts:
        raise ValidationError({"contacts": _("Pick at least one contact.")})
    if any(c.user_id != user.pk for c in contacts) or (
        application is not None and application.user_id != user.pk
    ):
        raise PermissionDenied("Not yours.")
    interaction = Interaction(
        user=user,
        occurred_on=occurred_on,
        channel=channel,
        summary=summary,
        application=application,
    )
    interaction.full_clean(exclude=["user", "application"])
    interaction.save()
    interaction.contacts.set(contacts)
    if application is not None:
        for contact in contacts:
            contact.applications.add(application)
        application_activity_refresh(application_ids=[application.pk])
    return interaction


# --- Contacts ------------------------------------------------------------------------


@transaction.atomic
def contact_create(
    *,
    user: User,
    name: str,
    company: Company | None = None,
    role: str = ContactRole.OTHER,
    title: str = "",
    email: str = "",
    phone: str = "",
    profile_url: str = "",
    notes: str = "",
    applications: Sequence[Application] = (),
) -> Contact:
    """A person met along the way; an email address is optional."""
    check_owner(user, company, *applications)
    contact = Contact(
        user=user,
        name=squash_spaces(name, 200),
        company=company,
        role=role,
        title=title,
        email=email,
        phone=phone,
        profile_url=profile_url,
        notes=notes,
    )
    contact.full_clean(exclude=["user", "company", "applications"])
    contact.save()
    if applications:
        contact.applications.add(*applications)
    return contact


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    name: str,
    company: Company | None,
    role: str,
    title: str,
    email: str,
    phone: str,
    profile_url: str,
    notes: str,
    applications: Sequence[Application] | None = None,
) -> Contact:
    """Edit a contact's details (the edit form's fields, all of them);
    `applications`, when given, replaces the ones where you met them."""
    check_owner(contact.user, company, *(applications or ()))
    contact.name = squash_spaces(name, 200)
    contact.company = company
    contact.role = role
    contact.title = title
    contact.email = email
    contact.phone = phone
    contact.profile_url = profile_url
    contact.notes = notes
    contact.full_clean(exclude=["user", "company", "applications"])
    contact.save()
    if applications is not None:
        contact.applications.set(applications)
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact) -> None:
    """Delete a contact. A conversation held with this person alone goes too; one
    held with others stays with them."""
    alone = Interaction.objects.left_alone_by(Contact.objects.filter(pk=contact.pk))
    gone = Interaction.objects.filter(pk__in=list(alone.values_list("pk", flat=True)))
    applications = set(gone.values_list("application_id", flat=True))
    gone.delete()
    contact.delete()
    application_activity_refresh(application_ids=applications)


@transaction.atomic
def contact_merge(*, keep: Contact, duplicate: Contact) -> Contact:
    """Fold a duplicate into `keep`: its interactions and the applications where
    you met them move over, blank details are filled in, notes are appended."""
    if keep.pk == duplicate.pk:
        raise ValidationError({"duplicate": _("Pick a different contact to merge.")})
    check_owner(keep.user, duplicate)
    keep, duplicate = Contact.objects.lock_in_order(keep, duplicate)
    for interaction in Interaction.objects.filter(contacts=duplicate):
        interaction.contacts.add(keep)
    keep.applications.add(*duplicate.applications.all())
    for field in ("company", "title", "email", "phone", "profile_url"):
        if not getattr(keep, field) and getattr(duplicate, field):
            setattr(keep, field, getattr(duplicate, field))
    if keep.role == ContactRole.OTHER and duplicate.role != ContactRole.OTHER:
        keep.role = duplicate.role
    keep.notes = merged_notes(keep.notes, duplicate.notes)
    keep.save()
    duplicate.delete()
    return keep


# --- Interactions --------------------------------------------------------------------


@transaction.atomic
def interaction_log_with_new_contacts(
    *,
    user: User,
    contacts: Sequence[Contact],
    new_contact_names: Sequence[str],
    company: Company | None = None,
    occurred_on: datetime.date,
    channel: str = InteractionChannel.EMAIL,
    summary: str = "",
    application: Application | None = None,
) -> Interaction:
    """Log a conversation that included people not yet in the contacts: they are
    added (at the application's company, or `company`) in the same transaction."""
    if application is not None:
        company = application.company
    check_owner(user, company)
    created = [
        contact_create(
            user=user,
            name=name,
            company=company,
            applications=[application] if application is not None else (),
        )
        for name in new_contact_names
        if name.strip()
    ]
    return interaction_log(
        user=user,
        contacts=[*contacts, *created],
        occurred_on=occurred_on,
        channel=channel,
        summary=summary,
        application=application,
    )


@transaction.atomic
def interaction_delete(*, interaction: Interaction) -> None:
    application_id = interaction.application_id
    interaction.delete()
    application_activity_refresh(application_ids=[application_id])


# --- Companies: a merge moves their contacts too -------------------------------------


@transaction.atomic
def company_merge(*, keep: Company, duplicate: Company) -> Company:
    """Fold a duplicate company into `keep`: its applications (with their
    history, rejections and circle-backs) and its contacts move over."""
    if keep.pk == duplicate.pk:
        raise ValidationError({"duplicate": _("Pick a different company to merge.")})
    check_owner(keep.user, duplicate)
    keep, duplicate = Company.objects.lock_in_order(keep, duplicate)
    moved = list(Application.objects.filter(company=duplicate).values_list("pk", flat=True))
    Application.objects.filter(pk__in=moved).update(company=keep)
    application_search_refresh(application_ids=moved)
    Contact.objects.filter(company=duplicate).update(company=keep)
    if not keep.website and duplicate.website:
        keep.website = duplicate.website
    keep.notes = merged_notes(keep.notes, duplicate.notes)
    keep.save()
    duplicate.delete()
    return keep
