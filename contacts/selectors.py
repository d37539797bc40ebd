"""Reads the contacts pages share."""

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.prepared import PreparedQuery
from applications.models import Application, Company
from contacts.models import Contact, Interaction

# "Last contacted" filter: key -> (label, predicate on the annotated last date).


def contact_interactions(contact: Contact) -> QuerySet[Interaction]:
    return (
        Interaction.objects.filter(contacts=contact)
        .select_related("application", "application__company")
        .prefetch_related("contacts")
        .order_by("-occurred_on", "-id")
    )


def contact_applications(contact: Contact) -> QuerySet[Application]:
    return contact.applications.select_related("company").order_by("-created_at", "-id")


def _application_scope(*, user_id: int, company_id: int, application_id: int) -> QuerySet[Contact]:
    mine = Contact.objects.for_user(user_id).select_related("company").order_by()
    at_company, met = mine.filter(company_id=company_id), mine.filter(applications=application_id)
    return at_company.union(met).order_by("name", "id")


_APPLICATION_SCOPE = PreparedQuery[Contact](
    _application_scope, values=("user_id", "company_id", "application_id")
)


def application_scope(user: User, application: Application) -> list[Contact]:
    """contacts_in_scope(user, application=application), read by one prepared
    query: the people at its company and the ones met on it (a UNION of two
    index lookups), in the contacts' order."""
    return _APPLICATION_SCOPE(
        user_id=user.pk, company_id=application.company_id, application_id=application.pk
    )


def contacts_in_scope(
    user: User,
    *,
    application: Application | None = None,
    company: Company | None = None,
    contact: Contact | None = None,
) -> QuerySet[Contact]:
    """Whom a conversation logged from a page is likely to be with: the people at
    that company (and the ones met on that application)."""
    qs = Contact.objects.for_user(user).select_related("company")
    if application is not None:
        # The people met as a list of ids (the application page has them
        # prefetched), not a join: an OR across the join to the people met ruled
        # out both indexes and hashed every contact of the account (60 ms at
        # 50,000 contacts), where this is the union of two index lookups.
        met = [contact.pk for contact in application.contacts.all()]
        return qs.filter(Q(company_id=application.company_id) | Q(pk__in=met))
    if company is not None:
        return qs.filter(company=company)
    if contact is not None:
        if contact.company_id:
            return qs.filter(Q(company_id=contact.company_id) | Q(pk=contact.pk))
        return qs.filter(pk=contact.pk)
    return qs


def offered_contacts(
    user: User,
    *,
    application: Application | None = None,
    company: Company | None = None,
    contact: Contact | None = None,
) -> list[Contact] | None:
    """Whom "log a conversation" offers as checkboxes when it is logged from a
    page (the likely people), or None from nowhere in particular: then the
    form searches all of them."""
    if application is not None and company is None and contact is None:
        return application_scope(user, application)
    if application is None and company is None and contact is None:
        return None
    return list(contacts_in_scope(user, application=application, company=company, contact=contact))
