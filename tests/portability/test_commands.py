"""import_applications (its JSON contract), export_account and import_account."""

import io
import json

import pytest
from django.core.management import call_command

from applications.models import Application
from contacts.models import Contact
from tests.factories import UserFactory
from tests.portability.helpers import fill_account

pytestmark = pytest.mark.django_db


def test_dry_run_json_contract(tmp_path, user):
    path = tmp_path / "s.csv"
    path.write_bytes(b"Company;Role;Status\nAcme;Dev;Rejected\n;Dev;Applied\nAcme;Dev;Rejected\n")
    out = io.StringIO()
    call_command(
        "import_applications",
        "--user",
        user.email,
        "--dry-run",
        "--format",
        "json",
        str(path),
        stdout=out,
    )
    payload = json.loads(out.getvalue())
    assert list(payload) == [
        "encoding",
        "delimiter",
        "mapping",
        "rows",
        "would_create",
        "duplicates",
        "errors",
    ]
    assert payload["encoding"] == "utf-8"
    assert payload["delimiter"] == ";"
    assert payload["mapping"] == {"Company": "company", "Role": "role", "Status": "status"}
    assert payload["rows"] == 3
    assert payload["would_create"] == {
        "applications": 1,
        "companies": 1,
        "rejections": 1,
        "contacts": 0,
    }
    assert payload["duplicates"] == 1
    assert payload["errors"] == [{"row": 3, "column": "Company", "message": "Company is missing."}]
    assert not Application.objects.exists()


def test_the_command_imports_with_skip_bad_rows(tmp_path, user):
    path = tmp_path / "s.csv"
    path.write_bytes(b"Company,Role\nAcme,Dev\n,Dev\n")
    with pytest.raises(Exception, match="Nothing was imported"):
        call_command(
            "import_applications",
            "--user",
            user.email,
            str(path),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not Application.objects.exists()
    call_command(
        "import_applications",
        "--user",
        user.email,
        "--skip-bad-rows",
        str(path),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert Application.objects.filter(user=user).count() == 1


def test_the_text_report_counts_in_words_with_plurals(tmp_path, user):
    path = tmp_path / "s.csv"
    path.write_bytes(b"Company,Role,Status\nAcme,Dev,Rejected\nAcme,Dev,Rejected\n")
    out = io.StringIO()
    call_command("import_applications", "--user", user.email, "--dry-run", str(path), stdout=out)
    assert out.getvalue().startswith("2 rows (max ")
    single = tmp_path / "one.csv"
    single.write_bytes(b"Company,Role\nAcme,Dev\n")
    one = io.StringIO()
    call_command("import_applications", "--user", user.email, "--dry-run", str(single), stdout=one)
    assert one.getvalue().startswith("1 row (max ")
    assert (
        "would create: 1 application, 1 new company, 1 rejection, 0 new contacts; "
        "1 duplicate skipped"
    ) in out.getvalue()
    out = io.StringIO()
    call_command("import_applications", "--user", user.email, str(path), stdout=out)
    assert "created: 1 application, 1 new company, 1 rejection, 0 new contacts;" in out.getvalue()
    assert Application.objects.filter(user=user).count() == 1


def test_the_command_with_encoding_and_delimiter_overrides(tmp_path, user):
    path = tmp_path / "s.csv"
    path.write_bytes("Company\tRole\nCafé\tDev\n".encode("cp1252"))
    out = io.StringIO()
    call_command(
        "import_applications",
        "--user",
        user.email,
        "--encoding",
        "cp1252",
        "--delimiter",
        "tab",
        "--dry-run",
        "--format",
        "json",
        str(path),
        stdout=out,
    )
    payload = json.loads(out.getvalue())
    assert payload["encoding"] == "cp1252"
    assert payload["delimiter"] == "\t"
    assert payload["errors"] == []


# --- CSV export -------------------------------------------------------------------------


def test_export_and_import_account_commands(tmp_path, user):
    fill_account(user)
    path = tmp_path / "b.zip"
    call_command(
        "export_account", "--user", user.email, "--output", str(path), stdout=io.StringIO()
    )
    fresh = UserFactory()
    call_command("import_account", "--user", fresh.email, str(path), stdout=io.StringIO())
    assert Contact.objects.filter(user=fresh).count() == 1


# --- Calendar -------------------------------------------------------------------------


def test_commands_refuse_with_a_message(tmp_path, user):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user"):
        call_command("import_applications", "--user", "nobody@example.com", "x.csv")
    with pytest.raises(CommandError, match=r"x\.csv"):
        call_command("import_applications", "--user", user.email, str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="delimiter"):
        call_command("import_applications", "--user", user.email, "--delimiter", "pipe", "x.csv")
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\x00\x01\x02binary")
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "import_applications",
            "--user",
            user.email,
            "--dry-run",
            "--format",
            "json",
            str(binary),
            stdout=out,
        )
    assert "binary" in json.loads(out.getvalue())["errors"][0]["message"]
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="not a zip"):
        call_command("import_account", "--user", user.email, str(bad), stdout=io.StringIO())
    with pytest.raises(CommandError, match="No user"):
        call_command("export_account", "--user", "nobody@example.com", "--output", str(bad))
