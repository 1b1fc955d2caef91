"""Statuses of listings, registrations and deposits, with their transition tables (pure: the
standard library and ``prex.shared`` only).

A listing moves ``draft → announced → listing → round → sold | failed`` (an English auction skips
``listing``); it may be ``cancelled`` until bidding closes. Nothing assigns a status without
:func:`require_transition`, which names both states when the move is not in the table.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from prex.shared.errors import InvalidTransition


class ListingStatus(StrEnum):
    DRAFT = "draft"  # 草稿: being set up by the centre; seen by nobody else
    ANNOUNCED = "announced"  # 已公告: announcement period; bidders register and pay deposits
    LISTING = "listing"  # 挂牌期: quotes accepted until ``listing_ends_at``
    ROUND = "round"  # 限时竞价 (or the English auction): every accepted bid resets the countdown
    SOLD = "sold"  # 成交: the best bid reached the reserve
    FAILED = "failed"  # 流拍: no bid, or the best bid below the reserve
    CANCELLED = "cancelled"  # 终止: withdrawn by the centre before bidding closed, with a reason


TERMINAL = frozenset({ListingStatus.SOLD, ListingStatus.FAILED, ListingStatus.CANCELLED})
# Bidding closed: the outcome (and the reserve) may be published.
CLOSED = frozenset({ListingStatus.SOLD, ListingStatus.FAILED})
# Bidders may apply, be reviewed and pay deposits (bidding has not closed, the round not begun).
OPEN_FOR_REGISTRATION = frozenset({ListingStatus.ANNOUNCED, ListingStatus.LISTING})
# What the public sees: everything but drafts.
PUBLIC = frozenset(set(ListingStatus) - {ListingStatus.DRAFT})

_L = ListingStatus
_TRANSITIONS: dict[ListingStatus, frozenset[ListingStatus]] = {
    _L.DRAFT: frozenset({_L.ANNOUNCED, _L.CANCELLED}),
    _L.ANNOUNCED: frozenset({_L.LISTING, _L.ROUND, _L.FAILED, _L.CANCELLED}),
    _L.LISTING: frozenset({_L.ROUND, _L.SOLD, _L.FAILED, _L.CANCELLED}),
    _L.ROUND: frozenset({_L.SOLD, _L.FAILED, _L.CANCELLED}),
    _L.SOLD: frozenset(),
    _L.FAILED: frozenset(),
    _L.CANCELLED: frozenset(),
}
_VALUES = frozenset(s.value for s in ListingStatus)


def require_transition(listing_id: str, current: str, target: ListingStatus) -> ListingStatus:
    """The target status, or :class:`InvalidTransition` naming both states."""
    allowed = _TRANSITIONS.get(_L(current)) if current in _VALUES else None
    if allowed is None or target not in allowed:
        raise InvalidTransition("listing", listing_id, current, target.value)
    return target


class Eligibility(StrEnum):
    PENDING = "pending"  # applied; the centre has not reviewed it
    APPROVED = "approved"  # 资格审核通过: may bid once its deposit is confirmed
    REFUSED = "refused"  # 不符合竞买条件: with the reason


class DepositStatus(StrEnum):
    UNPAID = "unpaid"  # no confirmed payment yet
    CONFIRMED = "confirmed"  # 保证金已到账: the bank's payment is matched to the registration
    RELEASED = "released"  # refunded after the close (the bidding side settles it)
    APPLIED = "applied"  # counted toward the winner's price (the bidding side settles it)


def deposit_ok(row: Any) -> bool:
    """Whether a registration may bid: its eligibility approved and its deposit confirmed (a
    released or applied deposit no longer backs a bid)."""
    return bool(
        row.eligibility == Eligibility.APPROVED.value
        and row.deposit_status == DepositStatus.CONFIRMED.value
    )
