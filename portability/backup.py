"""The full backup: a zip with `ajar.json` (every row of the account) and
`attachments/` (the letters' files), and its restore into an empty account.

Written to a temporary file one attachment at a time, so memory stays flat
whatever the attachments weigh. The restore trusts nothing: member names, sizes,
compression ratios, counts, the format version and the JSON's shape are all
checked before a row is written, and the rows are written in one transaction.
"""

import datetime
import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from accounts.models import User
from applications.models import Application, Attachment, Company, Rejection, StageEvent
from applications.services import (
    application_activity_refresh,
    application_search_refresh,
    application_stats_refresh,
)
from contacts.models import Contact, Interaction
from letters import uploads
from reminders.models import Reminder, ReminderSettings, ReminderStatus

FORMAT = "ajar-backup"
FORMAT_VERSION = 1
JSON_NAME = "ajar.json"
ATTACHMENTS_DIR = "attachments/"

MAX_JSON_BYTES = 200 * 1024 * 1024
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for any member over 1 MB
MAX_ROWS = {
    "companies": 20_000,
    "applications": 50_000,
    "stage_events": 500_000,
    "rejections": 50_000,
    "attachments": 50_000,
    "contacts": 50_000,
    "interactions": 200_000,
    "reminders": 50_000,
}


@dataclass(frozen=True)
class Table:
    key: str
    model: type[models.Model]
    # Foreign key field -> the table its ids point into.
    links: dict[str, str] = field(default_factory=dict)
    many: dict[str, str] = field(default_factory=dict)
    # Owned through a user field of its own (the rest through their parent).
    has_user: bool = True


# In dependency order. Tokens, delivery claims and digests are not exported: a restore
# makes fresh ones.
TABLES = (
    Table("companies", Company),
    Table("applications", Application, {"company": "companies"}),
    Table("stage_events", StageEvent, {"application": "applications"}, has_user=False),
    Table("rejections", Rejection, {"application": "applications"}),
    Table("attachments", Attachment, {"rejection": "rejections"}),
    Table("contacts", Contact, {"company": "companies"}, {"applications": "applications"}),
    Table(
        "interactions",
        Interaction,
        {"application": "applications"},
        {"contacts": "contacts"},
    ),
    Table(
        "reminders",
        Reminder,
        {
            "application": "applications",
            "rejection": "rejections",
            "reapplication": "applications",
            "contact": "contacts",
            "moved_by": "interactions",
        },
    ),
)
SKIPPED_FIELDS = {
    # Derived from the history (stage events, conversations) and the rows the
    # search reads: recomputed on restore.
    Application: {"last_activity_on", "search_text", "stats_keys"},
    Attachment: {"data"},
    # Delivery state: a restore's sweep claims afresh, and a digest step
    # is grouped into a digest email of the new account's.
    Reminder: {"claim_token", "claimed_at", "lease_expires_at", "digest"},
}
USER_FIELDS = ("name", "time_zone", "search_started_on")
SETTINGS_FIELDS = (
    "cooling_off_days",
    "send_time",
    "email_enabled",
    "email_enabled_at",
    "note_template",
)


def _opts(model: Any) -> Any:
    return model._meta  # noqa: SLF001 - Django's documented model metadata API


class RestoreError(ValueError):
    pass


