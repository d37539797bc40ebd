"""CSV exports: the columns the import reads back, each cell guarded against
spreadsheet formula injection (the import strips the guard again)."""

import csv
from collections.abc import Iterable, Iterator

from django.db.models import Prefetch

from accounts.models import User
from applications.models import Application, Outcome, Stage, StageEvent
from contacts.models import Contact

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

APPLICATION_COLUMNS = (
    "Company",
    "Role",
    "Status",
    "Date Applied",
    "Rejected On",
    "Interview Date",
    "Job URL",
    "Location",
    "Source",
    "Contact Person",
    "Contact Email",
    "Notes",
)
CONTACT_COLUMNS = (
    "Name",
    "Company",
    "Role in the process",
    "Job Title",
    "Email",
    "Phone",
    "Profile URL",
    "Met during",
    "Notes",
)


def guard(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """CSV text, line by line (for a streaming response), with a BOM so Excel
    reads it as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([guard(v) for v in row])


def status_word(application: Application) -> str:
    if application.outcome == Outcome.OPEN:
        return str(Stage(application.current_stage).label)
    return str(Outcome(application.outcome).label)


def application_rows(user: User) -> Iterator[list[object]]:
    interviews = Prefetch(
        "events",
        queryset=StageEvent.objects.filter(stage=Stage.INTERVIEW).order_by("-occurred_on"),
        to_attr="interview_events",
    )
    contacts = Prefetch("contacts", queryset=Contact.objects.order_by("pk"), to_attr="contact_list")
    qs = (
        Application.objects.for_user(user)
        .select_related("company", "rejection")
        .prefetch_related(interviews, contacts)  # type: ignore[type-var]  # stubs reject two Prefetch objects
        .order_by("pk")
    )
    for app in qs.iterator(chunk_size=500):
        rejection = getattr(app, "rejection", None) if hasattr(app, "rejection") else None
        rejected_on = rejection.received_on if rejection else app.outcome_on
        # Prefetch(to_attr=...) sets these lists at run time; the stubs cannot see them.
        contact_list: list[Contact] = getattr(app, "contact_list", [])
        interview_events: list[StageEvent] = getattr(app, "interview_events", [])
        contact = contact_list[0] if contact_list else None
        yield [
            app.company.name,
            app.role,
            status_word(app),
            app.applied_on or "",
            rejected_on or "",
            interview_events[0].occurred_on if interview_events else "",
            app.job_url,
            app.location,
            app.get_source_display() if app.source else "",
            contact.name if contact else "",
            contact.email if contact else "",
            app.notes,
        ]


def contact_rows(user: User) -> Iterator[list[object]]:
    qs = (
        Contact.objects.for_user(user)
        .select_related("company")
        .prefetch_related("applications__company")
        .order_by("pk")
    )
    for contact in qs.iterator(chunk_size=500):
        yield [
            contact.name,
            contact.company.name if contact.company else "",
            contact.get_role_display(),
            contact.title,
            contact.email,
            contact.phone,
            contact.profile_url,
            "; ".join(f"{a.role} at {a.company.name}" for a in contact.applications.all()),
            contact.notes,
        ]
