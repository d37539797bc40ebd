import os

import pytest
from django.db import connection


def test_login_page_renders(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Sign In" in response.content or b"Sign in" in response.content


def test_dashboard_renders_for_a_user(user_client):
    response = user_client.get("/")
    assert response.status_code == 200
    assert b"Log rejection" in response.content


@pytest.mark.skipif(os.environ.get("AJAR_REQUIRE_SERVICES") != "1", reason="CI runs on PostgreSQL")
def test_ci_runs_on_postgresql(db):
    assert connection.vendor == "postgresql"
