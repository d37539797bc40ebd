import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Outcome, Stage, StageEvent
from applications.selectors import BOARD_COLUMN_SIZE
from tests.factories import ApplicationFactory, RejectedApplicationFactory
from tests.rows import make_rows

pytestmark = pytest.mark.django_db

BOARD = reverse("applications:board")
COLUMN = reverse("applications:board_column")


def move_url(application):
    return reverse("applications:board_move", args=[application.pk])


def test_the_board_has_one_column_per_stage_with_open_applications(user_client, user):
    interviewing = ApplicationFactory(user=user, current_stage=Stage.INTERVIEW, role="Backend")
    RejectedApplicationFactory(user=user, role="Closed one")
    response = user_client.get(BOARD)
    assert response.status_code == 200
    columns = response.context["columns"]
    assert [c.stage for c in columns] == list(Stage)
    interview = next(c for c in columns if c.stage == Stage.INTERVIEW)
    assert interview.cards == [interviewing]
    assert b"Closed one" not in response.content


def test_the_closed_toggle_shows_closed_applications_only(user_client, user):
    ApplicationFactory(user=user, role="Still open")
    RejectedApplicationFactory(user=user, role="Closed one")
    response = user_client.get(BOARD, {"closed": "1"})
    assert b"Closed one" in response.content
    assert b"Still open" not in response.content
    # Closed cards cannot be dragged or moved from the board.
    assert b'draggable="true"' not in response.content


def test_a_column_shows_its_first_cards_and_show_more_loads_the_rest(user_client, user):
    assert BOARD_COLUMN_SIZE == 25
    make_rows(user, 7 * 40)  # 40 per stage, half of them open
    response = user_client.get(BOARD)
    applied = next(c for c in response.context["columns"] if c.stage == Stage.APPLIED)
    assert len(applied.cards) == 20  # 40 in the column, every other one open
    saved = next(c for c in response.context["columns"] if c.stage == Stage.SAVED)
    assert saved.total == 20
    ApplicationFactory.create_batch(10, user=user, current_stage=Stage.SAVED)
    response = user_client.get(BOARD)
    saved = next(c for c in response.context["columns"] if c.stage == Stage.SAVED)
    assert (len(saved.cards), saved.total, saved.hidden) == (25, 30, 5)
    assert b"Show 5 more" in response.content
    more = user_client.get(COLUMN, {"stage": Stage.SAVED, "offset": 25}, HTTP_HX_REQUEST="true")
    assert len(more.context["cards"]) == 5
    assert more.context["next_offset"] is None
    shown = {a.pk for a in saved.cards} | {a.pk for a in more.context["cards"]}
    assert len(shown) == 30


def test_each_column_shows_the_cards_moved_last_first(user_client, user):
    cards = ApplicationFactory.create_batch(3, user=user, current_stage=Stage.SCREEN)
    ApplicationFactory.create_batch(2, user=user, current_stage=Stage.ONSITE)
    moved = [cards[1], cards[2], cards[0]]  # the order of their last moves
    for days, application in enumerate(moved):
        Application.objects.filter(pk=application.pk).update(
            updated_at=timezone.now() - datetime.timedelta(days=10 - days)
        )
    columns = {c.stage: c for c in user_client.get(BOARD).context["columns"]}
    assert columns[Stage.SCREEN].cards == moved[::-1]
    assert len(columns[Stage.ONSITE].cards) == 2
    assert columns[Stage.APPLIED].cards == []


def test_a_card_shows_its_role_company_date_and_move_escaped(user_client, user):
    application = ApplicationFactory(
        user=user, role="<b>Lead</b> & co", company__name='"Acme" <Ltd>', current_stage=Stage.SCREEN
    )
    content = user_client.get(BOARD).content.decode()
    card = content.split(f'<li class="board-card card" id="card-{application.pk}"')[1]
    card = card.split("</li>")[0]
    assert f'data-stage="{Stage.SCREEN.value}"' in card
    assert "&lt;b&gt;Lead&lt;/b&gt; &amp; co</a></h3>" in card
    assert "&quot;Acme&quot; &lt;Ltd&gt;</a>" in card
    assert reverse("review:application", args=[application.pk]) in card
    assert reverse("review:company_detail", args=[application.company_id]) in card
    assert "<br><span>Applied " in card
    assert '<span class="visually-hidden"> &lt;b&gt;Lead' in card
    assert "<b>" not in card


