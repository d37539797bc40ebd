"""The import: reading, mapping, the plan, and writing it all or nothing."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from applications.models import Application, Company, Outcome, Rejection, Stage
from contacts.models import Contact
from portability.importing import ImportOptions, plan_import
from portability.reading import ReadError, read_table
from portability.services import ImportRefused, import_apply
from reminders.models import Reminder, ReminderStatus
from reminders.services import Closing
from tests.factories import ApplicationFactory, ContactFactory
from tests.portability.helpers import csv_bytes, xlsx_bytes, zip_bytes

pytestmark = pytest.mark.django_db

GENERIC = (
    "Company,Role,Date Applied,Status,Contact Person,Contact Email,Notes,Salary/Rate\n"
    "Acme,Engineer,2026-01-05,Applied,Jane Doe,jane@acme.example,liked them,100k\n"
    "Beta,Developer,2025-06-05,Rejected,,,,\n"
    "Gamma,PM,2026-02-01,Interviewing,,,,\n"
)


def plan(user, data: bytes, **options):
    table = read_table(
        data, encoding=options.pop("encoding", None), delimiter=options.pop("delimiter", None)
    )
    return plan_import(user=user, table=table, options=ImportOptions(**options))


def test_a_generic_sheet_is_mapped_by_its_headers(user):
    result = plan(user, csv_bytes(GENERIC))
    assert result.preset.name == "generic"
    assert result.column_mapping["Company"] == "company"
    assert result.column_mapping["Date Applied"] == "applied_on"
    assert result.column_mapping["Salary/Rate"] == "keep_in_notes"
    assert result.errors == []
    assert result.would_create() == {
        "applications": 3,
        "companies": 3,
        "rejections": 1,
        "contacts": 1,
    }


def test_import_writes_applications_history_rejections_and_contacts(user):
    result = import_apply(user=user, plan=plan(user, csv_bytes(GENERIC)))
    assert result.applications == 3
    acme = Application.objects.get(user=user, company__name="Acme")
    assert acme.applied_on == datetime.date(2026, 1, 5)
    assert "Salary/Rate: 100k" in acme.notes
    assert "liked them" in acme.notes
    assert list(acme.events.values_list("stage", "occurred_on")) == [
        (Stage.APPLIED, datetime.date(2026, 1, 5))
    ]
    assert acme.contacts.get().email == "jane@acme.example"
    beta = Application.objects.get(user=user, company__name="Beta")
    assert beta.outcome == Outcome.REJECTED
    assert Rejection.objects.get(application=beta).received_on == datetime.date(2025, 6, 5)
    # Its cooling-off passed long ago: spread into the coming days, not due now.
    reminder = Reminder.objects.get(application=beta)
    assert reminder.due_date > timezone.localdate()
    gamma = Application.objects.get(user=user, company__name="Gamma")
    assert gamma.current_stage == Stage.INTERVIEW
    # Honest history: the interview has no date in the file, so no event for it.
    assert list(gamma.events.values_list("stage", flat=True)) == [Stage.APPLIED]


def test_no_applied_date_in_the_file_means_none_is_invented(user):
    import_apply(user=user, plan=plan(user, csv_bytes("Company,Role\nAcme,Engineer\n")))
    app = Application.objects.get(user=user)
    assert app.applied_on is None
    assert app.events.count() == 0


def test_an_imported_application_with_an_old_date_shows_as_quiet(user):
    from accounts.timezones import user_today
    from review.selectors import stale_applications

    today = user_today(user)
    text = f"Company,Role,Date Applied\nAcme,Engineer,2025-01-05\nBeta,Developer,{today}\n"
    import_apply(user=user, plan=plan(user, csv_bytes(text)))
    acme = Application.objects.get(user=user, company__name="Acme")
    assert acme.last_activity_on == datetime.date(2025, 1, 5)
    assert list(stale_applications(user, today=today)) == [acme]


def test_old_rejections_can_be_skipped(user):
    import_apply(user=user, plan=plan(user, csv_bytes(GENERIC), old_rejections="skip"))
    assert (
        Reminder.objects.get(application__company__name="Beta").status == ReminderStatus.DISMISSED
    )


def test_the_preview_counts_old_rejections(user):
    assert plan(user, csv_bytes(GENERIC)).old_rejections == 1


def test_duplicates_in_the_file_and_in_the_account_are_skipped_and_counted(user):
    ApplicationFactory(
        user=user, company__name="acme", role="ENGINEER", applied_on=datetime.date(2026, 1, 5)
    )
    text = GENERIC + "Gamma,pm,2026-02-01,Interviewing,,,,\n"
    result = plan(user, csv_bytes(text))
    assert result.duplicates == 2
    assert result.would_create()["applications"] == 2


def test_contacts_named_in_a_row_are_matched_by_email(user):
    existing = ContactFactory(user=user, name="J. Doe", email="JANE@acme.example")
    import_apply(user=user, plan=plan(user, csv_bytes(GENERIC)))
    assert Contact.objects.filter(user=user).count() == 1
    assert existing.applications.get().company.name == "Acme"


def test_all_or_nothing_by_default(user):
    text = "Company,Role,Status\nAcme,Engineer,Applied\n,Developer,Applied\n"
    result = plan(user, csv_bytes(text))
    assert [e.as_dict() for e in result.errors] == [
        {"row": 3, "column": "Company", "message": "Company is missing."}
    ]
    assert not result.can_import
    with pytest.raises(ImportRefused):
        import_apply(user=user, plan=result)
    assert not Application.objects.exists()


def test_bad_rows_can_be_skipped(user):
    text = "Company,Role,Status\nAcme,Engineer,Applied\n,Developer,Applied\n"
    result = import_apply(user=user, plan=plan(user, csv_bytes(text), skip_bad_rows=True))
    assert result.applications == 1
    assert result.skipped_rows == 1


def test_ambiguous_status_words_are_asked_with_a_suggestion(user):
    text = "Company,Role,Status\nAcme,Engineer,Declined\nBeta,Dev,Archived\nGamma,X,Frobnicated\n"
    result = plan(user, csv_bytes(text))
    by_word = {s.word: s for s in result.statuses}
    assert by_word["Declined"].ambiguous
    assert by_word["Declined"].target == "rejected"
    assert by_word["Archived"].ambiguous
    assert by_word["Frobnicated"].target == ""
    assert result.errors[0].row == 4
    assert result.errors[0].column == "Status"
    chosen = plan(
        user, csv_bytes(text), statuses={"Frobnicated": "withdrawn", "Declined": "offer_declined"}
    )
    assert chosen.errors == []
    outcomes = {r.company: r.outcome for r in chosen.rows}
    assert outcomes == {
        "Acme": Outcome.OFFER_DECLINED,
        "Beta": Outcome.OPEN,
        "Gamma": Outcome.WITHDRAWN,
    }


def test_an_ambiguous_date_order_must_be_chosen(user):
    text = "Company,Role,Date Applied\nAcme,Engineer,03/04/2026\n"
    result = plan(user, csv_bytes(text))
    assert result.date_order_needed
    assert not result.can_import
    us = plan(user, csv_bytes(text), date_order="mdy")
    assert us.rows[0].applied_on == datetime.date(2026, 3, 4)
    eu = plan(user, csv_bytes(text), date_order="dmy")
    assert eu.rows[0].applied_on == datetime.date(2026, 4, 3)


def test_the_file_settles_the_date_order_when_one_value_does(user):
    text = "Company,Role,Date Applied\nAcme,Engineer,03/04/2026\nBeta,Dev,25/04/2026\n"
    result = plan(user, csv_bytes(text))
    assert not result.date_order_needed
    assert result.rows[0].applied_on == datetime.date(2026, 4, 3)


def test_linkedin_archive_zip(user):
    text = (
        "Application Date,Contact Email,Contact Phone Number,Company Name,Job Title,Job Url,"
        "Resume Name,Question And Answers\n"
        '"8/15/26, 3:04 PM",,,Initech,Analyst,https://www.linkedin.com/jobs/view/1,cv.pdf,'
        '"Salary: 90000"\n'
    )
    data = zip_bytes({"Jobs/Job Applications.csv": text.encode()})
    result = plan(user, data)
    assert result.preset.name == "linkedin"
    assert result.column_mapping["Question And Answers"] == "drop"
    row = result.rows[0]
    assert row.applied_on == datetime.date(2026, 8, 15)
    assert row.stage == Stage.APPLIED
    assert "Salary" not in row.notes
    assert "cv.pdf" in row.notes


def test_huntr_export_is_detected(user):
    text = (
        "id,createdAt,title,listName,companyName,lastMovedAt\n"
        "ab12,2022-02-26 19:17:05,Dev,rejected,Hooli,2022-03-10 10:00:00\n"
    )
    result = plan(user, csv_bytes(text))
    assert result.preset.name == "huntr"
    row = result.rows[0]
    assert row.outcome == Outcome.REJECTED
    assert row.outcome_on == datetime.date(2022, 3, 10)
    assert [e[0] for e in row.events] == [Stage.SAVED]


def test_jobsync_and_teal_presets(user):
    jobsync = (
        "index,createdAt,applied,appliedDate,Company,JobTitle,jobType,workplaceType,Location,JobSource,Status\n"
        "1,2026-01-01,Yes,2026-01-02,Acme,Dev,Full Time,Remote,Paris,LinkedIn,Expired\n"
    )
    result = plan(user, csv_bytes(jobsync))
    assert result.preset.name == "jobsync"
    assert result.rows[0].outcome == Outcome.WITHDRAWN
    teal = "Company Name,Job Title,Status,Date Applied\nAcme,Dev,No Response,2026-01-02\n"
    result = plan(user, csv_bytes(teal))
    assert result.preset.name == "teal"
    assert result.rows[0].outcome == Outcome.GHOSTED


# A spreadsheet's dates have no zone.
NAIVE_DAY = datetime.datetime(2026, 1, 5)  # noqa: DTZ001


def test_xlsx_with_dates_and_formula_cells(user):
    data = xlsx_bytes(
        [
            ["Company", "Role", "Date Applied"],
            ["Acme", '=HYPERLINK("http://evil")', NAIVE_DAY],
        ]
    )
    result = plan(user, data)
    assert result.table.kind == "xlsx"
    # Formulas are never evaluated: a cell reads as the value Excel saved with
    # it, and this one has none.
    assert [e.as_dict() for e in result.errors] == [
        {"row": 2, "column": "Role", "message": "Role is missing."}
    ]
    data = xlsx_bytes([["Company", "Role", "Date Applied"], ["Acme", "Dev", NAIVE_DAY]])
    assert plan(user, data).rows[0].applied_on == datetime.date(2026, 1, 5)


def test_encodings_bom_utf8_cp1252_and_override(user):
    text = "Company,Role\nCafé Zoë,Ingénieur\n"
    assert plan(user, text.encode("utf-8-sig")).table.encoding == "utf-8-sig"
    assert plan(user, text.encode("utf-8")).rows[0].company == "Café Zoë"
    latin = plan(user, text.encode("cp1252"))
    assert latin.table.encoding == "cp1252"
    assert latin.rows[0].company == "Café Zoë"
    with pytest.raises(ReadError):
        read_table(text.encode("cp1252"), encoding="utf-8")


def test_semicolon_and_tab_delimiters_are_sniffed(user):
    assert plan(user, b"Company;Role\nAcme;Dev\n").table.delimiter == ";"
    assert plan(user, b"Company\tRole\nAcme\tDev\n").table.delimiter == "\t"
    assert plan(user, b"Company;Role\nAcme;Dev\n", delimiter=",").errors


def test_the_export_guard_is_stripped_on_import(user):
    result = plan(user, csv_bytes("Company,Role\n'=Acme,'+Dev\n"))
    assert (result.rows[0].company, result.rows[0].role) == ("=Acme", "+Dev")


# --- Hostile spreadsheets --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column", "needle"),
    [
        ("Company,Role\nAcme," + "x" * 5000 + "\n", "Role", "Longer than 200"),
        ("Company,Role\n,Dev\n", "Company", "missing"),
        ("Company,Role,Status\nAcme,Dev,Sacked by a dragon\n", "Status", "Unknown status"),
        ("Company,Role,Date Applied\nAcme,Dev,9999-01-01\n", "Date Applied", "out of range"),
        ("Company,Role,Date Applied\nAcme,Dev,yesterday-ish\n", "Date Applied", "not a date"),
        ("Company,Role,Job URL\nAcme,Dev,javascript:alert(1)\n", "Job URL", "web address"),
    ],
)
def test_bad_cells_are_reported_by_row_and_column(user, text, column, needle):
    result = plan(user, csv_bytes(text))
    assert result.errors[0].row == 2
    assert result.errors[0].column == column
    assert needle in result.errors[0].message
    assert not result.can_import


def test_script_text_in_names_is_kept_as_text(user):
    result = plan(user, csv_bytes("Company,Role\n<script>alert(1)</script>,Dev\n"))
    import_apply(user=user, plan=result)
    assert Company.objects.get(user=user).name == "<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00binary", "binary"),
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", ".xls"),
        (b"PK\x03\x04broken", "damaged"),
        (zip_bytes({"notes.txt": b"hi"}), "Job Applications.csv"),
    ],
)
def test_files_that_are_not_spreadsheets_get_a_clear_message(data, needle):
    with pytest.raises(ReadError, match=needle):
        read_table(data, filename="applications.csv")


def test_an_xlsx_bomb_is_refused_before_opening():
    bomb = zip_bytes(
        {"xl/workbook.xml": b"<x/>", "xl/worksheets/sheet1.xml": b"\0" * (60 * 1024 * 1024)}
    )
    with pytest.raises(ReadError, match="compressed suspiciously"):
        read_table(bomb)


def test_100000_rows_are_refused_with_a_message(user):
    text = "Company,Role\n" + "".join(f"C{i},R{i}\n" for i in range(100_000))
    result = plan(user, csv_bytes(text))
    assert len(result.table.rows) == 5000
    assert result.table.truncated
    assert "more than 5,000 rows" in result.file_errors[0].message
    assert not result.can_import


@pytest.mark.parametrize(
    ("data", "options", "needle"),
    [
        (b"Company,Role\nA,B\n", {"encoding": "klingon"}, "Unknown encoding"),
        (b"Company,Role\nA,B\n", {"delimiter": "|"}, "comma, semicolon or tab"),
        (("," * 150 + "\n").replace(",", "h,", 120).encode(), {}, "more than 100 columns"),
        (b"Company,Role\nA," + b"x" * 100_001 + b"\n", {}, "longer than"),
        (b"\n\n\n", {}, "no header row"),
    ],
)
def test_reading_refuses_with_a_message(data, options, needle):
    with pytest.raises(ReadError, match=needle):
        read_table(data, **options)


def test_utf16_with_a_bom_is_read(user):
    result = plan(user, "Company\tRole\nZoë\tDev\n".encode("utf-16"))
    assert result.table.encoding == "utf-16"
    assert result.rows[0].company == "Zoë"


def test_dates_with_times_and_month_names(user):
    text = (
        "Company,Role,Date Applied,Interview Date\n"
        'Acme,Dev,"Jan 5, 2026","2026-02-01 14:30"\n'
        "Beta,Dev,5 January 2026,13:99\n"
    )
    result = plan(user, csv_bytes(text))
    row = result.rows[0]
    assert row.applied_on == datetime.date(2026, 1, 5)
    interview = next(e for e in row.events if e[0] == Stage.INTERVIEW)
    assert interview[2] is not None and interview[2].hour == 14  # noqa: PT018 - UTC here
    assert result.errors[0].column == "Interview Date"


MIXED = "Company,Role,Date Applied,Status,Date Rejected,Interview Date\n" + "".join(
    f"Co {i % 4},Role {i},{applied},{status},{rejected},{interview}\n"
    for i, (applied, status, rejected, interview) in enumerate(
        [
            ("2025-03-01", "Rejected", "2025-04-01", ""),
            ("2025-05-01", "No response", "", ""),
            ("2026-01-05", "Interviewing", "", ""),
            ("2025-06-01", "Rejected", "2025-07-15", "2025-07-01"),
            ("2026-11-20", "Rejected", "{recent}", ""),
            ("2024-11-01", "Ghosted", "", "2024-11-20"),
            ("2026-02-01", "Offer", "", ""),
        ]
        * 3
    )
)


@pytest.mark.parametrize("choice", ["spread", "skip", "keep"])
def test_the_import_writes_what_one_rejection_log_per_row_writes(choice):
    """The same file imported twice: once as it is (rejections_log_bulk), once
    with its rejected and ghosted rows open, then rejection_log on each."""
    from dataclasses import replace

    from tests.factories import UserFactory
    from tests.reminders.compare import assert_same, log_one_by_one, snapshot

    one, bulk = UserFactory(), UserFactory()
    recent = (timezone.now().date() - datetime.timedelta(days=2)).isoformat()
    data = csv_bytes(MIXED.replace("{recent}", recent))
    import_apply(user=bulk, plan=plan(bulk, data, old_rejections=choice))
    whole = plan(one, data, old_rejections=choice)
    closing = {Outcome.REJECTED, Outcome.GHOSTED}
    rows = [r for r in whole.rows if r.outcome in closing]
    whole.rows = [
        replace(r, outcome=Outcome.OPEN) if r.outcome in closing else r for r in whole.rows
    ]
    import_apply(user=one, plan=whole)
    apps = {(a.company.name, a.role): a for a in Application.objects.for_user(one)}
    log_one_by_one(
        one,
        [
            Closing(
                application=apps[(r.company, r.role)],
                stage_reached=r.stage,
                received_on=r.outcome_on,
                ghosted=r.outcome == Outcome.GHOSTED,
            )
            for r in rows
        ],
        choice,
    )
    expected = snapshot(one)
    assert_same(snapshot(bulk), expected)
    steps = [s for app in expected["applications"].values() for s in app["steps"]]
    assert len(steps) > len(rows)  # a thank-you too


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite batches its statements by its variable limit"
)
def test_the_import_statements_do_not_grow_with_the_rejections():
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory

    def rejected(n: int) -> bytes:
        lines = [
            f"Co {i % 7},Role {i},2025-03-01,Rejected,2025-04-{i % 28 + 1:02d}\n" for i in range(n)
        ]
        lines += [f"Co {i % 7},Quiet {i},2025-03-01,No response,\n" for i in range(n)]
        return csv_bytes("Company,Role,Date Applied,Status,Date Rejected\n" + "".join(lines))

    counts = []
    for n in (5, 60):
        user = UserFactory()
        to_import = plan(user, rejected(n), old_rejections="spread")
        with CaptureQueriesContext(connection) as queries:
            import_apply(user=user, plan=to_import)
        counts.append(len(queries))
        assert Reminder.objects.for_user(user).count() == 2 * n
    assert counts[1] == counts[0]
