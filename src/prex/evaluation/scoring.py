"""The experts' scores: checked, aggregated per criterion and bid, and screened for deviation.

Scores are checked once, by :func:`collect_scores`, into a :class:`ScoreTable` that holds every
score as an integer number of the criterion's units (a criterion scored on a step of 0.5 from 0
to 10 counts in tenths), so that sums, means and deviation tests are integer arithmetic: exact,
and fast enough for 200 bids × 20 criteria × 9 experts many times a second.

Aggregation (per criterion, per bid): ``mean`` of the experts' scores, or ``trimmed_mean``, which
first drops one highest and one lowest score when at least ``trim_from`` experts scored (with
fewer it is the plain mean). The result is rounded to two places, half up — rounding point R1 of
``docs/evaluation-methods.md``.

Deviation: an expert whose score lies more than ``percent_of_max`` % of the criterion's maximum
away from the mean of the other experts (or of all, per rule pack) must justify it. The test is
exact (``|n·s − Σ| > limit·(n − 1)`` in integers), never on a rounded mean.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from prex.evaluation.arithmetic import (
    exact,
    from_units,
    places_of,
    round_fraction,
    round_half_up,
    to_units,
)
from prex.evaluation.inputs import Bid, Cell, ScoreSheet, check_experts
from prex.evaluation.methods import (
    AggregationKind,
    Criterion,
    CriterionKind,
    DeviationReference,
    EvaluationMethod,
)
from prex.shared.errors import InvalidInput

Justifications = Mapping[tuple[str, str, str], str]  # (expert, bid, criterion) → the reason


@dataclass(frozen=True)
class ScoreTable:
    """Checked expert scores of the valid bids: per (bid, subjective criterion) cell, one
    integer per expert (the score × 10**places of its criterion), experts in id order."""

    experts: tuple[str, ...]
    cells: Mapping[Cell, tuple[int, ...]]
    places: Mapping[str, int]  # criterion id → decimal places of its unit


@dataclass(frozen=True)
class Deviation:
    """A score that lies beyond the deviation limit: its expert must justify it."""

    expert_id: str
    bid_id: str
    criterion_id: str
    score: Decimal
    reference: Decimal  # the mean it was compared with, rounded for display only
    limit: Decimal  # points away from that mean allowed without a justification
    justification: str = ""

    @property
    def justified(self) -> bool:
        return bool(self.justification.strip())


@dataclass(frozen=True)
class _Grid:
    """A subjective criterion's allowed scores, in integer units."""

    places: int
    low: int
    high: int
    step: int


def _grid(criterion: Criterion) -> _Grid:
    places = max(places_of(criterion.minimum), places_of(criterion.maximum))
    places = max(places, places_of(criterion.step))
    units = [to_units(v, places) for v in (criterion.minimum, criterion.maximum, criterion.step)]
    low, high, step = (u if u is not None else 0 for u in units)
    return _Grid(places, low, high, step)


def collect_scores(
    method: EvaluationMethod,
    bids: Sequence[Bid],
    sheets: Sequence[ScoreSheet],
    *,
    ignored: Collection[str] = (),
) -> ScoreTable:
    """Check every expert's scores of ``bids`` (the valid bids) on every subjective criterion.

    Each sheet must score every such cell with a ``Decimal`` within the criterion's range and on
    its step. Scores of the bids in ``ignored`` (those that failed the review or were rejected)
    are allowed and left out; any other cell is refused.
    """
    subjective = method.of_kind(CriterionKind.SUBJECTIVE)
    experts = check_experts((s.expert_id for s in sheets), "scores")
    grids = {c.id: _grid(c) for c in subjective}
    if not subjective or not bids:
        _refuse_extra_cells(method, sheets, set(), ignored)
        return ScoreTable(experts, {}, {c: g.places for c, g in grids.items()})
    if not experts:
        raise InvalidInput("no expert has scored the subjective criteria", field="scores")
    by_sheet = {s.expert_id: s for s in sheets}
    columns: dict[Cell, list[int]] = {(bid.id, c.id): [] for bid in bids for c in subjective}
    for expert in experts:
        scores = by_sheet[expert].scores
        for cell, column in columns.items():
            value = scores.get(cell)
            grid = grids[cell[1]]
            units = _units(value, grid.places)
            if (
                units is None
                or not grid.low <= units <= grid.high
                or (units - grid.low) % grid.step
            ):
                raise _score_error(expert, cell, value, method.criterion(cell[1]))
            column.append(units)
        if len(scores) != len(columns):
            _refuse_extra_cells(method, [by_sheet[expert]], set(columns), ignored)
    cells = {cell: tuple(column) for cell, column in columns.items()}
    return ScoreTable(experts, cells, {c: g.places for c, g in grids.items()})


def _units(value: object, places: int) -> int | None:
    """The score in integer units, or None when it is not a finite decimal with ≤ places."""
    if type(value) is not Decimal:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            return None
        value = Decimal(value)
    if not value.is_finite():
        return None
    return to_units(value, places)


