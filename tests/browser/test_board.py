"""The board in a real browser: drag and drop, the keyboard move, focus, phone width."""

import pytest
from playwright.sync_api import expect

from applications.models import Stage, StageEvent
from tests.browser.conftest import assert_no_horizontal_scroll
from tests.factories import ApplicationFactory, RejectedApplicationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def column(page, stage):
    return page.locator(f"[data-board-column][data-stage='{int(stage)}']")


def test_a_card_moves_by_drag_and_by_keyboard_and_both_are_in_the_history(
    page, live_server, user, login, axe_check
):
    dragged = ApplicationFactory(user=user, role="Dragged role")
    keyed = ApplicationFactory(user=user, role="Keyboard role")
    RejectedApplicationFactory(user=user, role="Closed role")
    login(page, user)
    page.get_by_role("link", name="Board", exact=True).first.click()
    expect(page.get_by_role("heading", name="Board", exact=True)).to_be_visible()
    axe_check(page)

    # Drag and drop: the card lands in the Interview column.
    page.drag_and_drop(
        f"#card-{dragged.pk}", f"[data-board-column][data-stage='{Stage.INTERVIEW}']"
    )
    expect(column(page, Stage.INTERVIEW).locator(f"#card-{dragged.pk}")).to_be_visible()
    expect(page.locator(f"#card-{dragged.pk}")).to_be_focused()
    expect(page.locator("#board-status")).to_contain_text("Moved “Dragged role")

    # The keyboard: the card's "Move" opens the board's one move dialog, focus on
    # its stage; Escape closes it and gives focus back.
    move = page.locator(f"#card-{keyed.pk}").get_by_role("link", name="Move Keyboard role")
    move.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Move to another stage")
    expect(dialog).to_contain_text("Keyboard role")
    select = dialog.get_by_label("Move to")
    expect(select).to_be_focused()
    expect(select).to_have_value(str(Stage.APPLIED))
    axe_check(page)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(move).to_be_focused()

    # Again, pick Screen, press the button.
    page.keyboard.press("Enter")
    expect(select).to_be_focused()
    page.keyboard.press("ArrowDown")  # Applied -> Screen
    expect(select).to_have_value(str(Stage.SCREEN))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(column(page, Stage.SCREEN).locator(f"#card-{keyed.pk}")).to_be_visible()
    expect(page.locator(f"#card-{keyed.pk}")).to_be_focused()
    expect(page.locator("#board-status")).to_contain_text("Moved “Keyboard role")

    history = {
        app.pk: list(StageEvent.objects.filter(application=app).values_list("stage", flat=True))
        for app in (dragged, keyed)
    }
    assert history == {
        dragged.pk: [Stage.APPLIED, Stage.INTERVIEW],
        keyed.pk: [Stage.APPLIED, Stage.SCREEN],
    }
    axe_check(page)

    # Closed applications are behind the toggle, and are not draggable.
    page.get_by_role("link", name="Closed", exact=True).click()
    expect(page.get_by_text("Closed role")).to_be_visible()
    expect(page.get_by_text("Dragged role")).to_have_count(0)
    axe_check(page)


def test_the_board_scrolls_inside_its_container_on_a_phone(page, live_server, user, login):
    for stage in Stage:
        ApplicationFactory(user=user, current_stage=stage, role=f"A rather long role title {stage}")
    page.set_viewport_size({"width": 375, "height": 667})
    login(page, user)
    page.goto(f"{live_server.url}/applications/board/")
    assert_no_horizontal_scroll(page)
    board = page.locator(".board")
    assert board.evaluate("el => el.scrollWidth > el.clientWidth")
    board.evaluate("el => el.scrollTo(el.scrollWidth, 0)")
    expect(column(page, Stage.OFFER)).to_be_in_viewport()
