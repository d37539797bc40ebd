"""The figures of the stats page: how far each application got.

Every application carries the keys it counts under (Application.stats_keys,
named by applications.summary: its (furthest stage, outcome, source), its
rejection's (stage, channel), its day, the days it took to reach each stage and
the answer), and every user one counter per key (StatsCount):

- unfiltered, the page reads the user's counters: one query, as many rows as
  distinct keys, whatever the account holds;
- filtered (a date range, a source, part of a company's name), one aggregate
  counts the keys of the matching applications in SQL (`GROUP BY` over their
  unnested keys): as many rows come back as distinct keys, never one per
  application; the medians come from those counts (a histogram), exactly as
  percentile_cont(0.5) takes them from the values.

Both are the figures computed directly from the rows and their history
(stats_from_rows, kept as the reference: the tests compare all three on random
data). Applications still at "saved" were never sent, so they count nowhere.
"""

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Count, F, Func, IntegerField, Min, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext as _

from applications.models import Application, Channel, Outcome, Rejection, Source, Stage, StatsCount
from applications.summary import ANSWER_OUTCOMES, TIMED_STAGES, histogram_median

# The funnel's steps: from sending the application to the offer.
FUNNEL_STAGES: tuple[Stage, ...] = tuple(s for s in Stage if s >= Stage.APPLIED)
OFFER_OUTCOMES = (Outcome.OFFER_ACCEPTED, Outcome.OFFER_DECLINED)
# "Which sources get furthest": the share of a source's applications that got
# to an interview or beyond.
SOURCE_MILESTONE = Stage.INTERVIEW
# A date filter spanning decades would draw thousands of empty weeks: beyond
# this, the week chart spans the data instead of the filter.
MAX_WEEKS = 260


@dataclass(frozen=True)
class StatsFilters:
    applied_from: datetime.date | None = None
    applied_to: datetime.date | None = None
    source: str = ""
    # Part of the company's name, case-insensitive.
    company: str = ""

    @property
    def active(self) -> bool:
        return bool(self.applied_from or self.applied_to or self.source or self.company)

    def q(self, prefix: str = "") -> Q:
        q = Q()
        if self.applied_from:
            q &= Q(**{f"{prefix}applied_on__gte": self.applied_from})
        if self.applied_to:
            q &= Q(**{f"{prefix}applied_on__lte": self.applied_to})
        if self.source:
            q &= Q(**{f"{prefix}source": self.source})
        if self.company:
            q &= Q(**{f"{prefix}company__name__icontains": self.company})
        return q


def filtered_applications(user, filters: StatsFilters) -> QuerySet:
    return (
        Application.objects.for_user(user)
        .filter(furthest_stage__gte=Stage.APPLIED)
        .filter(filters.q())
        .order_by()
    )


# --- Result rows ---------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One bar: a label, its number and its share of the chart's largest bar."""

    key: str
    label: str
    count: int
    share: float = 0.0  # of the row set's total, 0..1
    extra: str = ""


@dataclass(frozen=True)
class FunnelStep:
    stage: Stage
    label: str
    reached: int  # closed applications that got at least this far
    stopped: int  # closed applications whose furthest stage is this one
    open_here: int  # open applications whose furthest stage (so far) is this one
    conversion: float | None  # of `reached`, the share that reached the next stage


@dataclass(frozen=True)
class Median:
    key: str
    label: str
    days: float | None
    count: int  # how many applications the median is taken over


@dataclass(frozen=True)
class SourceResult:
    key: str
    label: str
    total: int
    reached: dict[int, int]  # stage -> applications of this source that got that far
    offers: int
    rejected: int
    ghosted: int
    open: int

    @property
    def milestone(self) -> int:
        return self.reached.get(SOURCE_MILESTONE, 0)

    @property
    def screen(self) -> int:
        return self.reached.get(Stage.SCREEN, 0)

    @property
    def final_round(self) -> int:
        return self.reached.get(Stage.FINAL_ROUND, 0)

    @property
    def milestone_share(self) -> float:
        return self.milestone / self.total if self.total else 0.0


@dataclass(frozen=True)
class Week:
    start: datetime.date  # a Monday
    count: int


@dataclass
class Stats:
    total: int = 0
    # Still at "saved": on the list, but never sent, so not in these figures.
    saved: int = 0
    open: int = 0
    closed: int = 0
    funnel: list[FunnelStep] = field(default_factory=list)
    open_by_stage: list[Row] = field(default_factory=list)
    outcomes: list[Row] = field(default_factory=list)
    ghosted_vs_rejected: list[Row] = field(default_factory=list)
    rejections_by_stage: list[Row] = field(default_factory=list)
    rejections_by_channel: list[Row] = field(default_factory=list)
    rejections: int = 0
    weeks: list[Week] = field(default_factory=list)
    medians: list[Median] = field(default_factory=list)
    sources: list[SourceResult] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.total == 0

    @property
    def week_max(self) -> int:
        return max((w.count for w in self.weeks), default=0)


