"""Beat's task for mail in: a thin wrapper over the poller."""

from celery import shared_task
from django.conf import settings

from inbox.imap import imap_poll as poll


@shared_task(name="inbox.tasks.imap_poll", ignore_result=True)
def imap_poll() -> int:
    """Poll AJAR_INBOUND_IMAP_URL once; a failure waits for the next beat."""
    if not settings.AJAR_INBOUND_IMAP_URL:
        return 0
    return poll().seen
