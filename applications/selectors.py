"""Reads the applications pages share: each keeps its query count flat."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from rapidfuzz import fuzz, process, utils

from accounts.models import User
from accounts.pagination import BoundedCount, capped_counts
from applications.models import Application, Stage

BOARD_COLUMN_SIZE = 50
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
        column's 50), some number not counted."""
        if self.capped:
            return max(self.total - len(self.cards), 1)
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
    """One column per stage with its first `limit` cards.

    A query per column, each an index range scan of application_board_idx that
    stops after `limit` rows: numbering every card with a window function sorted
    all 113,931 open applications of a large account (110 MB spilled to disk)
    to keep 350. Eight queries, whatever the account holds; the counts stop at
    BOARD_COUNT_CAP + 1 a column."""
    cards = board_cards(user, closed=closed)
    totals = capped_counts(
        {stage: cards.filter(current_stage=stage) for stage in Stage}, cap=BOARD_COUNT_CAP
    )
    columns = {stage: BoardColumn(stage=stage, total=totals[stage]) for stage in Stage}
    for column in columns.values():
        column.cards = list(cards.filter(current_stage=column.stage)[:limit])
    return list(columns.values())


def board_column_page(
    user: User, *, stage: Stage, closed: bool, offset: int, limit: int
) -> list[Application]:
    return list(
        board_cards(user, closed=closed).filter(current_stage=stage)[offset : offset + limit]
    )


# --- Which open application a letter is about ---------------------------------------

# Below this (0-100), a guess is not offered at all.
MATCH_THRESHOLD = 80
# A user has a few hundred open applications at most; beyond this we match the
# most recent ones (the guess is only a suggestion).
MAX_CANDIDATES = 5000
MATCHES_KEPT = 10_000


@dataclass
class ApplicationMatcher:
    """The user's open applications, loaded once, matched by company and role
    (case-insensitive, fuzzy). Built once per batch of letters."""

    ids: list[int]
    companies: list[str]
    labels: list[str]
    # An upload holds many letters from the same employers: each company and
    # role is matched once per batch (bounded, so a huge upload stays flat).
    _known: dict[tuple[str, str], int | None] = field(default_factory=dict, repr=False)
    # The applications at each company, by the name as matched: a letter naming
    # the company exactly needs no fuzzy search over all of them.
    _by_name: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for index, name in enumerate(self.companies):
            self._by_name.setdefault(name, []).append(index)

    @classmethod
    def for_user(cls, user: Any) -> "ApplicationMatcher":
        rows = list(
            Application.objects.for_user(user)
            .open()
            .order_by("-created_at", "-id")
            .values_list("id", "company__name", "role")[:MAX_CANDIDATES]
        )
        return cls(
            ids=[r[0] for r in rows],
            companies=[utils.default_process(r[1]) for r in rows],
            labels=[utils.default_process(f"{r[1]} {r[2]}") for r in rows],
        )

    def best(self, company: str, role: str) -> int | None:
        """The id of the open application matching company (and role), or None."""
        if not company.strip() or not self.ids:
            return None
        key = (company, role)
        if key not in self._known:
            if len(self._known) >= MATCHES_KEPT:
                self._known.clear()
            self._known[key] = self._best(company, role)
        return self._known[key]

    def _best(self, company: str, role: str) -> int | None:
        wanted = utils.default_process(company)
        hits = self._by_name.get(wanted)
        if hits is None:
            by_company = process.extract(
                wanted, self.companies, scorer=fuzz.WRatio, score_cutoff=MATCH_THRESHOLD, limit=50
            )
            hits = [hit[2] for hit in by_company]
        if not hits:
            return None
        if len(hits) == 1 or not role.strip():
            return self.ids[hits[0]]
        # Several applications at that company: the role decides.
        label = utils.default_process(f"{company} {role}")
        return self.ids[max(hits, key=lambda i: fuzz.token_sort_ratio(label, self.labels[i]))]