class BackupJSONEncoder(DjangoJSONEncoder):
    """Times to the microsecond: Django's encoder keeps milliseconds, and a
    backup that rounds its times is not the account it was taken from."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def _fields(model: type[models.Model]) -> list[models.Field]:
    skipped = SKIPPED_FIELDS.get(model, set())
    return [f for f in _opts(model).concrete_fields if f.name != "user" and f.name not in skipped]


def _queryset(table: Table, user: User) -> models.QuerySet:
    qs = table.model.objects.for_user(user)  # type: ignore[attr-defined]
    if table.model is Attachment:
        qs = qs.defer("data")
    return qs.order_by("pk")


def attachment_path(row_id: int, filename: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", filename)[:100] or "file"
    return f"{ATTACHMENTS_DIR}{row_id}-{safe}"


def account_data(user: User) -> dict[str, Any]:
    """Everything of the account but the attachments' bytes, as JSON-ready data."""
    settings_ = ReminderSettings.objects.filter(user=user).first()
    data: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now(),
        "user": {name: getattr(user, name) for name in USER_FIELDS},
        "reminder_settings": (
            {name: getattr(settings_, name) for name in SETTINGS_FIELDS} if settings_ else None
        ),
    }
    for table in TABLES:
        fields = _fields(table.model)
        qs = _queryset(table, user)
        many: dict[str, dict[int, list[int]]] = {}
        for name in table.many:
            through = getattr(table.model, name).through
            source = f"{_opts(table.model).model_name}_id"
            target = f"{_opts(getattr(table.model, name).field.related_model).model_name}_id"
            links: dict[int, list[int]] = {}
            for a, b in through.objects.filter(**{f"{source}__in": qs.values("pk")}).values_list(
                source, target
            ):
                links.setdefault(a, []).append(b)
            many[name] = links
        rows = []
        for obj in qs.iterator(chunk_size=2000):
            row = {f.name: f.value_from_object(obj) for f in fields}
            for name in table.many:
                row[name] = sorted(many[name].get(obj.pk, []))
            if table.model is Attachment:
                row["path"] = attachment_path(obj.pk, obj.filename)
            rows.append(row)
        data[table.key] = rows
    return data


def backup_write(user: User, out: IO[bytes]) -> None:
    """Write the account's backup zip to `out`, one attachment in memory at a time."""
    data = account_data(user)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.writestr(
            JSON_NAME, json.dumps(data, cls=BackupJSONEncoder, indent=1, ensure_ascii=False)
        )
        for row in data["attachments"]:
            blob = Attachment.objects.filter(pk=row["id"]).values_list("data", flat=True).first()
            # Letters are PDFs and email files: mostly compressed already.
            archive.writestr(row["path"], bytes(blob or b""), compress_type=zipfile.ZIP_STORED)


def backup_tempfile(user: User) -> IO[bytes]:
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response that serves it
    backup_write(user, handle)
    handle.seek(0)
    return handle


# --- Restore ----------------------------------------------------------------------


def _safe_name(name: str) -> bool:
    if name == JSON_NAME:
        return True
    if not name.startswith(ATTACHMENTS_DIR) or "\\" in name or "\x00" in name:
        return False
    rest = name[len(ATTACHMENTS_DIR) :]
    return (
        bool(rest) and "/" not in rest and rest not in {".", ".."} and ".." not in rest.split("/")
    )


def _check_members(infos: list[zipfile.ZipInfo]) -> None:
    """Names, sizes and ratios, from the zip's directory, before anything is read."""
    if len(infos) > MAX_ROWS["attachments"] + 1:
        raise RestoreError("The backup holds too many files.")
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        if not _safe_name(info.filename):
            raise RestoreError(
                f"The backup holds a file outside its folders: {info.filename[:100]!r}."
            )
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise RestoreError("The backup unpacks to more than 2 GB.")
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise RestoreError("The backup is compressed suspiciously well (a zip bomb?).")
        if info.filename.startswith(ATTACHMENTS_DIR) and info.file_size > uploads.MAX_FILE_BYTES:
            raise RestoreError(f"An attachment is larger than 5 MB: {info.filename[:100]!r}.")


def _open_checked(source: IO[bytes]) -> tuple[zipfile.ZipFile, dict]:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise RestoreError("This is not a zip file (or it is damaged).") from error
    _check_members(archive.infolist())
    try:
        info = archive.getinfo(JSON_NAME)
    except KeyError as error:
        raise RestoreError(f"The backup has no {JSON_NAME}.") from error
    if info.file_size > MAX_JSON_BYTES:
        raise RestoreError(f"{JSON_NAME} is too large.")
    with archive.open(info) as handle:
        raw = handle.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise RestoreError(f"{JSON_NAME} is too large.")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise RestoreError(f"{JSON_NAME} is not valid JSON.") from error
    _check_shape(data)
    return archive, data


