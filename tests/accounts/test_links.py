"""pk_url: a row's URL from one reverse per page, the same as Django's reverse."""

import pytest
from django.template import Context, Template
from django.urls import reverse, set_script_prefix

from accounts.links import pk_url, pk_url_halves


@pytest.mark.parametrize(
    "name", ["review:application", "applications:board_move", "reminders:outcome"]
)
@pytest.mark.parametrize("pk", [1, 42, 2147483646])
def test_it_is_the_url_reverse_gives(name, pk):
    assert pk_url(name, pk) == reverse(name, args=[pk])


def test_it_follows_the_script_prefix():
    try:
        set_script_prefix("/ajar/")
        assert pk_url("review:application", 7) == reverse("review:application", args=[7])
        assert pk_url("review:application", 7).startswith("/ajar/")
    finally:
        set_script_prefix("/")
    assert not pk_url("review:application", 7).startswith("/ajar/")


def test_the_template_tag_renders_it():
    template = Template("{% load ajar_links %}{% pk_url 'contacts:detail' contact_id %}")
    assert template.render(Context({"contact_id": 9})) == reverse("contacts:detail", args=[9])


def test_an_id_that_is_not_an_integer_is_refused():
    with pytest.raises(ValueError, match="invalid literal"):
        pk_url("review:application", "1/../2")  # type: ignore[arg-type]


def test_its_halves_put_around_an_id_are_the_url():
    head, tail = pk_url_halves("review:company_detail")
    assert f"{head}12{tail}" == reverse("review:company_detail", args=[12])
