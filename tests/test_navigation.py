"""The main navigation: its links, and the one marked current on each page."""

import pytest
from django.urls import reverse

from config.navigation import LINKS, current_sections, navigation


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