# --- The computation -------------------------------------------------------------------


def stats_for(user, filters: StatsFilters | None = None) -> Stats:
    """Every figure of the stats page for `user`'s applications that match
    `filters`: unfiltered, from the user's counters; filtered, from the keys of
    the matching applications, counted in SQL. Either way one query, whose rows
    are the distinct keys."""
    filters = filters or StatsFilters()
    if not filters.active:
        return stats_from_counts(user)
    return stats_from_keys(user, filters)


def stats_from_counts(user) -> Stats:
    """The unfiltered figures from StatsCount (applications.summary names the
    keys), equal to stats_from_rows(user, StatsFilters()): the tests compare them."""
    counts = (
        StatsCount.objects.filter(user=user, n__gt=0)
        .exclude(key__startswith="o:")
        .exclude(key__startswith="x")
        .values_list("key", "n")
    )
    return _stats_of_keys(counts, StatsFilters())


def stats_from_keys(user, filters: StatsFilters) -> Stats:
    """The figures of the applications matching `filters`, from their
    stats_keys counted in SQL (one GROUP BY over the unnested keys), equal to
    stats_from_rows(user, filters): the tests compare them on random data."""
    matching = (
        Application.objects.for_user(user).filter(filters.q()).order_by().values("stats_keys")
    )
    sql, params = matching.query.sql_with_params()
    connection = connections[matching.db]
    # Our own SQL around the ORM's: the keys of every matching row, grouped.
    # The dashboard's and the insights' keys (OTHER_PAGES_KEYS) stay out.
    theirs = "NOT (k.{0} LIKE 'o:%%' OR k.{0} LIKE 'x%%')"
    if connection.vendor == "postgresql":
        # JIT off for this statement (SET LOCAL: the statements of one call are
        # one transaction): a large match is costed past jit_above_cost, and
        # compiling it took 75-86 ms of CPU, for a query that runs once.
        query = (
            "SET LOCAL jit = off; "  # noqa: S608 (our own SQL around the ORM's)
            f"SELECT k.key, count(*) FROM ({sql}) AS matching "
            "CROSS JOIN LATERAL jsonb_array_elements_text(matching.stats_keys) AS k (key) "
            f"WHERE {theirs.format('key')} GROUP BY k.key"
        )
    else:  # SQLite's JSON1: json_each() is its table of an array's values.
        query = (
            f"SELECT k.value, count(*) FROM ({sql}) AS matching, "  # noqa: S608
            f"json_each(matching.stats_keys) AS k WHERE {theirs.format('value')} "
            "GROUP BY k.value"
        )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        counts = cursor.fetchall()
    return _stats_of_keys(counts, filters)


# Kept beside the stats page's keys for the dashboard and the insights
# (applications.summary): no figure of this page.
OTHER_PAGES_KEYS = frozenset({"o", "x", "xf"})


def _stats_of_keys(key_counts, filters: StatsFilters) -> Stats:
    """Every figure from (key, how many applications carry it) pairs."""
    counts: list[tuple[int, str, str, int]] = []
    rejection_counts: list[tuple[int, str, int]] = []
    per_day: list[tuple[datetime.date, int]] = []
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    stats = Stats()
    for key, n in key_counts:
        kind, _sep, rest = key.partition(":")
        if kind in OTHER_PAGES_KEYS:
            continue
        if kind == "c":
            furthest, outcome, source = rest.split(":", 2)
            counts.append((int(furthest), outcome, source, n))
        elif kind == "s":
            stats.saved += n
        elif kind == "r":
            stage, channel = rest.split(":", 1)
            rejection_counts.append((int(stage), channel, n))
        elif kind == "d":
            per_day.append((datetime.date.fromisoformat(rest), n))
        else:  # "t<stage>" or "a": how many applications took that many days
            spans[kind].append((int(rest), n))
    _add_counts(stats, sorted(counts))
    _add_rejections(stats, rejection_counts)
    stats.weeks = _weeks_of(per_day, filters)
    stats.medians = [
        Median(str(s.value), str(s.label), *histogram_median(spans[f"t{s.value}"]))
        for s in TIMED_STAGES
    ]
    stats.medians.append(Median("answer", _("Answer"), *histogram_median(spans["a"])))
    return stats


