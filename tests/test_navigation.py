"""The main navigation: its links, and the one marked current on each page."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse

from config.navigation import LINKS, current_sections, navigation
from tests.factories import UserFactory


def _links():
    return {key: reverse(name) for key, name in LINKS.items()}


@pytest.mark.parametrize(
    ("url", "current"),
    [
        (reverse("dashboard"), {"dashboard"}),
        (reverse("applications:list"), {"applications"}),
        (reverse("applications:create"), {"applications"}),
        (reverse("applications:board"), {"board"}),
        (reverse("review:stats"), {"stats"}),
        (reverse("review:company_list"), {"companies"}),
        # The log-rejection form has its own button in the bar: no section is current.
        (reverse("reminders:log_rejection"), set()),
        (reverse("contacts:list"), {"contacts"}),
        (reverse("reminders:list"), {"reminders"}),
        (reverse("inbox:list"), {"inbox"}),
        (reverse("portability:index"), {"data"}),
        (reverse("settings"), {"settings"}),
    ],
)
def test_each_page_marks_its_section_current(url, current):
    assert current_sections(url, _links()) == current


def test_the_links_are_the_reversed_urls(rf):
    context = navigation(rf.get(reverse("contacts:list")))["nav"]
    assert {key: context[key] for key in LINKS} == _links()
    assert context["current"] == {"contacts"}


def test_the_bar_marks_the_current_page_and_links_every_section(user_client):
    html = user_client.get(reverse("contacts:list")).content.decode()
    assert (
        f'<a class="nav-link active" aria-current="page" href="{reverse("contacts:list")}">' in html
    )
    assert html.count('aria-current="page"') == 1
    for key, name in LINKS.items():
        if key != "logout":
            assert f'href="{reverse(name)}"' in html
    assert f'action="{reverse("account_logout")}"' in html


def _sign_out_token(html: str) -> str:
    form = html[html.index('class="m-0 navbar-signout"') :]
    return form.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]


@pytest.mark.django_db
def test_the_bar_is_rendered_once_and_carries_each_requests_own_token(client):
    """{% main_nav %} keeps the bar once a process: a later request renders no
    bar template, and its sign-out form carries that request's own token."""
    from tests.factories import UserFactory

    tokens = []
    for _ in range(2):
        client.force_login(UserFactory())
        first = client.get(reverse("reminders:list"))
        again = client.get(reverse("reminders:list"))
        assert "_main_nav.html" not in [t.name for t in again.templates]
        for response in (first, again):
            html = response.content.decode()
            token = _sign_out_token(html)
            # The token the request's other forms carry (htmx's header).
            assert f'"X-CSRFToken": "{token}"' in html
            assert html.count('aria-current="page"') == 1
            assert f'aria-current="page" href="{reverse("reminders:list")}"' in html
        tokens.append(token)
        client.logout()
    assert tokens[0] != tokens[1]


def test_the_bar_kept_is_the_bar_the_template_renders(rf):
    tag = engines["django"].from_string("{% load ajar_layout %}{% main_nav %}")
    for user in (UserFactory.build(), AnonymousUser(), UserFactory.build()):
        for path in (reverse("review:stats"), reverse("dashboard"), reverse("review:stats")):
            context = {"nav": navigation(rf.get(path))["nav"], "user": user}
            for token in ("tokenA1", "tokenB2"):
                expected = render_to_string("_main_nav.html", {**context, "csrf_token": token})
                assert tag.render({**context, "csrf_token": token}) == expected
    signed_out = tag.render({"nav": navigation(rf.get("/"))["nav"], "user": AnonymousUser()})
    assert reverse("contacts:list") not in signed_out
