"""Import a spreadsheet of applications for a user, as the import page does.

`--dry-run --format json` saves nothing and prints one JSON object:
encoding, delimiter, mapping (column -> field), rows, would_create
(applications, companies, rejections, contacts), duplicates and errors
(a list of {row, column, message}). That output is a contract: keep it stable.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from portability.formats import PRESETS
from portability.importing import OLD_REJECTIONS_CHOICES, ImportOptions, counts_text, plan_import
from portability.reading import DELIMITERS, MAX_ROWS, ReadError, Table, read_table
from portability.services import import_apply

DELIMITER_NAMES = {
    "comma": ",",
    "semicolon": ";",
    "tab": "\t",
    ",": ",",
    ";": ";",
    "\\t": "\t",
    "\t": "\t",
}
# A file larger than this is refused before reading (the page caps uploads at 5 MB).
MAX_FILE_BYTES = 50 * 1024 * 1024


class Command(BaseCommand):
    help = "Import applications from a CSV, .xlsx or LinkedIn archive zip into a user's account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="the account's email address")
        parser.add_argument("--preset", choices=sorted(PRESETS))
        parser.add_argument("--encoding")
        parser.add_argument("--delimiter", help="comma, semicolon or tab")
        parser.add_argument("--date-order", choices=["mdy", "dmy"], default="")
        parser.add_argument(
            "--old-rejections",
            choices=OLD_REJECTIONS_CHOICES,
            default="spread",
            help="rejections whose cooling-off has passed: spread their circle-backs over "
            "the coming weeks (default), skip them, or keep them due now",
        )
        parser.add_argument("--skip-bad-rows", action="store_true")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options) -> None:
        try:
            user = User.objects.get(email__iexact=options["user"])
        except User.DoesNotExist as error:
            raise CommandError(f"No user {options['user']}.") from error
        delimiter = None
        if options["delimiter"]:
            delimiter = DELIMITER_NAMES.get(options["delimiter"])
            if delimiter not in DELIMITERS:
                raise CommandError("--delimiter: comma, semicolon or tab.")
        table = self._read(options, delimiter)
        plan = plan_import(
            user=user,
            table=table,
            options=ImportOptions(
                preset=options["preset"] or "",
                encoding=options["encoding"],
                delimiter=delimiter,
                date_order=options["date_order"],
                skip_bad_rows=options["skip_bad_rows"],
                old_rejections=options["old_rejections"],
            ),
        )
        summary = plan.summary()
        if plan.date_order_needed:
            summary["errors"].append(
                {
                    "row": 0,
                    "column": "",
                    "message": "Dates such as 03/04/2026 could be day/month or month/day: "
                    "pass --date-order mdy or dmy.",
                }
            )
        if options["dry_run"]:
            self._report(summary, options, saved=False)
            return
        if not plan.can_import:
            self._report(summary, options, saved=False)
            if options["format"] == "json":
                raise SystemExit(1)
            raise CommandError("Nothing was imported (use --skip-bad-rows to leave bad rows out).")
        result = import_apply(user=user, plan=plan)
        summary["created"] = {
            "applications": result.applications,
            "companies": result.companies,
            "rejections": result.rejections,
            "contacts": result.contacts,
        }
        self._report(summary, options, saved=True)

    def _read(self, options: dict, delimiter: str | None) -> Table:
        path = Path(options["file"])
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MB.")
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from error
        try:
            return read_table(
                data, filename=path.name, encoding=options["encoding"], delimiter=delimiter
            )
        except ReadError as error:
            if options["format"] != "json":
                raise CommandError(str(error)) from error
            self._json(
                {
                    "encoding": options["encoding"] or "",
                    "delimiter": delimiter or "",
                    "mapping": {},
                    "rows": 0,
                    "would_create": dict.fromkeys(
                        ("applications", "companies", "rejections", "contacts"), 0
                    ),
                    "duplicates": 0,
                    "errors": [{"row": 0, "column": "", "message": str(error)}],
                }
            )
            raise SystemExit(1) from error

    def _report(self, summary: dict, options: dict, *, saved: bool) -> None:
        if options["format"] == "json":
            self._json(summary)
        else:
            self._text(summary, saved=saved)

    def _json(self, payload: dict) -> None:
        self.stdout.write(json.dumps(payload, ensure_ascii=False, sort_keys=False))

    def _text(self, summary: dict, *, saved: bool) -> None:
        self.stdout.write(
            f"{summary['rows']} {'row' if summary['rows'] == 1 else 'rows'} (max {MAX_ROWS}), "
            f"encoding {summary['encoding'] or '-'}, "
            f"delimiter {summary['delimiter']!r}"
        )
        for column, field in summary["mapping"].items():
            self.stdout.write(f"  {column} -> {field}")
        verb = "created" if saved else "would create"
        counts = summary.get("created", summary["would_create"])
        self.stdout.write(f"{verb}: {counts_text(**counts, duplicates=summary['duplicates'])}")
        for error in summary["errors"]:
            self.stderr.write(f"row {error['row']}, {error['column']}: {error['message']}")
