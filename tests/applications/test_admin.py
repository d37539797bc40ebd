"""The admin shows a rejection's files (without their bytes) and tells the
letter from the files that came with it."""

import pytest
from django.urls import reverse

from tests.factories import AttachmentFactory

pytestmark = pytest.mark.django_db


def test_the_admin_lists_files_by_kind_and_shows_them_on_their_rejection(admin_client):
    letter = AttachmentFactory(filename="sorry.eml")
    enclosed = AttachmentFactory(
        user=letter.user, rejection=letter.rejection, kind="enclosed", filename="decision.pdf"
    )
    changelist = reverse("admin:applications_attachment_changelist")
    response = admin_client.get(changelist, {"kind__exact": "enclosed"})
    assert [a.pk for a in response.context["cl"].result_list] == [enclosed.pk]
    page = admin_client.get(
        reverse("admin:applications_rejection_change", args=[letter.rejection_id])
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert body.index("sorry.eml") < body.index("decision.pdf")
    assert "% a letter" not in body  # the bytes stay out of the page
    assert (
        admin_client.get(
            reverse("admin:applications_attachment_change", args=[enclosed.pk])
        ).status_code
        == 200
    )
