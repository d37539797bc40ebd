"""What kind of message a letter is, from a phrase list kept as data.

Pure: no Django, no models. `inbox/data/phrases.txt` holds "KIND WEIGHT phrase"
lines; a kind needs at least THRESHOLD points, so one polite phrase ("thank you
for your interest") is never enough to call a letter a rejection.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
THRESHOLD = 3
# rejection_score is the rejection points over this, capped at 1.
FULL_SCORE = 8


class Kind(enum.StrEnum):
    REJECTION = "rejection"
    RECEIVED = "received"
    INTERVIEW = "interview"
    OTHER = "other"


# When two kinds score the same, the earlier one wins: a rejection that also
# thanks for applying is a rejection.
PRIORITY = (Kind.REJECTION, Kind.INTERVIEW, Kind.RECEIVED)


@dataclass(frozen=True)
class Phrase:
    kind: Kind
    weight: int
    text: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Classification:
    kind: Kind
    score: float  # 0..1: how sure the kind is
    rejection_score: float  # 0..1: how much it reads like a rejection
    matched: tuple[str, ...]  # the phrases of the winning kind that matched
    points: dict[str, int]


def read_list(name: str) -> list[str]:
    """A data file's lines, without comments and blanks."""
    lines = []
    for raw in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


@functools.cache
def phrases() -> tuple[Phrase, ...]:
    found = []
    for line in read_list("phrases.txt"):
        kind, weight, text = line.split(None, 2)
        words = r"\s+".join(re.escape(word) for word in text.lower().split())
        found.append(
            Phrase(Kind(kind), int(weight), text.lower(), re.compile(rf"(?<!\w){words}(?!\w)"))
        )
    return tuple(found)


def classify(*, subject: str, text: str, has_calendar: bool = False) -> Classification:
    haystack = f"{subject}\n{text}".lower()
    # Typographic apostrophes and non-breaking spaces as plain ones.
    haystack = haystack.replace("\u2019", "'").replace("\xa0", " ")
    points = dict.fromkeys(PRIORITY, 0)
    matched: dict[Kind, list[str]] = {kind: [] for kind in PRIORITY}
    for phrase in phrases():
        if phrase.pattern.search(haystack):
            points[phrase.kind] += phrase.weight
            matched[phrase.kind].append(phrase.text)
    if has_calendar:
        # A calendar invitation inside the letter: a meeting is being set up.
        points[Kind.INTERVIEW] += 4
        matched[Kind.INTERVIEW].append("calendar invitation")
    best = max(PRIORITY, key=lambda kind: (points[kind], -PRIORITY.index(kind)))
    rejection_score = round(min(1.0, points[Kind.REJECTION] / FULL_SCORE), 2)
    if points[best] < THRESHOLD:
        return Classification(
            kind=Kind.OTHER,
            score=0.0,
            rejection_score=rejection_score,
            matched=tuple(matched[Kind.REJECTION]),
            points={str(k): v for k, v in points.items()},
        )
    runner_up = max((points[k] for k in PRIORITY if k != best), default=0)
    # Sure when the winner clearly beats the rest and scores well on its own.
    score = min(1.0, points[best] / FULL_SCORE) * (1 - runner_up / (points[best] + runner_up) / 2)
    return Classification(
        kind=best,
        score=round(score, 2),
        rejection_score=rejection_score,
        matched=tuple(matched[best]),
        points={str(k): v for k, v in points.items()},
    )