def stats_from_rows(user, filters: StatsFilters) -> Stats:
    """Every figure computed directly from the rows that match `filters` and
    their history: O(the rows), the reference the counters and keys are tested
    against (at 200,000 applications, 2-3 s where stats_from_keys takes a
    fraction of it)."""
    applications = filtered_applications(user, filters)
    stats = Stats()

    counts = list(
        applications.values_list("furthest_stage", "outcome", "source").annotate(n=Count("id"))
    )
    _add_counts(stats, counts)
    stats.saved = (
        Application.objects.for_user(user)
        .filter(furthest_stage=Stage.SAVED)
        .filter(filters.q())
        .count()
    )

    rejection_counts = list(
        Rejection.objects.for_user(user)
        .filter(application__furthest_stage__gte=Stage.APPLIED)
        .filter(filters.q("application__"))
        .order_by()
        .values_list("stage_reached", "channel")
        .annotate(n=Count("id"))
    )
    _add_rejections(stats, rejection_counts)

    stats.weeks = _weeks(user, applications, filters)
    stats.medians = _medians(applications)
    return stats


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _add_counts(stats: Stats, counts: list[tuple[int, str, str, int]]) -> None:
    closed_furthest: Counter[int] = Counter()
    open_furthest: Counter[int] = Counter()
    outcomes: Counter[str] = Counter()
    by_source: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for furthest, outcome, source, n in counts:
        outcomes[outcome] += n
        if outcome == Outcome.OPEN:
            open_furthest[furthest] += n
        else:
            closed_furthest[furthest] += n
        by_source[source].append((furthest, outcome, n))

    stats.total = sum(outcomes.values())
    stats.open = outcomes[Outcome.OPEN]
    stats.closed = stats.total - stats.open

    reached = {s: sum(n for f, n in closed_furthest.items() if f >= s) for s in FUNNEL_STAGES}
    for i, stage in enumerate(FUNNEL_STAGES):
        following = FUNNEL_STAGES[i + 1] if i + 1 < len(FUNNEL_STAGES) else None
        conversion = None
        if following is not None and reached[stage]:
            conversion = reached[following] / reached[stage]
        stats.funnel.append(
            FunnelStep(
                stage=stage,
                label=str(stage.label),
                reached=reached[stage],
                stopped=closed_furthest[stage],
                open_here=open_furthest[stage],
                conversion=conversion,
            )
        )
    stats.open_by_stage = [
        Row(str(s.value), str(s.label), open_furthest[s], _share(open_furthest[s], stats.open))
        for s in FUNNEL_STAGES
    ]
    stats.outcomes = [
        Row(o.value, str(o.label), outcomes[o], _share(outcomes[o], stats.total)) for o in Outcome
    ]
    answered = outcomes[Outcome.REJECTED] + outcomes[Outcome.GHOSTED]
    stats.ghosted_vs_rejected = [
        Row(o.value, str(o.label), outcomes[o], _share(outcomes[o], answered))
        for o in (Outcome.REJECTED, Outcome.GHOSTED)
    ]
    stats.sources = _sources(by_source)


def _sources(by_source: dict[str, list[tuple[int, str, int]]]) -> list[SourceResult]:
    labels = dict(Source.choices)
    keys = [s.value for s in Source if s.value in by_source]
    if "" in by_source:
        keys.append("")
    results = []
    for key in keys:
        rows = by_source[key]
        outcome_counts: Counter[str] = Counter()
        for _furthest, outcome, n in rows:
            outcome_counts[outcome] += n
        results.append(
            SourceResult(
                key=key or "none",
                label=str(labels.get(key, "")) or _("Not recorded"),
                total=sum(n for _f, _o, n in rows),
                reached={s.value: sum(n for f, _o, n in rows if f >= s) for s in FUNNEL_STAGES},
                offers=sum(outcome_counts[o] for o in OFFER_OUTCOMES),
                rejected=outcome_counts[Outcome.REJECTED],
                ghosted=outcome_counts[Outcome.GHOSTED],
                open=outcome_counts[Outcome.OPEN],
            )
        )
    # Furthest first: the share reaching the milestone, then the volume.
    results.sort(key=lambda r: (-r.milestone_share, -r.total, r.label))
    return results


def _add_rejections(stats: Stats, counts: list[tuple[int, str, int]]) -> None:
    by_stage: Counter[int] = Counter()
    by_channel: Counter[str] = Counter()
    for stage, channel, n in counts:
        by_stage[stage] += n
        by_channel[channel] += n
    stats.rejections = total = sum(by_stage.values())
    stages = [s for s in Stage if s >= Stage.APPLIED or by_stage[s]]
    stats.rejections_by_stage = [
        Row(str(s.value), str(s.label), by_stage[s], _share(by_stage[s], total)) for s in stages
    ]
    stats.rejections_by_channel = [
        Row(c.value, str(c.label), by_channel[c], _share(by_channel[c], total)) for c in Channel
    ]


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _weeks(user, applications: QuerySet, filters: StatsFilters) -> list[Week]:
    # applied_on is already the user's local date; an application without one
    # counts on the local day it was created.
    day = Coalesce("applied_on", TruncDate("created_at", tzinfo=user.zone))
    per_day = applications.annotate(day=day).values_list("day").annotate(n=Count("id"))
    return _weeks_of(per_day, filters)


