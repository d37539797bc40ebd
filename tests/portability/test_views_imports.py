"""The import pages: upload, mapping preview with choices, confirm."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Application
from portability.models import ImportUpload

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
