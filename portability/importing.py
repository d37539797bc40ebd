"""A table of cells -> an import plan: what each row becomes, and what is wrong.

Nothing here writes. `plan_import` reads the account only to find duplicates,
existing companies and contacts; `portability.services.import_apply` writes
the plan in one transaction.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.text import squash_spaces
from accounts.timezones import user_today
from applications.models import Application, Company, Outcome, Source, Stage
from contacts.models import Contact
from portability import dates, formats
from portability.reading import MAX_ROWS, Table
from reminders.models import ReminderSettings
from reminders.services import OLD_CIRCLE_BACKS

MAX_STATUS_WORDS = 50
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# What the preview offers for old rejections: the choices of the bulk log.
OLD_REJECTIONS_CHOICES = OLD_CIRCLE_BACKS

_SOURCES = {
    "referral": Source.REFERRAL,
    "referred": Source.REFERRAL,
    "linkedin": Source.JOB_BOARD,
    "indeed": Source.JOB_BOARD,
    "glassdoor": Source.JOB_BOARD,
    "job board": Source.JOB_BOARD,
    "recruiter": Source.RECRUITER,
    "company site": Source.COMPANY_SITE,
    "company website": Source.COMPANY_SITE,
    "careers page": Source.COMPANY_SITE,
    "website": Source.COMPANY_SITE,
    "networking": Source.NETWORKING,
    "other": Source.OTHER,
}
_LIMITS = {
    "company": 200,
    "role": 200,
    "location": 200,
    "job_url": 1000,
    "contact_name": 200,
    "contact_email": 254,
    "contact_phone": 50,
}


def strip_formula_guard(text: str) -> str:
    """Our CSV export writes `'=…` so spreadsheets do not run it; read it back as `=…`."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        return text[1:]
    return text


@dataclass
class ImportOptions:
    preset: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    # One target per column (a field, KEEP_IN_NOTES or DROP); None: guessed.
    mapping: list[str] | None = None
    # Status word (as written) -> target key, for the words the user settled.
    statuses: dict[str, str] = field(default_factory=dict)
    date_order: str = ""  # "mdy", "dmy" or "" (settled by the file or the preset)
    skip_bad_rows: bool = False
    old_rejections: str = "spread"


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class PlannedRow:
    line: int
    company: str
    role: str
    stage: Stage
    outcome: Outcome
    applied_on: datetime.date | None
    events: list[tuple[Stage, datetime.date, datetime.datetime | None]]
    outcome_on: datetime.date | None = None
    job_url: str = ""
    location: str = ""
    source: str = ""
    description: str = ""
    notes: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    status_word: str = ""

    @property
    def key(self) -> tuple[str, str, datetime.date | None]:
        return (self.company.casefold(), self.role.casefold(), self.applied_on)


@dataclass
class StatusChoice:
    word: str
    count: int
    target: str  # "" when unknown
    ambiguous: bool


@dataclass
class ImportPlan:
    table: Table
    preset: formats.Preset
    mapping: list[str]
    statuses: list[StatusChoice]
    date_order: str
    date_order_needed: bool
    rows: list[PlannedRow]
    errors: list[RowError]
    duplicates: int
    new_companies: int
    new_contacts: int
    old_rejections: int
    options: ImportOptions

    @property
    def column_mapping(self) -> dict[str, str]:
        return dict(zip(self.table.headers, self.mapping, strict=True))

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors if e.row})

    @property
    def file_errors(self) -> list[RowError]:
        return [e for e in self.errors if not e.row]

    @property
    def can_import(self) -> bool:
        if self.file_errors or self.date_order_needed:
            return False
        return not self.errors or self.options.skip_bad_rows

    @property
    def rejections(self) -> int:
        return sum(1 for r in self.rows if r.outcome == Outcome.REJECTED)

    def would_create(self) -> dict[str, int]:
        return {
            "applications": len(self.rows),
            "companies": self.new_companies,
            "rejections": self.rejections,
            "contacts": self.new_contacts,
        }

    def counts_text(self) -> str:
        return counts_text(**self.would_create(), duplicates=self.duplicates)

    def summary(self) -> dict:
        """The JSON contract of `import_applications --dry-run --format json`."""
        return {
            "encoding": self.table.encoding,
            "delimiter": self.table.delimiter,
            "mapping": self.column_mapping,
            "rows": len(self.table.rows),
            "would_create": self.would_create(),
            "duplicates": self.duplicates,
            "errors": [e.as_dict() for e in self.errors],
        }


