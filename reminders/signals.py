"""A conversation logged with an insider moves the next circle-back.

Conversations are written by contacts, a layer below reminders that must not
know about them; these receivers are how the layer above hears of one, in the
same transaction. Everything they do is in reminders.cadence.
"""

from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from contacts.models import Interaction
from reminders.cadence import cadence_conversation_logged


@receiver(m2m_changed, sender=Interaction.contacts.through)
def _people_added(sender, instance, action: str, reverse: bool, **kwargs) -> None:
    if action == "post_add" and not reverse:
        cadence_conversation_logged(interaction=instance)


@receiver(post_save, sender=Interaction)
def _conversation_saved(sender, instance: Interaction, created: bool, **kwargs) -> None:
    # A new one has nobody in it yet: the m2m receiver above handles it.
    if not created and not kwargs.get("raw"):
        cadence_conversation_logged(interaction=instance)
