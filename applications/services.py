"""Use cases that write companies, applications and their stage history.

Logging a rejection spans the apps (it writes contacts and the circle-back), so
it lives in `reminders.services`, the layer that may read all three.
"""

import datetime
from collections.abc import Iterable, Sequence
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    DateField,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce, Concat, Greatest, Substr, TruncDate
from django.utils.translation import gettext as _

from accounts.bulk import update_rows
from accounts.inserts import insert_unless_conflict
from accounts.models import User, check_owner
from accounts.text import squash_spaces
from accounts.timezones import user_today
from applications.models import (
    Application,
    Attachment,
    AttachmentKind,
    Company,
    Outcome,
    Rejection,
    Stage,
    StageEvent,
    StatsCount,
)
from applications.summary import TIMED_STAGES, Facts, stats_keys
from letters.files import LetterFile
from letters.uploads import FileRoom

# How much of a rejection letter the search reads: a letter's words are at its
# start; a pasted thread of quoted mail would only bloat the index.
SEARCH_LETTER_CHARS = 4000


class ApplicationDetails(TypedDict):
    """An application's own details: what its edit form holds, all of them."""

    role: str
    job_url: str
    source: str
    location: str
    applied_on: datetime.date | None
    salary_min: int | None
    salary_max: int | None
    salary_currency: str
    job_description: str
    notes: str


# --- Companies ----------------------------------------------------------------------


def company_get_or_create(*, user: User, name: str) -> Company:
    name = squash_spaces(name, 200)
    if not name:
        raise ValidationError({"company": _("Name the company.")})
    company = Company.objects.for_user(user).named(name).first()
    if company is None:
        # Another request may be creating the same company right now (a
        # double-clicked submit): the unique index makes the INSERT wait for
        # it, and then insert nothing (ON CONFLICT DO NOTHING, which keeps the
        # caller's transaction usable without a savepoint), and we take its row.
        company = insert_unless_conflict(Company(user=user, name=name))
        if company is None:
            company = Company.objects.for_user(user).named(name).get()
    return company


# --- Applications and their history -----------------------------------------------------


def applications_refresh_furthest_stage(applications: Sequence[Application]) -> None:
    """furthest_stage is the highest stage in the history (or the current one),
    for each of these (one query; the caller saves them)."""
    highest = dict(
        StageEvent.objects.filter(application__in=[a.pk for a in applications])
        .order_by()
        .values("application")
        .annotate(m=Max("stage"))
        .values_list("application", "m")
    )
    for application in applications:
        current = application.current_stage
        application.furthest_stage = max(highest.get(application.pk) or current, current)


def activity_expression() -> Greatest:
    """An application's last news, computed from its history: the latest stage
    event, the latest conversation, and the day it was applied for (or created)."""
    last_event = (
        StageEvent.objects.filter(application=OuterRef("pk"))
        .order_by("-occurred_on")
        .values("occurred_on")[:1]
    )
    # The conversations through their reverse relation: contacts sits above
    # this layer, so its model is not imported here.
    last_talk = (
        Application.objects.filter(pk=OuterRef("pk"))
        .annotate(on=Max("interactions__occurred_on"))
        .values("on")[:1]
    )
    fallback = Coalesce(F("applied_on"), TruncDate("created_at", output_field=DateField()))
    return Greatest(
        Coalesce(Subquery(last_event), fallback), Coalesce(Subquery(last_talk), fallback), fallback
    )


def application_activity_refresh(*, application_ids: Iterable[int | None]) -> None:
    """Recompute last_activity_on of these applications (one UPDATE): after a
    stage event or a conversation was written, corrected or deleted."""
    ids = [pk for pk in application_ids if pk is not None]
    if ids:
        Application.objects.filter(pk__in=ids).update(last_activity_on=activity_expression())


def search_text_expression() -> Concat:
    """An application's search text from its rows: role, company name, location,
    notes and the start of the letter, one per line. A search word never holds a
    line break, so it matches the text exactly when it matches one of them."""
    company_name = Company.objects.filter(pk=OuterRef("company_id")).values("name")[:1]
    letter = Rejection.objects.filter(application=OuterRef("pk")).values(
        text=Substr("letter_text", 1, SEARCH_LETTER_CHARS)
    )[:1]
    line = Value("\n")
    return Concat(
        F("role"),
        line,
        Coalesce(Subquery(company_name), Value("")),
        line,
        F("location"),
        line,
        F("notes"),
        line,
        Coalesce(Subquery(letter), Value("")),
        output_field=TextField(),
    )


