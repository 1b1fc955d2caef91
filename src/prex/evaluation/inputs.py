"""What the evaluation arithmetic is given: the opened bids and the experts' sheets.

Plain frozen values, built by whoever holds them (the evaluation room later, tests and the
benchmark now). Every function that takes them checks them first and refuses with
:class:`~prex.shared.errors.InvalidInput` naming the expert, the bid and the criterion, so that a
wrong cell can be found and corrected; nothing is silently dropped or clamped.

A cell is ``(bid id, criterion id)``: sheets map cells to an expert's mark or score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from prex.evaluation.arithmetic import places_of
from prex.shared.errors import InvalidInput

Cell = tuple[str, str]  # (bid id, criterion id)


@dataclass(frozen=True)
class Bid:
    """One opened bid of a section, as read at the opening and verified by the committee."""

    id: str
    bidder_uscc: str  # one bid per bidder and section: the last tie-break
    price: Decimal  # yuan, two places, as read out at the opening (唱标)
    received_at: datetime  # the envelope's receipt time (timezone-aware)
    # objective criterion id → the verified quantity (certificates held, similar contracts …)
    facts: Mapping[str, Decimal] = field(default_factory=dict)
    # lowest_price: adjustment factor id → yuan added to the bid price (negative: taken off)
    adjustments: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Mark:
    """One expert's pass/fail on one review item of one bid; a fail must give its reason."""

    passed: bool
    reason: str = ""


@dataclass(frozen=True)
class ReviewSheet:
    """One expert's review: a mark for every (bid, review item)."""

    expert_id: str
    marks: Mapping[Cell, Mark]


@dataclass(frozen=True)
class ScoreSheet:
    """One expert's scores: a score for every (valid bid, subjective criterion)."""

    expert_id: str
    scores: Mapping[Cell, Decimal]


def check_bids(bids: Sequence[Bid]) -> None:
    """Refuse a bid list the arithmetic cannot rank: repeated ids or credit codes, a price that
    is not a positive amount in yuan, a receipt time without a timezone."""
    ids: set[str] = set()
    bidders: set[str] = set()
    for bid in bids:
        if not bid.id or bid.id in ids:
            raise InvalidInput(f"bid id '{bid.id}' is empty or repeated", field="bids", bid=bid.id)
        if not bid.bidder_uscc or bid.bidder_uscc in bidders:
            raise InvalidInput(
                f"bid {bid.id}: bidder {bid.bidder_uscc!r} is empty or has another bid in this "
                "section",
                field="bidder_uscc",
                bid=bid.id,
            )
        ids.add(bid.id)
        bidders.add(bid.bidder_uscc)
        if not is_amount(bid.price) or bid.price <= 0:
            raise InvalidInput(
                f"bid {bid.id}: price {bid.price!r} is not a positive amount in yuan (two places)",
                field="price",
                bid=bid.id,
            )
        if not isinstance(bid.received_at, datetime) or bid.received_at.utcoffset() is None:
            raise InvalidInput(
                f"bid {bid.id}: received_at must be a timezone-aware time",
                field="received_at",
                bid=bid.id,
            )


def check_experts(expert_ids: Iterable[str], what: str) -> tuple[str, ...]:
    """The experts of the sheets, in id order; refuses a repeated or empty id."""
    seen: list[str] = []
    for expert in expert_ids:
        if not expert or expert in seen:
            raise InvalidInput(
                f"{what}: expert id '{expert}' is empty or has two sheets",
                field="expert_id",
                expert=expert,
            )
        seen.append(expert)
    return tuple(sorted(seen))


def is_amount(value: object) -> bool:
    """A finite ``Decimal`` (or int) with at most two places: yuan or points, never a float."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return False
    number = Decimal(value)
    return number.is_finite() and places_of(number) <= 2
