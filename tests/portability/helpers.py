import io
import zipfile


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def fill_account(user):
    """An account with one of everything: a rejected application with its letter
    and a file that came with it, a contact met there, a conversation, a done
    circle-back, a scheduled interview."""
    import datetime

    from django.utils import timezone

    from applications.models import Stage, StageEvent
    from reminders.models import ReminderStatus
    from tests.factories import (
        ApplicationFactory,
        AttachmentFactory,
        ContactFactory,
        InteractionFactory,
        ReminderFactory,
    )

    attachment = AttachmentFactory(user=user, rejection__application__outcome="rejected")
    AttachmentFactory(
        user=user,
        rejection=attachment.rejection,
        kind="enclosed",
        filename="decision.png",
        content_type="image/png",
        data=b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
    )
    app = attachment.rejection.application
    contact = ContactFactory(user=user, company=app.company, name="Ada Lovelace")
    contact.applications.add(app)
    talk = InteractionFactory(user=user, application=app, summary="Coffee")
    talk.contacts.add(contact)
    ReminderFactory(
        user=user, application=app, rejection=attachment.rejection, status=ReminderStatus.DONE
    )
    other = ApplicationFactory(user=user, role="Second")
    soon = timezone.now().replace(microsecond=0) + datetime.timedelta(days=7)
    StageEvent.objects.create(
        application=other, stage=Stage.INTERVIEW, occurred_on=soon.date(), scheduled_at=soon
    )
    return app
