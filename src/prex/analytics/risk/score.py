"""The risk score of a tender or a bidder from its hits, and the alert level (报警等级) it maps to.

Pure functions over plain values, so that the weights can be read, tested and documented in one
place (docs/red-flags.md, "Risk score"):

* a hit is worth its severity's points (low 5, medium 15, high 30) times its family's factor
  (collusion 1.5: presumptions of art. 40 on the platform's own evidence; cardinal and screen
  1.0; market 0.8: concentration is a property of a market more than of one tender);
* several hits of one rule on one subject have diminishing returns: the rule's hits are taken
  from the strongest down and the k-th (from 0) counts ``DECAY ** k`` of its points, so forty
  bidders sharing one address do not outweigh four different presumptions;
* the sum is capped at 100 and rounded down to one decimal.

Sorting within a rule makes the score independent of the hits' order; each added hit only adds
or pushes weaker ones down a place, so the score never falls when a hit is added. The sum is
exact (fractions), so neither property depends on the order of floating-point additions.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from fractions import Fraction

SEVERITY_POINTS = {"low": 5.0, "medium": 15.0, "high": 30.0}
FAMILY_FACTOR = {"collusion": 1.5, "cardinal": 1.0, "screen": 1.0, "market": 0.8}
DECAY = Fraction(1, 2)
CAP = 100


class AlertLevel(IntEnum):
    """报警等级: one is the most serious. Thresholds on the score in :data:`LEVEL_FLOORS`."""

    FIRST = 1  # 一级: act now — strong, independent signs of rigging
    SECOND = 2  # 二级: review within days
    THIRD = 3  # 三级: review in the next round
    FOURTH = 4  # 四级: for information; watch the subject

    @property
    def label_zh(self) -> str:
        return ("一级", "二级", "三级", "四级")[self.value - 1]


# The lowest score of each level, most serious first; below the last, no alert.
LEVEL_FLOORS: tuple[tuple[float, AlertLevel], ...] = (
    (80.0, AlertLevel.FIRST),
    (60.0, AlertLevel.SECOND),
    (40.0, AlertLevel.THIRD),
    (20.0, AlertLevel.FOURTH),
)


@dataclass(frozen=True)
class Weighed:
    """What the score needs of one hit: its rule, its severity and its rule's family."""

    code: str
    severity: str
    family: str


def points(hit: Weighed) -> float:
    """One hit's full points: its severity's points times its family's factor."""
    try:
        return SEVERITY_POINTS[hit.severity] * FAMILY_FACTOR[hit.family]
    except KeyError as exc:
        raise ValueError(f"{hit.code}: unknown severity or family {exc.args[0]!r}") from None


def risk_score(hits: Iterable[Weighed]) -> float:
    """The subject's score, 0–100, from all its current hits (see the module docstring)."""
    by_rule: dict[str, list[Fraction]] = defaultdict(list)
    for hit in hits:
        by_rule[hit.code].append(Fraction(str(points(hit))))
    total = Fraction(0)
    for values in by_rule.values():
        for k, value in enumerate(sorted(values, reverse=True)):
            total += value * DECAY**k
    capped = total if total < CAP else Fraction(CAP)
    return math.floor(capped * 10) / 10


def level_for(score: float) -> AlertLevel | None:
    """The alert level of a score; None below the fourth level's floor."""
    for floor, level in LEVEL_FLOORS:
        if score >= floor:
            return level
    return None


def rises(old: int | None, new: AlertLevel | None) -> bool:
    """Whether going from level ``old`` (None: none) to ``new`` is more serious: an alert then."""
    if new is None:
        return False
    return old is None or int(new) < old
