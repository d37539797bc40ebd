"""Counts and pages that stop counting: O(the page), not O(the account).

Django's Paginator runs `COUNT(*)` over everything the list matches, for the
"N applications" line and "Page 3 of 8,000": at 200,000 applications an
index-only scan of the whole account (60-100 ms), on every page. Here a count
stops at `cap + 1` rows (a LIMITed subquery); past the cap the page says
"10,000+" and finds whether there is a next page by reading one row more than
it shows.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.formats import number_format

COUNT_CAP = 10_000
K = TypeVar("K")


@dataclass(frozen=True)
class BoundedCount:
    """How many rows a count found, having stopped at `cap + 1`: it reads
    "10,000+" past the cap."""

    value: int
    cap: int

    @property
    def capped(self) -> bool:
        return self.value > self.cap

    def __str__(self) -> str:
        if self.capped:
            return f"{number_format(self.cap, force_grouping=True)}+"
        return number_format(self.value, force_grouping=True)


def _limited(queryset: QuerySet[Any], cap: int) -> QuerySet[Any]:
    # No ORDER BY: a count needs no order, and the planner is free to read an index.
    return queryset.order_by().values("pk")[: cap + 1]


def capped_counts(querysets: Mapping[K, QuerySet[Any]], *, cap: int) -> dict[K, int]:
    """Each queryset's row count, stopping at `cap + 1`, in one query: one
    scalar `(SELECT COUNT(*) FROM (... LIMIT cap + 1))` per queryset."""
    if not querysets:
        return {}
    sql, params = capped_counts_sql(querysets.values(), cap=cap)
    with connections[next(iter(querysets.values())).db].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return dict(zip(querysets, (int(n) for n in row), strict=True))


def capped_counts_sql(querysets: Iterable[QuerySet[Any]], *, cap: int) -> tuple[str, list[Any]]:
    """The SQL of capped_counts and its parameters (for accounts.prepared)."""
    parts: list[str] = []
    params: list[Any] = []
    for i, queryset in enumerate(querysets):
        sql, part_params = _limited(queryset, cap).query.sql_with_params()
        # Django's own compiled SQL, every value a parameter.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) counted_{i})")  # noqa: S608
        params.extend(part_params)
    return "SELECT " + ", ".join(parts), params


class CappedPage(Page):
    """A page of a CappedPaginator: past the cap, whether a next page exists
    comes from the one row read beyond this page."""

    paginator: "CappedPaginator"

    def __init__(
        self,
        object_list: Sequence[Any] | QuerySet[Any],
        number: int,
        paginator: "CappedPaginator",
        more: bool,
    ) -> None:
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        if self.paginator.capped:
            return self.more
        return super().has_next()

    def end_index(self) -> int:
        if self.paginator.capped:
            return self.start_index() + len(self) - 1
        return super().end_index()


class CappedPaginator(Paginator):
    """A Paginator over a QuerySet whose count stops at `count_cap + 1` rows.

    Under the cap it is Django's Paginator ("Page 3 of 8"). Past it, `count`
    is `count_cap + 1`, `count_label` reads "10,000+", pages are read with
    one extra row to know whether a next one exists, and a page number past
    the end gives the last page (counted in full that once).
    """

    count_cap = COUNT_CAP
    # Past the cap nothing bounds a page number but this (an OFFSET past
    # PostgreSQL's bigint is a database error).
    max_page_number = 100_000

    def __init__(
        self, object_list: QuerySet[Any], per_page: int, *, count_cap: int | None = None
    ) -> None:
        super().__init__(object_list, per_page)
        self.queryset = object_list
        if count_cap is not None:
            self.count_cap = count_cap

    @cached_property
    def bounded_count(self) -> BoundedCount:
        counted = capped_counts({"rows": self.queryset}, cap=self.count_cap)["rows"]
        return BoundedCount(counted, self.count_cap)

    @cached_property
    def count(self) -> int:
        return self.bounded_count.value

    @property
    def capped(self) -> bool:
        return self.bounded_count.capped

    @property
    def count_label(self) -> str:
        return str(self.bounded_count)

    @cached_property
    def num_pages(self) -> int:
        if self.capped:
            return self.max_page_number
        return super().num_pages

    def page(self, number: Any) -> CappedPage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if not self.capped:
            top = min(bottom + self.per_page, self.count)
            return CappedPage(self.queryset[bottom:top], number, self, more=False)
        rows = list(self.queryset[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def get_page(self, number: Any) -> CappedPage:
        """Like Django's: page 1 for a page number that is not one, the last
        page for one out of range."""
        try:
            number = self.validate_number(number)
        except PageNotAnInteger:
            number = 1
        except EmptyPage:
            number = self.num_pages
        try:
            return self.page(number)
        except EmptyPage:
            # Past the end of a long list (a page number typed by hand): the
            # last page, counted in full this once.
            last = math.ceil(self.queryset.count() / self.per_page)
            return self.page(min(max(last, 1), self.max_page_number))