def _check_shape(data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RestoreError("This is not an Ajar backup.")
    if data.get("format_version") != FORMAT_VERSION:
        raise RestoreError(
            f"This backup's format version is {data.get('format_version')!r}; "
            f"this Ajar reads version {FORMAT_VERSION}."
        )
    if not isinstance(data.get("user"), dict):
        raise RestoreError("The backup's “user” is not an object.")
    if data.get("reminder_settings") is not None and not isinstance(
        data["reminder_settings"], dict
    ):
        raise RestoreError("The backup's “reminder_settings” is not an object.")
    for table in TABLES:
        rows = data.get(table.key)
        if not isinstance(rows, list):
            raise RestoreError(f"The backup's “{table.key}” is not a list.")
        if len(rows) > MAX_ROWS[table.key]:
            raise RestoreError(f"The backup has more {table.key} than one account may hold.")
        for row in rows:
            if not isinstance(row, dict) or not isinstance(row.get("id"), int):
                raise RestoreError(f"A row of “{table.key}” is not an object with an id.")
            for name in table.many:
                if not isinstance(row.get(name, []), list):
                    raise RestoreError(f"“{table.key}.{name}” is not a list.")


def account_is_empty(user: User) -> bool:
    return not any(_queryset(table, user).exists() for table in TABLES if table.has_user)


@dataclass(frozen=True)
class RestoreResult:
    counts: dict[str, int]


def _build(table: Table, row: dict, user: User, ids: dict[str, dict[int, int]]) -> models.Model:
    obj = table.model()
    for f in _fields(table.model):
        if f.primary_key or f.name not in row:
            continue
        value = row[f.name]
        if f.is_relation:
            if value is None:
                setattr(obj, f.attname, None)
                continue
            target = ids[table.links[f.name]]
            if value not in target:
                raise RestoreError(
                    f"A row of “{table.key}” points to a missing {f.name} ({value!r})."
                )
            setattr(obj, f.attname, target[value])
            continue
        try:
            setattr(obj, f.attname, f.to_python(value))
        except (ValidationError, TypeError, ValueError) as error:
            raise RestoreError(
                f"“{table.key}.{f.name}” has a bad value: {str(value)[:50]!r}."
            ) from error
    if table.has_user:
        obj.user = user  # type: ignore[attr-defined]
    if isinstance(obj, Reminder) and obj.status == ReminderStatus.SENDING:
        # Claimed when the backup was taken: due again, the sweep sends it.
        obj.status = ReminderStatus.SCHEDULED
    return obj


def _set_fields(obj: models.Model, values: dict, names: tuple[str, ...], what: str) -> None:
    for name in names:
        if name in values:
            try:
                setattr(obj, name, _opts(obj).get_field(name).to_python(values[name]))
            except ValidationError as error:
                raise RestoreError(f"The backup's {what} {name} is bad.") from error
    try:
        obj.full_clean(
            exclude=["user", "password"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        raise RestoreError(f"The backup's {what} is bad: {error.messages[0]}") from error


def _restore_profile(user: User, data: dict) -> None:
    _set_fields(user, data["user"], USER_FIELDS, "profile")
    user.save(update_fields=list(USER_FIELDS))
    if data.get("reminder_settings"):
        settings_, _created = ReminderSettings.objects.get_or_create(user=user)
        _set_fields(settings_, data["reminder_settings"], SETTINGS_FIELDS, "reminder settings")
        settings_.save()


def _restore_attachments(
    table: Table, rows: list[dict], user: User, ids: dict, archive: zipfile.ZipFile
) -> dict[int, int]:
    """One attachment in memory at a time, however many the backup holds."""
    own = {}
    for row in rows:
        obj = _build(table, row, user, ids)
        assert isinstance(obj, Attachment)
        obj.data = _attachment_bytes(archive, row)
        obj.size = len(obj.data)
        _bulk_create_keeping_times(table.model, [obj], [row])
        own[row["id"]] = obj.pk
    return own


@transaction.atomic
def backup_restore(*, user: User, source: IO[bytes]) -> RestoreResult:
    """Restore a backup zip into `user`'s empty account, all or nothing."""
    if not account_is_empty(user):
        raise RestoreError("A backup is restored only into an empty account.")
    archive, data = _open_checked(source)
    ids: dict[str, dict[int, int]] = {}
    counts: dict[str, int] = {}
    with archive:
        _restore_profile(user, data)
        try:
            for table in TABLES:
                rows = data[table.key]
                if table.model is Attachment:
                    ids[table.key] = _restore_attachments(table, rows, user, ids, archive)
                else:
                    objs = [_build(table, row, user, ids) for row in rows]
                    _bulk_create_keeping_times(table.model, objs, rows)
                    ids[table.key] = {
                        row["id"]: obj.pk for obj, row in zip(objs, rows, strict=True)
                    }
                for name, target in table.many.items():
                    _link(table, name, rows, ids[table.key], ids[target])
                counts[table.key] = len(rows)
            # Rows written in bulk: each application's last news from its
            # restored history, so the quiet ones show on the dashboard.
            application_activity_refresh(application_ids=ids["applications"].values())
            application_search_refresh(application_ids=ids["applications"].values())
            application_stats_refresh(application_ids=ids["applications"].values())
        except DatabaseError as error:
            raise RestoreError(
                f"The backup's rows do not fit together: {str(error).splitlines()[0][:200]}"
            ) from error
    return RestoreResult(counts=counts)


def _attachment_bytes(archive: zipfile.ZipFile, row: dict) -> bytes:
    path = row.get("path")
    if not isinstance(path, str) or not _safe_name(path) or path == JSON_NAME:
        raise RestoreError("An attachment's path is bad.")
    try:
        with archive.open(path) as handle:
            blob = handle.read(uploads.MAX_FILE_BYTES + 1)
    except KeyError as error:
        raise RestoreError(f"The backup lacks the attachment {path[:100]!r}.") from error
    if len(blob) > uploads.MAX_FILE_BYTES:
        raise RestoreError("An attachment is larger than 5 MB.")
    return blob


def _bulk_create_keeping_times(model, objs: list, rows: list[dict]) -> None:
    """Insert, then put back the stored created_at/updated_at: auto_now fields
    stamp the insert time, an UPDATE does not. One UPDATE ... FROM (VALUES ...)
    per thousand rows (bulk_update's CASE per row costs seconds at 5,000)."""
    batch = 200 if model is Attachment else 1000
    model.objects.bulk_create(objs, batch_size=batch)
    opts = _opts(model)
    stamped = [
        f
        for f in opts.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    if not stamped:
        return
    values = []
    for obj, row in zip(objs, rows, strict=True):
        stamps = []
        for f in stamped:
            try:
                value = f.to_python(row.get(f.name)) or getattr(obj, f.attname)
            except ValidationError as error:
                raise RestoreError(f"A bad {f.name}: {str(row[f.name])[:40]!r}.") from error
            stamps.append(connection.ops.adapt_datetimefield_value(value))
        values.append((obj.pk, *stamps))
    cast = "::timestamptz" if connection.vendor == "postgresql" else ""
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    names = [quote(f.column) for f in stamped]
    row_sql = "(%s" + f", %s{cast}" * len(stamped) + ")"
    assignments = ", ".join(f"{n} = v.{n}" for n in names)
    with connection.cursor() as cursor:
        for start in range(0, len(values), 1000):
            chunk = values[start : start + 1000]
            # The model's own table and column names; every value is a parameter.
            rows_sql = ", ".join([row_sql] * len(chunk))
            where = f"{table}.{quote(opts.pk.column)} = v.id"
            sql = f"WITH v(id, {', '.join(names)}) AS (VALUES {rows_sql}) UPDATE {table} SET {assignments} FROM v WHERE {where}"  # noqa: E501, S608
            cursor.execute(sql, [v for item in chunk for v in item])


def _link(
    table: Table, name: str, rows: list[dict], own: dict[int, int], targets: dict[int, int]
) -> None:
    descriptor = getattr(table.model, name)
    through = descriptor.through
    source = f"{_opts(table.model).model_name}_id"
    target = f"{_opts(descriptor.field.related_model).model_name}_id"
    links = []
    for row in rows:
        for other in row.get(name, []):
            if other not in targets:
                raise RestoreError(f"“{table.key}.{name}” points to a missing row ({other!r}).")
            links.append(through(**{source: own[row["id"]], target: targets[other]}))
    through.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)


def backup_bytes(user: User) -> bytes:
    """The backup in memory: for tests and small accounts."""
    out = io.BytesIO()
    backup_write(user, out)
    return out.getvalue()
