"""What kind of message a letter is, from a phrase list kept as data.

Pure: no Django, no models. `lists/phrases.txt` holds "KIND WEIGHT phrase"
lines; a kind needs at least THRESHOLD points, so one polite phrase ("thank you
for your interest") is never enough to call a letter a rejection.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "lists"
THRESHOLD = 3
# rejection_score is the rejection points over this, capped at 1.
FULL_SCORE = 8
CLASSIFY_CHARS = 20_000


class Kind(enum.StrEnum):
    REJECTION = "rejection"
    RECEIVED = "received"
    INTERVIEW = "interview"
    OTHER = "other"


# When two kinds score the same, the earlier one wins: a rejection that also
# thanks for applying is a rejection.
PRIORITY = (Kind.REJECTION, Kind.INTERVIEW, Kind.RECEIVED)


# Runs of letters and digits: exactly the characters str.isalnum() accepts.
_WORD = re.compile(r"[^\W_]+")
# The same for ASCII text, in C: every other byte becomes a space.
_ASCII_WORDS = bytes(c if chr(c).isalnum() else ord(" ") for c in range(256))


def _words(text: str) -> frozenset[bytes]:
    if text.isascii():
        return frozenset(text.encode("ascii").translate(_ASCII_WORDS).split())
    return frozenset(word.encode() for word in _WORD.findall(text))


@dataclass(frozen=True)
class Phrase:
    kind: Kind
    weight: int
    text: str
    # Its words: a phrase can occur as whole words only in a text holding each.
    words: frozenset[bytes] = frozenset()


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
        text = " ".join(text.lower().split())
        found.append(Phrase(Kind(kind), int(weight), text, _words(text)))
    return tuple(found)


def _contains(haystack: str, phrase: str) -> bool:
    """`phrase` occurs in `haystack` as whole words (both already normalised).

    str.find rather than one regex per phrase: the Inbox classifies thousands
    of letters per upload, and this is the hot loop."""
    start = haystack.find(phrase)
    end_limit = len(haystack)
    while start != -1:
        end = start + len(phrase)
        before_ok = start == 0 or not haystack[start - 1].isalnum()
        after_ok = end == end_limit or not haystack[end].isalnum()
        if before_ok and after_ok:
            return True
        start = haystack.find(phrase, start + 1)
    return False


def classify(*, subject: str, text: str, has_calendar: bool = False) -> Classification:
    # The signal is at the start of a letter: its first CLASSIFY_CHARS are enough.
    haystack = f"{subject}\n{text[:CLASSIFY_CHARS]}".lower()
    # Typographic apostrophes as plain ones; any run of whitespace as one space.
    haystack = " ".join(haystack.replace("\u2019", "'").split())
    points = dict.fromkeys(PRIORITY, 0)
    matched: dict[Kind, list[str]] = {kind: [] for kind in PRIORITY}
    # A phrase found as whole words has each of its words as a whole word of the
    # text (its inner words are bounded by the phrase's own spaces and
    # punctuation, its outer ones by the check in _contains): most phrases are
    # ruled out by this set before any search of the text.
    words = _words(haystack)
    for phrase in phrases():
        if phrase.words <= words and _contains(haystack, phrase.text):
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
