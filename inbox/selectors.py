"""Reads for the Inbox: the drafts page and the application a letter seems to be about."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from rapidfuzz import fuzz, process, utils

from accounts.models import User
from applications.models import Application
from inbox.models import InboundMessage, Status

# Below this (0-100), a guess is not offered at all.
MATCH_THRESHOLD = 80
# A user has a few hundred open applications at most; beyond this we match the
# most recent ones (the guess is only a suggestion).
MAX_CANDIDATES = 5000


@dataclass
class ApplicationMatcher:
    """The user's open applications, loaded once, matched by company and role
    (case-insensitive, fuzzy). Built once per batch of letters."""

    ids: list[int]
    companies: list[str]
    labels: list[str]

    @classmethod
    def for_user(cls, user: User) -> ApplicationMatcher:
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
        wanted = utils.default_process(company)
        by_company = process.extract(
            wanted, self.companies, scorer=fuzz.WRatio, score_cutoff=MATCH_THRESHOLD, limit=50
        )
        if not by_company:
            return None
        if len(by_company) == 1 or not role.strip():
            return self.ids[by_company[0][2]]
        # Several applications at that company: the role decides.
        label = utils.default_process(f"{company} {role}")
        best = max(by_company, key=lambda hit: fuzz.token_sort_ratio(label, self.labels[hit[2]]))
        return self.ids[best[2]]


def inbox_drafts(*, user: User, status: str = Status.PENDING) -> QuerySet[InboundMessage]:
    """The Inbox list: one page of drafts with the suggested application's names."""
    return (
        InboundMessage.objects.for_user(user)
        .filter(status=status)
        .select_related("suggested_application__company", "application__company")
        .defer("raw", "text")
        .order_by("-received_on", "-id")
    )


def draft_get(*, user: User, pk: int) -> InboundMessage:
    return (
        InboundMessage.objects.for_user(user)
        .select_related("suggested_application__company")
        .get(pk=pk)
    )
