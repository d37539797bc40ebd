"""Migration 0007 fills search_text of every existing application, as the
services would write it (its fill run on rows that have none yet)."""

import importlib

import pytest
from django.apps import apps

from applications.models import Application
from applications.services import application_search_refresh
from tests.factories import ApplicationFactory, RejectionFactory

migration = importlib.import_module("applications.migrations.0008_search_text")

pytestmark = pytest.mark.django_db


def test_existing_applications_get_the_search_text_the_services_write(user, monkeypatch):
    plain = ApplicationFactory(user=user, company__name="Acme", role="Engineer")
    rejected = ApplicationFactory(user=user, role="Analyst", location="Oslo", notes="met Bo")
    RejectionFactory(application=rejected, letter_text="No thanks " + "y" * 5000)
    written = dict(Application.objects.values_list("pk", "search_text"))
    Application.objects.update(search_text="")

    monkeypatch.setattr(migration, "BATCH", 1)  # several batches
    migration.backfill(apps, None)

    filled = dict(Application.objects.values_list("pk", "search_text"))
    assert "Acme" in filled[plain.pk]
    assert "Engineer" in filled[plain.pk]
    assert all(w in filled[rejected.pk] for w in ("Analyst", "Oslo", "met Bo", "No thanks"))
    assert filled == written
    application_search_refresh(application_ids=list(filled))
    assert dict(Application.objects.values_list("pk", "search_text")) == filled
