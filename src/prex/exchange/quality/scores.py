"""The four scores and the overall one, from summed counts (pure).

Every aggregate is a sum of integers kept per (centre, transaction type, Beijing day), so a
month is the sum of its days and the incremental path and a full recompute add up to the same
numbers exactly. Each score is 0–100, or None when there is nothing to score it on (a centre is
not marked down for a dimension it has no data for; the overall score re-weights the others).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields

#: The overall score's weights (they sum to 1); see docs/quality.md.
WEIGHTS = {"coverage": 0.3, "accuracy": 0.3, "timeliness": 0.2, "lifecycle": 0.2}


@dataclass(frozen=True)
class Totals:
    """The counts one (centre, type, period) adds up to."""

    records: int = 0  # record versions received
    valid: int = 0  # of them, valid and consistent
    fields_expected: int = 0
    fields_filled: int = 0
    timed: int = 0  # records dating an event
    points: int = 0  # their timeliness points, 0–1000 each
    deals: int = 0
    datasets_expected: int = 0
    datasets_present: int = 0
    milestones_met: int = 0
    milestones_overdue: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


def total(items: Iterable[Totals]) -> Totals:
    result = Totals()
    for item in items:
        result = result + item
    return result


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


@dataclass(frozen=True)
class Scores:
    coverage: float | None
    accuracy: float | None
    timeliness: float | None
    lifecycle: float | None
    overall: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {
            name: None if value is None else round(value, 1)
            for name, value in zip(
                ("coverage", "accuracy", "timeliness", "lifecycle", "overall"),
                astuple(self),
                strict=True,
            )
        }


def scores(t: Totals) -> Scores:
    """coverage = mean of the dataset share and the field share (whichever exist);
    accuracy = valid / records; timeliness = Σ points / (1000 · timed);
    lifecycle = met / (met + overdue); overall = Σ wᵢ·sᵢ / Σ wᵢ over the scores that exist."""
    halves = [
        s
        for s in (
            _share(t.datasets_present, t.datasets_expected),
            _share(t.fields_filled, t.fields_expected),
        )
        if s is not None
    ]
    parts = {
        "coverage": sum(halves) / len(halves) if halves else None,
        "accuracy": _share(t.valid, t.records),
        "timeliness": None if t.timed == 0 else t.points / (10.0 * t.timed),
        "lifecycle": _share(t.milestones_met, t.milestones_met + t.milestones_overdue),
    }
    weight = sum(WEIGHTS[k] for k, v in parts.items() if v is not None)
    overall = (
        None
        if weight == 0
        else sum(WEIGHTS[k] * v for k, v in parts.items() if v is not None) / weight
    )
    return Scores(
        parts["coverage"], parts["accuracy"], parts["timeliness"], parts["lifecycle"], overall
    )
