"""Reads for the Inbox: the drafts page and the application a letter seems to be about."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from inbox.models import InboundMessage, Status
from reminders.matching import ApplicationMatcher

__all__ = ["ApplicationMatcher", "draft_get", "inbox_drafts"]


def inbox_drafts(*, user: User, status: str = Status.PENDING) -> QuerySet[InboundMessage]:
    """The Inbox list: one page of drafts with the suggested application's names."""
    return (
        InboundMessage.objects.for_user(user)
        .filter(status=status)
        .select_related("suggested_application__company", "application__company")
        .defer("raw", "text")
        .order_by("-received_on", "-id")
    )


def draft_get(*, user: User, pk: int) -> InboundMessage:
    return (
        InboundMessage.objects.for_user(user)
        .select_related("suggested_application__company")
        .get(pk=pk)
    )