def test_a_closed_card_shows_its_outcome_and_no_move(user_client, user):
    application = RejectedApplicationFactory(user=user, role="Closed one")
    content = user_client.get(BOARD, {"closed": "1"}).content.decode()
    card = content.split(f'id="card-{application.pk}"')[1].split("</li>")[0]
    assert '<span class="badge outcome-rejected">Rejected</span>' in card
    assert "data-board-move" not in card


def test_the_board_reads_only_what_a_card_shows(user_client, user):
    ApplicationFactory(user=user, notes="n" * 5000, job_description="d" * 5000)
    columns = user_client.get(BOARD).context["columns"]
    (card,) = [card for column in columns for card in column.cards]
    assert {"notes", "job_description", "search_text"} <= card.get_deferred_fields()


def test_past_the_count_cap_a_column_says_so_and_still_shows_more(user_client, user, monkeypatch):
    monkeypatch.setattr("applications.selectors.BOARD_COUNT_CAP", 10)
    ApplicationFactory.create_batch(55, user=user, current_stage=Stage.SAVED)
    ApplicationFactory(user=user, current_stage=Stage.SCREEN)
    response = user_client.get(BOARD)
    content = response.content.decode()
    saved = next(c for c in response.context["columns"] if c.stage == Stage.SAVED)
    assert (len(saved.cards), saved.total_label) == (BOARD_COLUMN_SIZE, "10+")
    assert ">10+</span>" in content
    assert ">1</span>" in content  # the Screen column, under the cap
    assert "Show more</a>" in content
    more = user_client.get(
        COLUMN, {"stage": Stage.SAVED, "offset": BOARD_COLUMN_SIZE}, HTTP_HX_REQUEST="true"
    )
    assert len(more.context["cards"]) == 25
    more = user_client.get(COLUMN, {"stage": Stage.SAVED, "offset": 50}, HTTP_HX_REQUEST="true")
    assert len(more.context["cards"]) == 5


def test_show_more_without_htmx_is_a_page_of_its_own(user_client, user):
    ApplicationFactory(user=user, current_stage=Stage.SCREEN, role="Screened")
    response = user_client.get(COLUMN, {"stage": Stage.SCREEN, "offset": 0})
    assert response.status_code == 200
    assert b"Back to the board" in response.content
    assert b"Screened" in response.content


def test_a_bad_column_request_goes_back_to_the_board(user_client):
    response = user_client.get(COLUMN, {"stage": "99"})
    assert response.status_code == 302
    response = user_client.get(COLUMN, {"stage": Stage.SCREEN, "offset": "x"})
    assert response.status_code == 200


