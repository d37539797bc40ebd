"""The benchmark's floor view: private like every page, one line of HTML."""

import pytest
from django.urls import NoReverseMatch, reverse


@pytest.mark.django_db
def test_the_floor_is_not_served_unless_the_benchmark_turns_it_on(client):
    with pytest.raises(NoReverseMatch):
        reverse("bench:floor")
    assert client.get("/bench/floor/").status_code in {302, 404}


@pytest.mark.urls("tests.bench.urls_with_floor")
def test_the_floor_asks_an_anonymous_visitor_to_log_in(client, db):
    response = client.get(reverse("bench:floor"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.urls("tests.bench.urls_with_floor")
def test_the_floor_renders_one_line_for_its_user(client, user, django_assert_max_num_queries):
    client.force_login(user)
    with django_assert_max_num_queries(2):  # the session and the user
        response = client.get(reverse("bench:floor"))
    assert response.status_code == 200
    assert user.email in response.content.decode()
    assert response.content.decode().count("\n") == 1


@pytest.mark.urls("tests.bench.urls_with_floor")
def test_the_layout_page_is_the_base_template_around_nothing(client, user):
    client.force_login(user)
    response = client.get(reverse("bench:layout"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>layout · Ajar</title>" in html
    assert 'id="main-nav"' in html
