"""The import pages, the import command's JSON contract, the CSV exports."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from applications.models import Application
from portability.models import ImportUpload
from tests.factories import ApplicationFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

SHEET = (
    b"Company,Role,Date Applied,Status\n"
    b"Acme,Engineer,2026-01-05,Applied\n"
    b"Beta,Dev,03/04/2026,Declined\n"
)


def _upload(client, data=SHEET, name="sheet.csv"):
    response = client.post(
        reverse("portability:import_start"), {"file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def test_upload_preview_choose_and_confirm(user_client, user):
    url = _upload(user_client)
    page = user_client.get(url).content.decode()
    assert "Check the import" in page
    assert "Declined" in page
    assert "date-order-needed" in page
    upload = ImportUpload.objects.get(user=user)
    # Confirming without choosing the date order saves nothing.
    response = user_client.post(url, {"confirm": "1"})
    assert response.status_code == 200
    assert not Application.objects.exists()
    from portability.forms import status_field

    response = user_client.post(
        url,
        {
            "confirm": "1",
            "preset": "generic",
            "mapped_preset": "generic",
            "col_0": "company",
            "col_1": "role",
            "col_2": "applied_on",
            "col_3": "status",
            "date_order": "dmy",
            status_field("Declined"): "withdrawn",
            status_field("Applied"): "applied",
            "old_rejections": "spread",
        },
    )
    assert response.status_code == 302
    beta = Application.objects.get(user=user, company__name="Beta")
    assert beta.outcome == "withdrawn"
    assert beta.applied_on.isoformat() == "2026-04-03"
    assert not ImportUpload.objects.filter(pk=upload.pk).exists()


def test_a_binary_file_renamed_csv_gets_a_message_not_a_500(user_client):
    url = _upload(user_client, data=b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", name="evil.csv")
    response = user_client.get(url)
    assert response.status_code == 200
    assert "not a spreadsheet" in response.content.decode()


def test_an_upload_over_5_mb_is_refused(user_client):
    response = user_client.post(
        reverse("portability:import_start"),
        {"file": SimpleUploadedFile("big.csv", b"a" * (5 * 1024 * 1024 + 1))},
    )
    assert response.status_code == 200
    assert "larger than 5 MB" in response.content.decode()
    assert not ImportUpload.objects.exists()


def test_another_users_upload_is_a_404(client, user, other_user):
    upload = ImportUpload.objects.create(user=other_user, filename="x.csv", size=3, data=b"a,b")
    client.force_login(user)
    assert client.get(reverse("portability:import_preview", args=[upload.pk])).status_code == 404


def test_onboarding_import_link_leads_to_the_import(user_client):
    page = user_client.get(reverse("onboarding_next")).content.decode()
    assert f'href="{reverse("portability:import_start")}"' in page


# --- The command ------------------------------------------------------------------------


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


def test_csv_export_guards_formulas_and_reads_back(user_client, user, other_user):
    ApplicationFactory(user=user, company__name="=cmd|' /C calc'!A0", role="@SUM(1)", notes="-2+3")
    ApplicationFactory(user=other_user, company__name="Other")
    response = user_client.get(reverse("portability:export_applications"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["Company", "Role", "Status"]
    assert len(rows) == 2
    assert rows[1][0].startswith("'=")
    assert rows[1][1] == "'@SUM(1)"
    assert rows[1][-1] == "'-2+3"
    # Read back by the import, the guard goes.
    from portability.importing import ImportOptions, plan_import
    from portability.reading import read_table

    fresh = UserFactory()
    plan = plan_import(user=fresh, table=read_table(body.encode()), options=ImportOptions())
    assert plan.rows[0].company == "=cmd|' /C calc'!A0"
    assert plan.rows[0].role == "@SUM(1)"
    assert plan.rows[0].status_word == "Applied"


def test_contacts_csv(user_client, user):
    ContactFactory(user=user, name="+Eve")
    response = user_client.get(reverse("portability:export_contacts"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'+Eve" in body