def test_moving_a_card_with_htmx_records_a_stage_event_and_returns_focus(user_client, user):
    application = ApplicationFactory(user=user)
    response = user_client.post(
        move_url(application), {"stage": Stage.ONSITE}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    application.refresh_from_db()
    assert application.current_stage == Stage.ONSITE
    assert application.furthest_stage == Stage.ONSITE
    assert list(application.events.values_list("stage", flat=True)) == [
        Stage.APPLIED,
        Stage.ONSITE,
    ]
    trigger = json.loads(response["HX-Trigger-After-Settle"])
    assert trigger == {"ajar:board-moved": {"card": f"card-{application.pk}"}}
    assert f'id="card-{application.pk}"'.encode() in response.content
    assert b"Moved" in response.content  # said in the live region


def test_moving_back_keeps_the_furthest_stage(user_client, user):
    application = ApplicationFactory(user=user, current_stage=Stage.FINAL_ROUND)
    user_client.post(move_url(application), {"stage": Stage.SCREEN}, HTTP_HX_REQUEST="true")
    application.refresh_from_db()
    assert (application.current_stage, application.furthest_stage) == (
        Stage.SCREEN,
        Stage.FINAL_ROUND,
    )


def test_moving_without_javascript_redirects_to_the_card(user_client, user):
    application = ApplicationFactory(user=user)
    response = user_client.post(move_url(application), {"stage": Stage.SCREEN})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#card-{application.pk}")
    application.refresh_from_db()
    assert application.current_stage == Stage.SCREEN


def test_dropping_a_card_on_its_own_column_records_nothing(user_client, user):
    application = ApplicationFactory(user=user)
    user_client.post(move_url(application), {"stage": Stage.APPLIED}, HTTP_HX_REQUEST="true")
    assert StageEvent.objects.filter(application=application).count() == 1


def test_an_invalid_stage_saves_nothing_and_says_so(user_client, user):
    application = ApplicationFactory(user=user)
    response = user_client.post(move_url(application), {"stage": "75"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"Pick a stage" in response.content
    assert StageEvent.objects.filter(application=application).count() == 1


def test_a_closed_application_is_not_moved(user_client, user):
    application = RejectedApplicationFactory(user=user)
    response = user_client.post(
        move_url(application), {"stage": Stage.OFFER}, HTTP_HX_REQUEST="true"
    )
    assert b"is closed" in response.content
    application.refresh_from_db()
    assert application.current_stage == Stage.INTERVIEW
    assert application.outcome == Outcome.REJECTED


def test_a_cards_move_page_moves_it_without_javascript(user_client, user):
    application = ApplicationFactory(user=user, role="Plain role", current_stage=Stage.SCREEN)
    page = user_client.get(move_url(application))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Move “Plain role”" in content
    assert f'<option value="{Stage.SCREEN.value}" selected>' in content
    assert reverse("reminders:outcome", args=[application.pk]) in content
    response = user_client.post(move_url(application), {"stage": Stage.ONSITE})
    assert response["Location"].endswith(f"#card-{application.pk}")
    application.refresh_from_db()
    assert application.current_stage == Stage.ONSITE


def test_a_closed_cards_move_page_offers_no_move(user_client, user):
    application = RejectedApplicationFactory(user=user)
    content = user_client.get(move_url(application)).content.decode()
    assert "is closed" in content
    assert 'name="stage"' not in content


def test_every_card_opens_the_one_move_dialog(user_client, user):
    applications = ApplicationFactory.create_batch(3, user=user)
    content = user_client.get(BOARD).content.decode()
    # One move control for the board, not a form per card.
    cards = content.split('<div id="board"')[1].split('<dialog id="board-move"')[0]
    assert "<form" not in cards
    assert content.count('name="stage"') == 1
    assert content.count('<dialog id="board-move"') == 1
    for application in applications:
        assert f'href="{move_url(application)}" aria-haspopup="dialog" data-board-move' in content


def test_the_board_stays_under_200_kb_with_every_column_full(client):
    from tests.factories import UserFactory

    few, full = UserFactory(), UserFactory()
    make_rows(few, 14)  # one open card per column
    make_rows(full, 7 * 100)  # 50 open cards per column: more than the board shows
    sizes = []
    for owner in (few, full):
        client.force_login(owner)
        response = client.get(BOARD)
        sizes.append((len(response.context["columns"][0].cards), len(response.content)))
    (few_cards, few_bytes), (full_cards, full_bytes) = sizes
    assert (few_cards, full_cards) == (1, BOARD_COLUMN_SIZE)
    # A card with its own "Move to" form and <select> was ~1,200 bytes.
    per_card = (full_bytes - few_bytes) / (7 * (full_cards - few_cards))
    assert per_card < 500, per_card
    assert full_bytes < 200_000


def test_another_users_card_is_a_404(user_client, other_user):
    application = ApplicationFactory(user=other_user)
    response = user_client.post(move_url(application), {"stage": Stage.SCREEN})
    assert response.status_code == 404
    assert user_client.get(move_url(application)).status_code == 404
    application.refresh_from_db()
    assert application.current_stage == Stage.APPLIED


def _board_queries(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("closed", ["", "1"])
def test_the_board_query_count_is_the_same_with_5_and_5000_rows(client, closed):
    from tests.factories import UserFactory

    small, large = UserFactory(), UserFactory()
    make_rows(small, 5)
    make_rows(large, 5000)
    client.force_login(small)
    few = _board_queries(client, BOARD, closed=closed)
    client.force_login(large)
    many = _board_queries(client, BOARD, closed=closed)
    assert few == many
    # Session, user, the failed-email banner; the totals, and every column's
    # first cards in one query (index ranges of BOARD_COLUMN_SIZE rows at most).
    assert many <= 3 + 2


def test_an_empty_board_says_what_to_do(user_client):
    content = user_client.get(BOARD).content.decode()
    assert "No open applications yet" in content
    assert reverse("applications:create") in content
