"""CSV exports: guarded against formula injection, read back by the import."""

import csv
import io

import pytest
from django.urls import reverse

from tests.factories import ApplicationFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


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