def counts_text(
    *, applications: int, companies: int, rejections: int, contacts: int, duplicates: int
) -> str:
    """What an import creates, in words, each count with its own plural:
    "3 applications, 1 new company, 0 rejections, 1 new contact; 2 duplicates
    skipped"."""
    created = [
        ngettext("%(n)s application", "%(n)s applications", applications) % {"n": applications},
        ngettext("%(n)s new company", "%(n)s new companies", companies) % {"n": companies},
        ngettext("%(n)s rejection", "%(n)s rejections", rejections) % {"n": rejections},
        ngettext("%(n)s new contact", "%(n)s new contacts", contacts) % {"n": contacts},
    ]
    skipped = ngettext("%(n)s duplicate skipped", "%(n)s duplicates skipped", duplicates) % {
        "n": duplicates
    }
    return _("%(created)s; %(skipped)s") % {"created": ", ".join(created), "skipped": skipped}


def _cell(row: list[str], index: int | None) -> str:
    return strip_formula_guard(row[index]).strip() if index is not None else ""


def _date_order(table: Table, columns: dict[str, int], preset: formats.Preset, chosen: str):
    """(order, needed): the file's own evidence wins, then the user's choice,
    then the preset's; `needed` when ambiguous dates remain unsettled."""
    evidence: Counter[str] = Counter()
    for name in formats.DATE_FIELDS:
        index = columns.get(name)
        if index is None:
            continue
        for row in table.rows:
            found = dates.order_evidence(row[index])
            if found:
                evidence[found] += 1
    settled = {o for o in ("mdy", "dmy") if evidence[o]}
    if chosen in {"mdy", "dmy"}:
        return chosen, False
    if len(settled) == 1:
        return settled.pop(), False
    if preset.date_order:
        return preset.date_order, False
    return "", bool(evidence["either"])


def _statuses(table, index, preset, chosen) -> list[StatusChoice]:
    if index is None:
        return []
    counts = Counter(_cell(row, index) for row in table.rows)
    counts.pop("", None)
    choices = []
    for word, count in counts.most_common(MAX_STATUS_WORDS):
        key = formats.normalise_status(word)
        target, ambiguous = formats.guess_status(word)
        if key in preset.status_words:
            target, ambiguous = preset.status_words[key], False
        if word in chosen and chosen[word] in formats.STATUS_TARGETS:
            target = chosen[word]
        choices.append(
            StatusChoice(word=word, count=count, target=target or "", ambiguous=ambiguous)
        )
    return choices


Parsed = dict[str, tuple[datetime.date, datetime.time | None] | None]
Event = tuple[Stage, datetime.date, datetime.datetime | None]


