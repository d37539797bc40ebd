"""The stats page's counters: what one application adds to them.

Each application carries the keys it counts under (Application.stats_keys) and
each user has one StatsCount per key: the page reads those few hundred rows
instead of grouping the whole history. The keys say exactly what
review.stats computes from the rows (its tests compare the two):

- ``c:<furthest>:<outcome>:<source>``: an application sent (furthest stage
  applied or beyond);
- ``s``: an application still at "saved";
- ``r:<stage reached>:<channel>``: the rejection of a sent application;
- ``d:<YYYY-MM-DD>``: the day a sent application was applied for (or created,
  in the user's zone);
- ``t<stage>:<days>``: days from applying to the first time it reached a
  stage, and ``a:<days>`` to the answer (rejection or offer): the medians,
  taken from these counts as from the values themselves.

And for the dashboard and the insights: ``o:<current stage>`` an open
application by board column; ``x:<YYYY-MM-DD>`` a rejection received that day
(and ``xf:<day>`` at the final round): "since a day" is a range of keys.
"""

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from applications.models import Outcome, Stage

# Stages timed from the day of applying (applying itself is day 0).
TIMED_STAGES: tuple[Stage, ...] = tuple(s for s in Stage if s > Stage.APPLIED)
# Outcomes that are an answer from the company; ghosted and withdrawn are not.
ANSWER_OUTCOMES = (Outcome.REJECTED, Outcome.OFFER_ACCEPTED, Outcome.OFFER_DECLINED)


@dataclass(frozen=True)
class Facts:
    """What the stats read of one application."""

    furthest: int
    current: int  # the board column
    outcome: str
    source: str
    applied_on: datetime.date | None
    created_at: datetime.datetime
    time_zone: str
    outcome_on: datetime.date | None
    rejection_stage: int | None
    rejection_channel: str | None
    rejection_on: datetime.date | None
    first_reached: dict[int, datetime.date | None]  # timed stage -> its first day


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def stats_keys(facts: Facts) -> list[str]:
    keys = [f"o:{facts.current}"] if facts.outcome == Outcome.OPEN else []
    if facts.rejection_on is not None:
        keys.append(f"x:{facts.rejection_on.isoformat()}")
        if facts.rejection_stage == Stage.FINAL_ROUND:
            keys.append(f"xf:{facts.rejection_on.isoformat()}")
    if facts.furthest < Stage.APPLIED:
        return [*keys, "s"] if facts.furthest == Stage.SAVED else keys
    keys.append(f"c:{facts.furthest}:{facts.outcome}:{facts.source}")
    if facts.rejection_stage is not None:
        keys.append(f"r:{facts.rejection_stage}:{facts.rejection_channel}")
    day = facts.applied_on or facts.created_at.astimezone(_zone(facts.time_zone)).date()
    keys.append(f"d:{day.isoformat()}")
    applied = facts.applied_on
    answered = facts.outcome in ANSWER_OUTCOMES
    if applied is not None and (facts.furthest > Stage.APPLIED or answered):
        for stage in TIMED_STAGES:
            reached = facts.first_reached.get(stage)
            # A stage dated before the application is a slip of the keyboard:
            # it would pull the median below zero.
            if reached is not None and (reached - applied).days >= 0:
                keys.append(f"t{stage.value}:{(reached - applied).days}")
        if answered and facts.outcome_on is not None and (facts.outcome_on - applied).days >= 0:
            keys.append(f"a:{(facts.outcome_on - applied).days}")
    return keys


def histogram_median(counts: Iterable[tuple[int, int]]) -> tuple[float | None, int]:
    """The median of values given as (value, how many), and how many in all:
    the middle value, or the mean of the two middle ones (as percentile_cont(0.5)
    and statistics.median take it)."""
    pairs = sorted((value, n) for value, n in counts if n > 0)
    total = sum(n for _value, n in pairs)
    if not total:
        return None, 0
    wanted = [(total - 1) // 2, total // 2]  # the positions of the middle value(s)
    found: list[int] = []
    seen = 0
    for value, n in pairs:
        while len(found) < 2 and wanted[len(found)] < seen + n:
            found.append(value)
        seen += n
        if len(found) == 2:
            break
    return (found[0] + found[1]) / 2, total
