"""The migration to many files a rejection keeps every existing attachment, as
its rejection's letter, bytes and all."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("applications", "0006_company_reapply_after_months")]
AFTER = [("applications", "0007_attachment_enclosed_files")]


@pytest.mark.django_db(transaction=True)
def test_every_existing_attachment_survives_as_its_rejections_letter():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("accounts", "User")
    Company = old.get_model("applications", "Company")
    Application = old.get_model("applications", "Application")
    Rejection = old.get_model("applications", "Rejection")
    Attachment = old.get_model("applications", "Attachment")
    user = User.objects.create(email="old@example.com")
    company = Company.objects.create(user=user, name="Acme")
    kept = {}
    for n, (name, data) in enumerate(
        [("letter.pdf", b"%PDF-1.4\n% one\n"), ("sorry.eml", b"From: a@b.example\r\n\r\nNo.\r\n")]
    ):
        application = Application.objects.create(user=user, company=company, role=f"Role {n}")
        rejection = Rejection.objects.create(
            application=application, received_on=datetime.date(2026, 2, 1), stage_reached=20
        )
        row = Attachment.objects.create(
            user=user,
            rejection=rejection,
            filename=name,
            content_type="application/pdf" if name.endswith(".pdf") else "message/rfc822",
            size=len(data),
            data=data,
        )
        kept[row.pk] = (rejection.pk, name, data)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    Attachment = executor.loader.project_state(AFTER).apps.get_model(  # noqa: N806
        "applications", "Attachment"
    )
    rows = {
        a.pk: (a.rejection_id, a.filename, bytes(a.data), a.kind) for a in Attachment.objects.all()
    }
    assert rows == {pk: (*values, "letter") for pk, values in kept.items()}
    # A rejection now keeps files beside its letter, and still one letter.
    first = next(iter(kept.values()))[0]
    Attachment.objects.create(
        user_id=Attachment.objects.get(rejection_id=first).user_id,
        rejection_id=first,
        kind="enclosed",
        filename="decision.pdf",
        content_type="application/pdf",
        size=9,
        data=b"%PDF-1.4\n",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Attachment.objects.create(
            user_id=Attachment.objects.filter(rejection_id=first).first().user_id,
            rejection_id=first,
            kind="letter",
            filename="second.pdf",
            content_type="application/pdf",
            size=9,
            data=b"%PDF-1.4\n",
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
