"""Reads the applications pages share: each keeps its query count flat."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from applications.models import Application, Stage


def application_search(
    *,
    user,
    q: str = "",
    stage: int | None = None,
    outcome: str = "",
    company=None,
    source: str = "",
    applied_from: datetime.date | None = None,
    applied_to: datetime.date | None = None,
) -> QuerySet[Application]:
    """The list page: the user's applications matching every given filter.

    Each word of `q` is looked for in the role, the company's name, the location,
    the notes and the rejection letter; on PostgreSQL trigram indexes serve these
    `icontains` (migration 0003_trigram_search), on SQLite they are plain LIKEs."""
    applications = Application.objects.for_user(user).select_related("company")
    for word in q.split()[:10]:
        applications = applications.filter(
            Q(role__icontains=word)
            | Q(company__name__icontains=word)
            | Q(location__icontains=word)
            | Q(notes__icontains=word)
            | Q(rejection__letter_text__icontains=word)
        )
    if stage:
        applications = applications.filter(current_stage=stage)
    if outcome:
        applications = applications.filter(outcome=outcome)
    if company is not None:
        applications = applications.filter(company=company)
    if source:
        applications = applications.filter(source=source)
    if applied_from:
        applications = applications.filter(applied_on__gte=applied_from)
    if applied_to:
        applications = applications.filter(applied_on__lte=applied_to)
    return applications.order_by("-applied_on", "-created_at", "-id")


BOARD_COLUMN_SIZE = 50


# --- Board ----------------------------------------------------------------------------


@dataclass
class BoardColumn:
    stage: Stage
    cards: list = field(default_factory=list)
    total: int = 0

    @property
    def hidden(self) -> int:
        return max(self.total - len(self.cards), 0)


def board_cards(user, *, closed: bool = False):
    """The applications the board shows: open ones, or closed ones on request.

    The most recently moved first, so a card dropped on a column is on top."""
    qs = Application.objects.for_user(user).select_related("company")
    qs = qs.closed() if closed else qs.open()
    return qs.order_by("-updated_at", "-id")


def board_columns(user, *, closed: bool = False, limit: int = BOARD_COLUMN_SIZE):
    """One column per stage with its first `limit` cards.

    A query per column, each an index range scan of application_board_idx that
    stops after `limit` rows: numbering every card with a window function sorted
    all 113,931 open applications of a large account (110 MB spilled to disk)
    to keep 350. Eight queries, whatever the account holds."""
    cards = board_cards(user, closed=closed)
    totals = dict(
        cards.order_by()
        .values_list("current_stage")
        .annotate(n=Count("id"))
        .values_list("current_stage", "n")
    )
    columns = {stage: BoardColumn(stage=stage, total=totals.get(stage, 0)) for stage in Stage}
    for column in columns.values():
        column.cards = list(cards.filter(current_stage=column.stage)[:limit])
    return list(columns.values())


def board_column_page(user, *, stage: Stage, closed: bool, offset: int, limit: int):
    return list(
        board_cards(user, closed=closed).filter(current_stage=stage)[offset : offset + limit]
    )
