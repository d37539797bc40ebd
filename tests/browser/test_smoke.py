import pytest

from tests.browser.conftest import assert_no_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_user_logs_in_and_sees_the_dashboard(page, live_server, user, login_with_form, axe_check):
    page.goto(f"{live_server.url}/accounts/login/")
    axe_check(page)
    login_with_form(page, user)
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    axe_check(page)


def test_the_navigation_collapses_at_phone_width(page, live_server, user, login):
    page.set_viewport_size({"width": 375, "height": 667})
    login(page, user)
    assert not page.get_by_role("link", name="Contacts").is_visible()
    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("link", name="Contacts").wait_for(state="visible")
    assert_no_horizontal_scroll(page)