def search_text_of(role: str, company: str, location: str, notes: str, letter: str = "") -> str:
    """search_text_expression()'s text from the values in hand (a new row's)."""
    return "\n".join((role, company, location, notes, letter[:SEARCH_LETTER_CHARS]))


def application_search_refresh(
    *, application_ids: Iterable[int | None] = (), companies: Iterable[Company] = ()
) -> None:
    """Recompute search_text (one UPDATE) of these applications and of every
    application at these companies: after a role, location, notes, letter or
    company name was written, or an application moved to another company."""
    ids = [pk for pk in application_ids if pk is not None]
    company_ids = [company.pk for company in companies]
    if ids or company_ids:
        Application.objects.filter(Q(pk__in=ids) | Q(company__in=company_ids)).update(
            search_text=search_text_expression()
        )


def application_stats_refresh(*, application_ids: Iterable[int | None]) -> None:
    """Recompute what these applications add to their users' stats counters and
    move the counters by the difference: after their stage, history, outcome,
    rejection, source or applied date was written (or the user's time zone,
    which dates an application without an applied day). Locks the rows, so two
    writers of one application count it once."""
    ids = sorted({pk for pk in application_ids if pk is not None})
    if not ids:
        return
    first_reached = {
        f"first_{stage.value}": Subquery(
            StageEvent.objects.filter(application=OuterRef("pk"), stage=stage)
            .order_by("occurred_on")
            .values("occurred_on")[:1]
        )
        for stage in TIMED_STAGES
    }
    rows = (
        Application.objects.filter(pk__in=ids)
        .order_by("pk")
        .select_for_update(of=("self",))
        .annotate(**first_reached)
        .values_list(
            "pk",
            "user_id",
            "user__time_zone",
            "furthest_stage",
            "current_stage",
            "outcome",
            "source",
            "applied_on",
            "created_at",
            "outcome_on",
            "rejection__stage_reached",
            "rejection__channel",
            "rejection__received_on",
            "stats_keys",
            *first_reached,
        )
    )
    deltas: dict[tuple[int, str], int] = {}
    changed: list[Application] = []
    for pk, user_id, zone, furthest, current, outcome, source, applied, created, *rest in rows:
        outcome_on, rejection_stage, rejection_channel, rejection_on, old, *firsts = rest
        keys = stats_keys(
            Facts(
                furthest=furthest,
                current=current,
                outcome=outcome,
                source=source,
                applied_on=applied,
                created_at=created,
                time_zone=zone,
                outcome_on=outcome_on,
                rejection_stage=rejection_stage,
                rejection_channel=rejection_channel,
                rejection_on=rejection_on,
                first_reached=dict(zip((s.value for s in TIMED_STAGES), firsts, strict=True)),
            )
        )
        if keys != old:
            _add_deltas(deltas, user_id, old, -1)
            _add_deltas(deltas, user_id, keys, +1)
            changed.append(Application(pk=pk, stats_keys=keys))
    if changed:
        update_rows(Application, changed, ["stats_keys"])
    _apply_deltas(deltas)


def application_stats_count_new(*, application: Application, keys: list[str]) -> None:
    """Write and count the stats keys of an application just inserted (none yet)."""
    application.stats_keys = keys
    update_rows(Application, [application], ["stats_keys"])
    _apply_deltas({(application.user_id, key): 1 for key in keys})  # each key once


def application_stats_forget(*, applications: QuerySet[Application]) -> None:
    """Take these applications (a queryset) out of their users' stats counters:
    just before they are deleted."""
    deltas: dict[tuple[int, str], int] = {}
    for user_id, keys in applications.select_for_update().values_list("user_id", "stats_keys"):
        _add_deltas(deltas, user_id, keys, -1)
    _apply_deltas(deltas)


def _add_deltas(
    deltas: dict[tuple[int, str], int], user_id: int, keys: list[str] | None, sign: int
) -> None:
    for key in keys or ():
        deltas[(user_id, key)] = deltas.get((user_id, key), 0) + sign