@dataclass
class _RowReader:
    """Reads one row of the table into a PlannedRow, or into its errors."""

    user: Any
    header: list[str]
    mapping: list[str]
    columns: dict[str, int]
    preset: formats.Preset
    order: str
    status_of: dict[str, str]
    today: datetime.date
    url_ok: URLValidator = field(default_factory=lambda: URLValidator(schemes=["http", "https"]))
    email_ok: EmailValidator = field(default_factory=EmailValidator)

    def column(self, name: str) -> str:
        if name in self.columns:
            return self.header[self.columns[name]]
        return formats.FIELDS.get(name, name)

    def _check_cells(self, values: dict[str, str], fail) -> None:
        for name in ("company", "role"):
            if not values[name]:
                fail(name, _("%(f)s is missing.") % {"f": formats.FIELDS[name]})
        for name, limit in _LIMITS.items():
            if len(values.get(name, "")) > limit:
                fail(
                    name,
                    _("Longer than %(n)s characters (%(len)s).")
                    % {"n": limit, "len": len(values[name])},
                )
        for name, validator, message in (
            ("job_url", self.url_ok, _("Not a web address.")),
            ("contact_email", self.email_ok, _("Not an email address.")),
        ):
            value = values.get(name, "")
            if value and len(value) <= _LIMITS[name]:
                try:
                    validator(value)
                except ValidationError:
                    fail(name, message)

    def _parse_dates(self, values: dict[str, str], fail) -> Parsed:
        parsed: Parsed = {}
        for name in formats.DATE_FIELDS:
            if name in self.columns:
                try:
                    parsed[name] = dates.parse_date(
                        values[name], order=self.order, max_year=self.today.year + 1
                    )
                except dates.DateError as error:
                    fail(name, str(error))
        return parsed

    def _events(self, parsed: Parsed) -> list[Event]:
        events: list[Event] = []
        for name, stage in (("saved_on", Stage.SAVED), ("applied_on", Stage.APPLIED)):
            if parsed.get(name):
                events.append((stage, parsed[name][0], None))  # type: ignore[index]
        interview = parsed.get("interview_on")
        if interview:
            date, time = interview
            at = None
            if time is not None:
                local = datetime.datetime.combine(date, time, tzinfo=self.user.zone)
                at = local.astimezone(datetime.UTC)
            events.append((Stage.INTERVIEW, date, at))
        return events

    def _notes(
        self, raw: list[str], values: dict[str, str], word: str, key: str
    ) -> tuple[str, str]:
        """(notes, source): the unmapped columns the user keeps go in the notes."""
        notes = [values.get("notes", "")]
        source = ""
        if values.get("source"):
            source = _SOURCES.get(formats.normalise_status(values["source"]), "")
            if not source:
                notes.append(f"{self.column('source')}: {values['source']}")
        for index, kept in enumerate(self.mapping):
            if kept == formats.KEEP_IN_NOTES and _cell(raw, index):
                label = self.header[index] or _("Column %(n)s") % {"n": index + 1}
                notes.append(f"{label}: {_cell(raw, index)}")
        if key == "open" and word:
            notes.append(_("Status in the imported file: %(w)s") % {"w": word})
        return "\n".join(n for n in notes if n), source

    def read(self, raw: list[str], line: int) -> PlannedRow | list[RowError]:
        errors: list[RowError] = []

        def fail(name: str, message: str) -> None:
            errors.append(RowError(line, self.column(name), message))

        values = {name: _cell(raw, index) for name, index in self.columns.items()}
        self._check_cells(values, fail)
        parsed = self._parse_dates(values, fail)
        word = values.get("status", "")
        key = self.status_of.get(word, "") if word else (self.preset.default_status or "open")
        if not key:
            fail("status", _("Unknown status “%(w)s”: say what it means above.") % {"w": word[:60]})
        if errors:
            return errors
        target = formats.STATUS_TARGETS[key]
        events = self._events(parsed)
        # The furthest stage comes from the status; the dates only add to it.
        inferred = max((e[0] for e in events), default=Stage.APPLIED)
        stage = Stage(max(target.stage or inferred, inferred))
        changed = parsed.get("status_changed_on")
        changed_on = changed[0] if changed else None
        if target.stage is not None and changed_on and all(e[0] != target.stage for e in events):
            events.append((target.stage, changed_on, None))
        outcome_on = None
        if target.outcome != Outcome.OPEN:
            rejected = parsed.get("rejected_on")
            outcome_on = (
                (rejected[0] if rejected else None)
                or changed_on
                or max((e[1] for e in events), default=self.today)
            )
        notes, source = self._notes(raw, values, word, key)
        applied = parsed.get("applied_on")
        return PlannedRow(
            line=line,
            company=squash_spaces(values["company"]),
            role=squash_spaces(values["role"]),
            stage=stage,
            outcome=Outcome(target.outcome),
            applied_on=applied[0] if applied else None,
            events=sorted(events, key=lambda e: (e[1], e[0])),
            outcome_on=outcome_on,
            job_url=values.get("job_url", ""),
            location=values.get("location", ""),
            source=source,
            description=values.get("description", ""),
            notes=notes,
            contact_name=squash_spaces(values.get("contact_name", "")),
            contact_email=values.get("contact_email", ""),
            contact_phone=values.get("contact_phone", ""),
            status_word=word,
        )


def _file_errors(table: Table, columns: dict[str, int]) -> list[RowError]:
    errors = []
    if table.truncated:
        errors.append(
            RowError(
                0,
                "",
                _("The file has more than %(n)s rows: import at most %(n)s at a time.")
                % {"n": f"{MAX_ROWS:,}"},
            )
        )
    errors.extend(
        RowError(0, "", _("No column is mapped to %(f)s.") % {"f": formats.FIELDS[needed]})
        for needed in ("company", "role")
        if needed not in columns
    )
    return errors


def _cooling_off_days(user) -> int:
    # Read, not created: a dry run writes nothing.
    found = ReminderSettings.objects.for_user(user).values_list("cooling_off_days", flat=True)
    return found.first() or ReminderSettings().cooling_off_days


