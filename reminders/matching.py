"""Which open application a letter is about: the user's open applications,
matched by company and role (case-insensitive, fuzzy with rapidfuzz). Every
door that reads a letter (the log-rejection form, the Inbox) asks it."""

from dataclasses import dataclass, field

from rapidfuzz import fuzz, process, utils

from accounts.models import User
from applications.models import Application

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
    def for_user(cls, user: User) -> "ApplicationMatcher":
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