def _apply_deltas(deltas: dict[tuple[int, str], int]) -> None:
    """Add each delta to its counter in one statement per 500, creating the
    missing ones; in key order, so two writers lock shared counters alike."""
    moves = sorted((user_id, key, n) for (user_id, key), n in deltas.items() if n)
    table = StatsCount._meta.db_table  # noqa: SLF001 (Django's documented Meta API)
    for start in range(0, len(moves), 500):
        chunk = moves[start : start + 500]
        values = ", ".join(["(%s, %s, %s)"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (user_id, key, n) VALUES {values} "  # noqa: S608 (ours)
                f"ON CONFLICT (user_id, key) DO UPDATE SET n = {table}.n + excluded.n",
                [value for move in chunk for value in move],
            )


def application_note_activity(application: Application, on: datetime.date) -> None:
    """A new event or conversation on `on`: the last news moves forward, never
    back (no query: the caller saves the application)."""
    if application.last_activity_on is None or on > application.last_activity_on:
        application.last_activity_on = on


def application_create(
    *,
    user: User,
    company: Company,
    role: str,
    stage: Stage = Stage.APPLIED,
    occurred_on: datetime.date | None = None,
    job_url: str = "",
    job_description: str = "",
    source: str = "",
    location: str = "",
    salary_min: int | None = None,
    salary_max: int | None = None,
    salary_currency: str = "",
    applied_on: datetime.date | None = None,
    notes: str = "",
    record_history: bool = True,
    refresh_derived: bool = True,
    outcome: Outcome = Outcome.OPEN,
    outcome_on: datetime.date | None = None,
    letter_text: str = "",
) -> Application:
    """A new application at `stage`, with the stage event of its creation.

    `record_history=False` (an application first met at its rejection) writes
    no stage event and leaves an unknown applied date unknown: history only
    holds dates the user gave. `refresh_derived=False`: the caller writes more
    of what the stats read (a rejection) and counts them once.
    `outcome`: an application first met closed (at its rejection) is written
    closed, not opened and then updated; `letter_text`: its rejection's, for the search.

    Validated before anything is written; the writes are one transaction, or
    part of the caller's (no savepoint of their own: an error there fails the
    caller's transaction, as any failed save does)."""
    check_owner(user, company)
    application = Application(
        user=user,
        company=company,
        role=role,
        current_stage=stage,
        furthest_stage=stage,
        job_url=job_url,
        job_description=job_description,
        source=source,
        location=location,
        salary_min=salary_min,
        salary_max=salary_max,
        salary_currency=salary_currency,
        applied_on=applied_on,
        notes=notes,
        outcome=outcome,
        outcome_on=outcome_on,
        search_text=search_text_of(role, company.name, location, notes, letter_text),
    )
    if record_history and application.applied_on is None and stage >= Stage.APPLIED:
        application.applied_on = occurred_on or user_today(user)
    event_on = occurred_on or application.applied_on or user_today(user)
    application.last_activity_on = max(event_on, application.applied_on or user_today(user))
    # The check constraints are the fields' choices (validated here) and the
    # salary order (Application.clean); the database enforces them all, and
    # validating each again would cost a SELECT in a savepoint apiece.
    application.full_clean(exclude=["user", "company"], validate_constraints=False)
    with transaction.atomic(savepoint=False):
        application.save()
        if record_history:
            StageEvent.objects.create(application=application, stage=stage, occurred_on=event_on)
        if refresh_derived:
            application_stats_refresh(application_ids=[application.pk])
    return application


@transaction.atomic
def application_update(
    *, application: Application, company: Company, **details: Unpack[ApplicationDetails]
) -> Application:
    """Edit an application's details (the edit form's fields, all of them); its
    stages and outcome move only through the history and the outcome services."""
    check_owner(application.user, company)
    application = Application.objects.select_for_update().get(pk=application.pk)
    applied_before, source_before = application.applied_on, application.source
    application.company = company
    for field, value in details.items():
        setattr(application, field, value)
    application.full_clean(exclude=["user", "company"])
    application.save()
    application_search_refresh(application_ids=[application.pk])
    if application.applied_on != applied_before:
        application_activity_refresh(application_ids=[application.pk])
    if (application.applied_on, application.source) != (applied_before, source_before):
        application_stats_refresh(application_ids=[application.pk])
    return application


@transaction.atomic
def application_move(
    *,
    application: Application,
    stage: Stage,
    occurred_on: datetime.date | None = None,
    scheduled_at: datetime.datetime | None = None,
    note: str = "",
) -> StageEvent:
    """Move the board column; every move is a StageEvent."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    event = StageEvent.objects.create(
        application=application,
        stage=stage,
        occurred_on=occurred_on or user_today(application.user),
        scheduled_at=scheduled_at,
        note=note,
    )
    application.current_stage = stage
    applications_refresh_furthest_stage([application])
    application_note_activity(application, event.occurred_on)
    application.save(
        update_fields=["current_stage", "furthest_stage", "last_activity_on", "updated_at"]
    )
    application_stats_refresh(application_ids=[application.pk])
    return event


@transaction.atomic
def stage_event_update(
    *,
    event: StageEvent,
    stage: Stage,
    occurred_on: datetime.date,
    scheduled_at: datetime.datetime | None = None,
    note: str = "",
) -> StageEvent:
    """Correct a mistaken move; the application's stages follow the history."""
    application = Application.objects.select_for_update().get(pk=event.application_id)
    event.stage, event.occurred_on = stage, occurred_on
    event.scheduled_at, event.note = scheduled_at, note
    event.save()
    _follow_history(application)
    return event


@transaction.atomic
def stage_event_delete(*, event: StageEvent) -> None:
    application = Application.objects.select_for_update().get(pk=event.application_id)
    if application.events.count() <= 1:
        raise ValidationError(_("An application keeps at least one stage in its history."))
    event.delete()
    _follow_history(application)


def _follow_history(application: Application) -> None:
    latest = application.events.order_by("-occurred_on", "-created_at", "-id").first()
    if latest is not None:
        application.current_stage = latest.stage
    applications_refresh_furthest_stage([application])
    application.save(update_fields=["current_stage", "furthest_stage", "updated_at"])
    application_activity_refresh(application_ids=[application.pk])
    application_stats_refresh(application_ids=[application.pk])


# --- Companies: rename (a merge moves contacts too: contacts.services) ----------------


@transaction.atomic
def company_rename(*, company: Company, name: str) -> Company:
    """Rename a company; a name another of the user's companies has is refused
    (merge the two instead)."""
    name = squash_spaces(name, 200)
    if not name:
        raise ValidationError({"name": _("Name the company.")})
    clash = Company.objects.for_user(company.user).named(name).exclude(pk=company.pk).first()
    if clash is not None:
        raise ValidationError(
            {"name": _("You already have “%(name)s”: merge the two instead.") % {"name": clash}}
        )
    company.name = name
    company.save(update_fields=["name"])
    application_search_refresh(companies=[company])
    return company


# --- A rejection's files ---------------------------------------------------------------


def rejection_files_add(
    *,
    rejection: Rejection,
    letter: LetterFile | None = None,
    enclosed: Iterable[LetterFile] = (),
    strict: bool = False,
    fresh: bool = False,
) -> list[LetterFile]:
    """Keep the letter's file (replacing the one kept) and the files that came
    with it on a rejection, in order while they fit its limits. Returns those
    left out; with `strict`, one that does not fit is a ValidationError instead
    (a file the user added by hand). A file already kept is not kept twice.
    `fresh`: the rejection was just made and has no files yet."""
    enclosed = list(enclosed)
    if letter is None and not enclosed:
        return []
    kept = Attachment.objects.filter(rejection=rejection)
    if letter is not None and not fresh:
        kept.filter(kind=AttachmentKind.LETTER).delete()
    rows = [] if fresh else list(kept.values_list("filename", "size"))
    room = FileRoom(count=len(rows), size=sum(size for _name, size in rows))
    same = {(name, size) for name, size in rows}
    files = [(AttachmentKind.LETTER, letter)] if letter is not None else []
    files += [
        (AttachmentKind.ENCLOSED, f)
        for f in enclosed
        if (f.filename, f.size) not in same or not _already_kept(kept, f)
    ]
    new = []
    for kind, file in files:
        refusal = room.refusal(file)
        if refusal and strict:
            raise ValidationError(refusal)
        room.take([file])
        if not refusal:
            new.append(
                Attachment(
                    user_id=rejection.application.user_id,
                    rejection=rejection,
                    kind=kind,
                    filename=file.filename[:255],
                    content_type=file.content_type,
                    size=file.size,
                    data=file.data,
                )
            )
    # A few at a time: each holds up to 5 MB.
    Attachment.objects.bulk_create(new, batch_size=5)
    return room.left_out


def _already_kept(kept: QuerySet[Attachment], file: LetterFile) -> bool:
    same_name = kept.filter(filename=file.filename[:255], size=file.size)
    return any(bytes(data) == file.data for data in same_name.values_list("data", flat=True))


def rejection_files_remove(*, rejection: Rejection, ids: Iterable[int]) -> int:
    """Let go of some of a rejection's files (its own only)."""
    deleted, _by_model = Attachment.objects.filter(rejection=rejection, pk__in=list(ids)).delete()
    return deleted
