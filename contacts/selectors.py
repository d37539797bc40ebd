"""Reads the contacts pages share."""

import datetime

from django.db.models import Q

from contacts.models import Contact, Interaction

# "Last contacted" filter: key -> (label, predicate on the annotated last date).
LAST_CONTACTED_WINDOWS = {"30": 30, "90": 90}


def contact_search(
    user,
    *,
    today: datetime.date,
    search: str = "",
    company=None,
    role: str = "",
    contacted: str = "",
):
    """The contacts list: one query for the page, whatever the filters.

    `contacted`: "never", "30" / "90" (within that many days), or "stale"
    (more than 90 days ago)."""
    qs = Contact.objects.for_user(user).with_last_contacted().select_related("company")
    if search:
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(email__icontains=search)
            | Q(title__icontains=search)
            | Q(company__name__icontains=search)
            | Q(notes__icontains=search)
        )
    if company is not None:
        qs = qs.filter(company=company)
    if role:
        qs = qs.filter(role=role)
    if contacted == "never":
        qs = qs.filter(last_contacted_on__isnull=True)
    elif contacted in LAST_CONTACTED_WINDOWS:
        since = today - datetime.timedelta(days=LAST_CONTACTED_WINDOWS[contacted])
        qs = qs.filter(last_contacted_on__gte=since)
    elif contacted == "stale":
        qs = qs.filter(last_contacted_on__lt=today - datetime.timedelta(days=90))
    return qs.order_by("name", "id")


def contact_interactions(contact):
    return (
        Interaction.objects.filter(contacts=contact)
        .select_related("application", "application__company")
        .prefetch_related("contacts")
        .order_by("-occurred_on", "-id")
    )


def contact_applications(contact):
    return contact.applications.select_related("company").order_by("-created_at", "-id")


def contacts_in_scope(user, *, application=None, company=None, contact=None):
    """Whom a conversation logged from a page is likely to be with: the people at
    that company (and the ones met on that application)."""
    qs = Contact.objects.for_user(user).select_related("company")
    if application is not None:
        return qs.filter(
            Q(company_id=application.company_id) | Q(applications=application)
        ).distinct()
    if company is not None:
        return qs.filter(company=company)
    if contact is not None:
        if contact.company_id:
            return qs.filter(Q(company_id=contact.company_id) | Q(pk=contact.pk))
        return qs.filter(pk=contact.pk)
    return qs
