"""Reads the applications pages share: each keeps its query count flat."""

from dataclasses import dataclass, field

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber

from accounts.models import User
from applications.models import Application, Stage

BOARD_COLUMN_SIZE = 50


# --- Board ----------------------------------------------------------------------------


@dataclass
class BoardColumn:
    stage: Stage
    cards: list[Application] = field(default_factory=list)
    total: int = 0

    @property
    def hidden(self) -> int:
        return max(self.total - len(self.cards), 0)


def board_cards(user: User, *, closed: bool = False) -> QuerySet[Application]:
    """The applications the board shows: open ones, or closed ones on request.

    The most recently moved first, so a card dropped on a column is on top."""
    qs = Application.objects.for_user(user).select_related("company")
    qs = qs.closed() if closed else qs.open()
    return qs.order_by("-updated_at", "-id")


def board_columns(
    user: User, *, closed: bool = False, limit: int = BOARD_COLUMN_SIZE
) -> list[BoardColumn]:
    """One column per stage with its first `limit` cards: two queries in all."""
    cards = board_cards(user, closed=closed)
    totals = dict(
        cards.order_by()
        .values_list("current_stage")
        .annotate(n=Count("id"))
        .values_list("current_stage", "n")
    )
    columns = {stage: BoardColumn(stage=stage, total=totals.get(stage, 0)) for stage in Stage}
    # One query for every column: number the cards within their stage, keep the first few.
    ranked = cards.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("current_stage")],
            order_by=[F("updated_at").desc(), F("id").desc()],
        )
    ).filter(rank__lte=limit)
    for application in ranked:
        columns[Stage(application.current_stage)].cards.append(application)
    return list(columns.values())


def board_column_page(
    user: User, *, stage: Stage, closed: bool, offset: int, limit: int
) -> list[Application]:
    return list(
        board_cards(user, closed=closed).filter(current_stage=stage)[offset : offset + limit]
    )
