"""Reads the applications pages share: each keeps its query count flat."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from accounts.models import User
from accounts.pagination import BoundedCount
from accounts.prepared import prepared_counts, prepared_union
from applications.models import Application, Stage

# Cards a column shows before "Show N more": the 25 moved last (two screens).
BOARD_COLUMN_SIZE = 25
# What a row of the applications list shows ({% application_rows %}).
LIST_ROW_FIELDS = ("role", "applied_on", "source", "current_stage", "outcome", "company__name")
# What a card shows (not notes, job descriptions or search text: kilobytes).
BOARD_CARD_FIELDS = (*(f for f in LIST_ROW_FIELDS if f != "source"), "updated_at")
# A column's badge counts up to this many, then reads "1,000+": seven index
# ranges of at most 1,001 rows, not a count of every open application.
BOARD_COUNT_CAP = 1_000


# --- Board ----------------------------------------------------------------------------


@dataclass
class BoardColumn:
    stage: Stage
    cards: list[Application] = field(default_factory=list)
    # The cards counted, up to BOARD_COUNT_CAP + 1.
    total: int = 0

    @property
    def capped(self) -> bool:
        return self.total > BOARD_COUNT_CAP

    @property
    def total_label(self) -> str:
        return str(BoundedCount(self.total, BOARD_COUNT_CAP))

    @property
    def hidden(self) -> int:
        """How many cards "show more" would add; past the cap (well beyond a
        column's first cards), some number not counted."""
        if self.capped:
            return max(self.total - len(self.cards), 1)
        return max(self.total - len(self.cards), 0)


def board_cards(user: User | int, *, closed: bool = False) -> QuerySet[Application]:
    """The applications the board shows: open ones, or closed ones on request.

    The most recently moved first, so a card dropped on a column is on top."""
    qs = Application.objects.for_user(user).select_related("company").only(*BOARD_CARD_FIELDS)
    qs = qs.closed() if closed else qs.open()
    return qs.order_by("-updated_at", "-id")


def _columns(*, user_id: int, closed: bool, limit: int | None = None) -> list[QuerySet]:
    cards = board_cards(user_id, closed=closed)
    return [cards.filter(current_stage=stage)[:limit] for stage in Stage]


# Built and compiled once a process (accounts/prepared.py): most of the board's own CPU.
_BOARD_CARDS = prepared_union(_columns, values=("user_id",), model=Application)
_BOARD_COUNTS = prepared_counts(_columns, values=("user_id",), model=Application)


def board_columns(
    user: User, *, closed: bool = False, limit: int = BOARD_COLUMN_SIZE
) -> list[BoardColumn]:
    """One column per stage with its first `limit` cards.

    A range scan of application_board_idx per column that stops after `limit`
    rows, the seven sent as one UNION ALL (numbering every card with a window
    function sorted all 113,931 open applications of a large account, 110 MB
    spilled to disk, to keep the first ones). Two queries, whatever the account
    holds: that one and the counts, which stop at BOARD_COUNT_CAP + 1 a column."""
    totals = _BOARD_COUNTS(user_id=user.pk, closed=closed, cap=BOARD_COUNT_CAP)
    columns = {
        stage: BoardColumn(stage=stage, total=total)
        for stage, total in zip(Stage, totals, strict=True)
    }
    for card in _BOARD_CARDS(user_id=user.pk, closed=closed, limit=limit):
        columns[Stage(card.current_stage)].cards.append(card)
    for column in columns.values():  # a UNION ALL's rows come in no promised order
        column.cards.sort(key=lambda card: (card.updated_at, card.pk), reverse=True)
    return list(columns.values())


def board_column_page(
    user: User, *, stage: Stage, closed: bool, offset: int, limit: int
) -> list[Application]:
    return list(
        board_cards(user, closed=closed).filter(current_stage=stage)[offset : offset + limit]
    )