def _weeks_of(per_day, filters: StatsFilters) -> list[Week]:
    counts: Counter[datetime.date] = Counter()
    for day_value, n in per_day:
        counts[monday(day_value)] += n
    if not counts:
        return []
    first, last = min(counts), max(counts)
    start = monday(filters.applied_from) if filters.applied_from else first
    end = monday(filters.applied_to) if filters.applied_to else last
    if (end - start).days // 7 >= MAX_WEEKS:
        start, end = first, last
    # Bounded by what it shows, whatever the data holds (rows from before dates
    # were validated may say 9000 or 9999): at most MAX_WEEKS weeks, ending with
    # the latest one, counted by index so no date past the last is ever made.
    span = min((end - start).days // 7 + 1, MAX_WEEKS)
    start = end - datetime.timedelta(weeks=span - 1)
    return [
        Week(week, counts[week])
        for week in (start + datetime.timedelta(weeks=i) for i in range(span))
    ]


class DaysBetween(Func):
    """Whole days from the second date to the first, as an integer: the rows
    then carry small numbers instead of dates to parse."""

    arity = 2
    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra):
        # PostgreSQL: date - date is a number of days.
        return super().as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def _medians(applications: QuerySet) -> list[Median]:
    to_stage = {
        f"to_{s.value}": DaysBetween(
            Min("events__occurred_on", filter=Q(events__stage=s)), F("applied_on")
        )
        for s in TIMED_STAGES
    }
    # Only rows with something to time: past the first stage, or answered.
    rows = (
        applications.filter(applied_on__isnull=False)
        .filter(Q(furthest_stage__gt=Stage.APPLIED) | Q(outcome__in=ANSWER_OUTCOMES))
        .annotate(to_answer=DaysBetween(F("outcome_on"), F("applied_on")), **to_stage)
        .values_list("outcome", "to_answer", *to_stage)
    )
    # A plain cursor: for thousands of rows, the ORM's per-value converters
    # (an int() on every number) cost more than the query itself.
    sql, params = rows.query.sql_with_params()
    connection = connections[rows.db]
    if connection.vendor == "postgresql":
        return _medians_in_sql(connection, sql, params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    buckets: list[list[int]] = [[] for _ in TIMED_STAGES]
    answers: list[int] = []
    for outcome, to_answer, *to_stages in fetched:
        for bucket, days in zip(buckets, to_stages, strict=True):
            # A stage dated before the application is a slip of the keyboard:
            # it would pull the median below zero.
            if days is not None and days >= 0:
                bucket.append(days)
        if outcome in ANSWER_OUTCOMES and to_answer is not None and to_answer >= 0:
            answers.append(to_answer)

    medians = [
        Median(str(s.value), str(s.label), _median(bucket), len(bucket))
        for s, bucket in zip(TIMED_STAGES, buckets, strict=True)
    ]
    medians.append(Median("answer", _("Answer"), _median(answers), len(answers)))
    return medians


def _medians_in_sql(connection, sql: str, params: tuple) -> list[Median]:
    """The same medians, taken by PostgreSQL: at 200,000 applications the rows
    were 107,712 tuples sent to Python (328 ms); this is one row."""
    columns = [f"to_{s.value}" for s in TIMED_STAGES]
    answered = ", ".join(["%s"] * len(ANSWER_OUTCOMES))
    # A stage dated before the application is a slip of the keyboard: it would
    # pull the median below zero, so negative spans are left out, as in Python.
    parts = []
    for column in columns:
        parts.append(
            f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {column}) FILTER (WHERE {column} >= 0)"
        )
        parts.append(f"count({column}) FILTER (WHERE {column} >= 0)")
    answer = f"outcome IN ({answered}) AND to_answer >= 0"
    parts.append(f"percentile_cont(0.5) WITHIN GROUP (ORDER BY to_answer) FILTER (WHERE {answer})")
    parts.append(f"count(to_answer) FILTER (WHERE {answer})")
    query = f"SELECT {', '.join(parts)} FROM ({sql}) AS timed"  # noqa: S608 (our own SQL)
    outcomes = [str(outcome) for outcome in ANSWER_OUTCOMES]
    with connection.cursor() as cursor:
        cursor.execute(query, (*outcomes, *outcomes, *params))
        row = cursor.fetchone()
    labels = [(str(s.value), str(s.label)) for s in TIMED_STAGES] + [("answer", _("Answer"))]
    return [Median(key, label, row[2 * i], row[2 * i + 1]) for i, (key, label) in enumerate(labels)]


def _median(values: list[int]) -> float | None:
    return statistics.median(values) if values else None