def plan_import(*, user, table: Table, options: ImportOptions) -> ImportPlan:
    preset = formats.PRESETS.get(options.preset) or formats.detect_preset(
        table.headers, kind=table.kind
    )
    mapping = options.mapping or formats.guess_mapping(table.headers, preset)
    if len(mapping) != len(table.headers):
        mapping = formats.guess_mapping(table.headers, preset)
    columns: dict[str, int] = {}
    for index, name in enumerate(mapping):
        if name in formats.FIELDS and name not in columns:
            columns[name] = index
    errors = _file_errors(table, columns)
    order, order_needed = _date_order(table, columns, preset, options.date_order)
    statuses = _statuses(table, columns.get("status"), preset, options.statuses)
    today = user_today(user)
    reader = _RowReader(
        user=user,
        header=table.headers,
        mapping=mapping,
        columns=columns,
        preset=preset,
        order=order,
        status_of={s.word: s.target for s in statuses},
        today=today,
    )
    existing_keys = {
        (c.casefold(), r.casefold(), a)
        for c, r, a in Application.objects.for_user(user).values_list(
            "company__name", "role", "applied_on"
        )
    }
    rows: list[PlannedRow] = []
    seen: set = set()
    duplicates = 0
    # Without a company and a role column no row can be read: the file's error says so.
    readable = table.rows if {"company", "role"} <= columns.keys() else []
    for offset, raw in enumerate(readable):
        planned = reader.read(raw, offset + 2)  # the header is line 1
        if isinstance(planned, list):
            errors.extend(planned)
        elif planned.key in seen or planned.key in existing_keys:
            duplicates += 1
        else:
            seen.add(planned.key)
            rows.append(planned)
    new_companies, new_contacts = _new_counts(user, rows)
    cooling_off = datetime.timedelta(days=_cooling_off_days(user))
    old = sum(
        1
        for r in rows
        if r.outcome in {Outcome.REJECTED, Outcome.GHOSTED}
        and r.outcome_on is not None
        and r.outcome_on + cooling_off < today
    )
    return ImportPlan(
        table=table,
        preset=preset,
        mapping=mapping,
        statuses=statuses,
        date_order=order,
        date_order_needed=order_needed,
        rows=rows,
        errors=errors,
        duplicates=duplicates,
        new_companies=new_companies,
        new_contacts=new_contacts,
        old_rejections=old,
        options=options,
    )


def _new_counts(user, rows: list[PlannedRow]) -> tuple[int, int]:
    names = {r.company.casefold() for r in rows}
    existing = {n.casefold() for n in Company.objects.for_user(user).values_list("name", flat=True)}
    matcher = ContactMatcher.for_user(user)
    contacts = 0
    for row in rows:
        if (row.contact_name or row.contact_email) and matcher.find(row) is None:
            contacts += 1
            matcher.remember(row, Contact(name=row.contact_name))
    return len(names - existing), contacts


class ContactMatcher:
    """Contacts named in rows are matched by email, else by name at the company."""

    def __init__(self, by_email: dict[str, Contact], by_name: dict[tuple[str, str], Contact]):
        self.by_email, self.by_name = by_email, by_name

    @classmethod
    def for_user(cls, user) -> "ContactMatcher":
        by_email: dict[str, Contact] = {}
        by_name: dict[tuple[str, str], Contact] = {}
        for contact in Contact.objects.for_user(user).select_related("company"):
            if contact.email:
                by_email.setdefault(contact.email.casefold(), contact)
            company = contact.company.name.casefold() if contact.company else ""
            by_name.setdefault((contact.name.casefold(), company), contact)
        return cls(by_email, by_name)

    @staticmethod
    def _keys(row: PlannedRow) -> tuple[str, tuple[str, str]]:
        return row.contact_email.casefold(), (row.contact_name.casefold(), row.company.casefold())

    def find(self, row: PlannedRow) -> Contact | None:
        email, name = self._keys(row)
        if email and email in self.by_email:
            return self.by_email[email]
        if row.contact_name and name in self.by_name:
            return self.by_name[name]
        return None

    def remember(self, row: PlannedRow, contact: Contact) -> None:
        email, name = self._keys(row)
        if email:
            self.by_email[email] = contact
        if row.contact_name:
            self.by_name[name] = contact