def _score_error(expert: str, cell: Cell, value: object, criterion: Criterion) -> InvalidInput:
    bid, criterion_id = cell
    if value is None:
        problem = "is not scored"
    elif _units(value, 12) is None:
        problem = f"{value!r} is not a decimal score"
    else:
        problem = (
            f"{value} is outside {criterion.minimum}–{criterion.maximum} or not on the step of "
            f"{criterion.step}"
        )
    return InvalidInput(
        f"expert {expert}, bid {bid}, criterion {criterion_id}: {problem}",
        field="scores",
        expert=expert,
        bid=bid,
        criterion=criterion_id,
    )


def _refuse_extra_cells(
    method: EvaluationMethod,
    sheets: Sequence[ScoreSheet],
    expected: set[Cell],
    ignored: Collection[str],
) -> None:
    subjective = {c.id for c in method.of_kind(CriterionKind.SUBJECTIVE)}
    for sheet in sheets:
        for cell in sorted(set(sheet.scores) - expected, key=repr):
            bid, criterion = cell if isinstance(cell, tuple) and len(cell) == 2 else (cell, "?")
            if bid in ignored and criterion in subjective:
                continue
            if criterion in subjective:
                problem = "names no bid being scored"
            elif criterion in {c.id for c in method.criteria}:
                problem = "is computed, not scored by experts"
            else:
                problem = "names no criterion of this method"
            raise InvalidInput(
                f"expert {sheet.expert_id}, bid {bid}, criterion {criterion}: {problem}",
                field="scores",
                expert=sheet.expert_id,
                bid=str(bid),
                criterion=str(criterion),
            )


def aggregate(method: EvaluationMethod, table: ScoreTable) -> dict[str, dict[str, Decimal]]:
    """Each bid's points per subjective criterion (rounding point R1), by bid id."""
    trimmed = (
        method.aggregation.kind is AggregationKind.TRIMMED_MEAN
        and len(table.experts) >= method.aggregation.trim_from
    )
    points: dict[str, dict[str, Decimal]] = {}
    for (bid, criterion), values in table.cells.items():
        total, count = sum(values), len(values)
        if trimmed:
            total -= max(values) + min(values)
            count -= 2
        scale = 10 ** table.places[criterion]
        points.setdefault(bid, {})[criterion] = round_half_up(total, count * scale)
    return points


def objective_scores(
    method: EvaluationMethod, bids: Sequence[Bid]
) -> dict[str, dict[str, Decimal]]:
    """Each bid's points per objective criterion: ``per_unit`` × the verified fact, capped at
    ``max_points``, rounded to two places (rounding point R2), by bid id."""
    objective = method.of_kind(CriterionKind.OBJECTIVE)
    names = {c.id for c in objective}
    points: dict[str, dict[str, Decimal]] = {}
    for bid in bids:
        unknown = sorted(set(bid.facts) - names, key=repr)
        if unknown:
            raise InvalidInput(
                f"bid {bid.id}: fact {unknown[0]!r} names no objective criterion",
                field="facts",
                bid=bid.id,
                criterion=str(unknown[0]),
            )
        row = points.setdefault(bid.id, {})
        for criterion in objective:
            fact = bid.facts.get(criterion.id)
            if fact is None or _units(fact, 12) is None or fact < 0:
                raise InvalidInput(
                    f"bid {bid.id}, criterion {criterion.id}: the verified fact {fact!r} is not a "
                    "non-negative decimal",
                    field="facts",
                    bid=bid.id,
                    criterion=criterion.id,
                )
            earned = min(exact(criterion.per_unit) * exact(fact), exact(criterion.max_points))
            row[criterion.id] = round_fraction(earned)
    return points


def deviations(
    method: EvaluationMethod, table: ScoreTable, justifications: Justifications | None = None
) -> tuple[Deviation, ...]:
    """The scores whose expert must justify them, by bid id, criterion (method order), expert."""
    rule = method.deviation
    if rule is None or not table.cells:
        return ()
    justifications = justifications or {}
    others = rule.reference is DeviationReference.OTHERS
    order = {c.id: i for i, c in enumerate(method.criteria)}
    limits: dict[str, tuple[Fraction, Decimal]] = {}
    for subjective in method.of_kind(CriterionKind.SUBJECTIVE):
        limit = exact(rule.percent_of_max) * exact(subjective.max_points) / 100
        shown = (rule.percent_of_max * subjective.max_points).scaleb(-2)
        limits[subjective.id] = (limit * 10 ** table.places[subjective.id], shown)
    found: list[Deviation] = []
    for (bid, criterion), values in table.cells.items():
        count = len(values)
        against = count - 1 if others else count
        if against < 1:
            continue
        total = sum(values)
        limit, shown = limits[criterion]
        bound = limit.numerator * against
        for expert, units in zip(table.experts, values, strict=True):
            if abs(count * units - total) * limit.denominator <= bound:
                continue
            places = table.places[criterion]
            rest = total - units if others else total
            key = (expert, bid, criterion)
            found.append(
                Deviation(
                    expert,
                    bid,
                    criterion,
                    from_units(units, places),
                    round_half_up(rest, against * 10**places),
                    shown,
                    justifications.get(key, ""),
                )
            )
    found.sort(key=lambda d: (d.bid_id, order[d.criterion_id], d.expert_id))
    return tuple(found)
