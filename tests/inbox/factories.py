import datetime

import factory

from inbox.models import InboundAttachment, InboundMessage
from tests.factories import UserFactory


class InboundMessageFactory(factory.django.DjangoModelFactory):
    """A pending rejection draft, as the parser leaves one."""

    class Meta:
        model = InboundMessage

    user = factory.SubFactory(UserFactory)
    source = "upload"
    message_id = factory.Sequence(lambda n: f"letter-{n}@acme.example")
    body_hash = factory.Sequence(lambda n: f"{n:064d}")
    sender_address = "jobs@acme.example"
    subject = "Your application for Engineer"
    company = factory.Sequence(lambda n: f"Acme {n}")
    role = "Engineer"
    received_on = datetime.date(2026, 1, 10)
    text = "Unfortunately we will not be moving forward."
    kind = "rejection"
    raw = b"From: jobs@acme.example\nSubject: Your application for Engineer\n\nUnfortunately."
    raw_size = 70


class InboundAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InboundAttachment

    message = factory.SubFactory(InboundMessageFactory)
    filename = "decision.pdf"
    content_type = "application/pdf"
    data = b"%PDF-1.4\n"
    size = 9
