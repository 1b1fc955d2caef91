"""Ranking the valid bids, deterministically, by the rule pack's ordered tie-breaks.

The order is data (``tie_breaks`` in the rule pack), applied left to right, each key with its
fixed direction (``methods.TIE_BREAKS``): e.g. for comprehensive scoring ``total`` (higher
first) → ``price`` (lower) → ``group:technical`` (higher) → ``received_at`` (earlier) →
``bidder_uscc`` (ascending). The list always ends with the credit code, unique per section, so
two bids never share a rank and the order never depends on the order bids were given in.

Each candidate carries its whole key and ``decided_by``: the first tie-break on which it differs
from the candidate ranked just above it. The report can then say "ranked after B by price".
MOF Order 87 art. 55 says bids equal in points and price rank 并列 (equal): a procurement pack
may stop its meaningful keys at ``price``; the report shows candidates decided only by
``received_at`` or ``bidder_uscc`` as tied in law, while prex still lists them in a fixed order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from prex.evaluation.inputs import Bid, check_bids
from prex.evaluation.methods import GROUP_PREFIX, RANKED_KINDS, EvaluationMethod, MethodKind
from prex.shared.errors import InvalidInput

KeyValue = Decimal | datetime | str


@dataclass(frozen=True)
class Candidate:
    """A ranked valid bid."""

    rank: int  # 1 is first
    bid_id: str
    bidder_uscc: str
    price: Decimal
    evaluated_price: Decimal  # = price unless the lowest_price method adjusted it
    total: Decimal | None  # comprehensive: the sum of its criterion points; else None
    scores: Mapping[str, Decimal]  # comprehensive: criterion id → points; else empty
    key: tuple[tuple[str, KeyValue], ...]  # (tie-break, value) in the order applied
    decided_by: str | None  # first tie-break that set it below the one above; None for rank 1


def rank(
    method: EvaluationMethod,
    bids: Sequence[Bid],
    *,
    scores: Mapping[str, Mapping[str, Decimal]] | None = None,
    evaluated: Mapping[str, Decimal] | None = None,
) -> tuple[Candidate, ...]:
    """Rank ``bids`` (the valid bids). A comprehensive method needs ``scores`` (bid id →
    criterion id → points, every criterion); lowest_price takes ``evaluated`` prices (bid id →
    yuan; the bid price when absent)."""
    if method.kind not in RANKED_KINDS:
        raise InvalidInput(f"a {method.kind} method ranks nothing", field="method")
    check_bids(bids)
    comprehensive = method.kind is MethodKind.COMPREHENSIVE
    keyed: list[tuple[tuple[KeyValue, ...], Candidate]] = []
    for bid in bids:
        row = _row(method, bid, scores) if comprehensive else {}
        total = sum(row.values(), Decimal(0)) if comprehensive else None
        price = (evaluated or {}).get(bid.id, bid.price)
        keys = [_key(method, name, bid, row, total, price) for name in method.tie_breaks]
        shown = tuple((name, key[0]) for name, key in zip(method.tie_breaks, keys, strict=True))
        candidate = Candidate(0, bid.id, bid.bidder_uscc, bid.price, price, total, row, shown, None)
        keyed.append((tuple(key[1] for key in keys), candidate))
    keyed.sort(key=lambda pair: pair[0])
    ranked = []
    for position, (order, candidate) in enumerate(keyed):
        decided_by = None
        if position:
            above = keyed[position - 1][0]
            index = next(i for i, (a, b) in enumerate(zip(above, order, strict=True)) if a != b)
            decided_by = method.tie_breaks[index]
        ranked.append(replace(candidate, rank=position + 1, decided_by=decided_by))
    return tuple(ranked)


def _row(
    method: EvaluationMethod, bid: Bid, scores: Mapping[str, Mapping[str, Decimal]] | None
) -> dict[str, Decimal]:
    given = (scores or {}).get(bid.id, {})
    row = {}
    for criterion in method.criteria:
        points = given.get(criterion.id)
        if not isinstance(points, Decimal) or not 0 <= points <= criterion.max_points:
            raise InvalidInput(
                f"bid {bid.id}, criterion {criterion.id}: points {points!r} missing or outside "
                f"0–{criterion.max_points}",
                field="scores",
                bid=bid.id,
                criterion=criterion.id,
            )
        row[criterion.id] = points
    return row


def _key(
    method: EvaluationMethod,
    name: str,
    bid: Bid,
    row: Mapping[str, Decimal],
    total: Decimal | None,
    evaluated: Decimal,
) -> tuple[KeyValue, KeyValue]:
    """(the value shown, the value sorted ascending) of one tie-break for one bid."""
    if name == "total":
        assert total is not None, "the parser allows 'total' for comprehensive methods only"
        return total, -total
    if name == "evaluated_price":
        return evaluated, evaluated
    if name == "price":
        return bid.price, bid.price
    if name == "received_at":
        return bid.received_at, bid.received_at
    if name == "bidder_uscc":
        return bid.bidder_uscc, bid.bidder_uscc
    group = name.removeprefix(GROUP_PREFIX)
    points = sum((row[c.id] for c in method.criteria if c.group == group), Decimal(0))
    return points, -points
