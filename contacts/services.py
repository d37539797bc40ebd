"""Use cases that write contacts and interactions."""

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from contacts.models import Contact, Interaction, InteractionChannel


@transaction.atomic
def interaction_log(
    *,
    user,
    contacts: Sequence[Contact],
    occurred_on: datetime.date,
    channel: InteractionChannel = InteractionChannel.EMAIL,
    summary: str = "",
    application=None,
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
    return interaction
