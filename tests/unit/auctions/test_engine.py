"""The bidding book: hand-made cases for each rule, and properties over any sequence of bids
applied in server order — accepted prices strictly increase by at least the increment, sequence
numbers have no gaps, nothing is accepted outside its period, and exactly one winner or none."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from prex.auctions.engine import (
    Accepted,
    Book,
    Phase,
    Refusal,
    Refused,
    Result,
    apply_bid,
    end_listing,
    end_round,
    open_listing,
    outcome,
    start_auction,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ENDS = T0 + timedelta(days=14)
COUNTDOWN = timedelta(seconds=300)


def book(**change: object) -> Book:
    base = Book(
        start_price=Decimal("10000000.00"),
        increment=Decimal("100000.00"),
        countdown=COUNTDOWN,
        opens_at=T0,
        listing_ends_at=ENDS,
    )
    return open_listing(base.__class__(**{**base.__dict__, **change}), T0)


def test_the_first_quote_reaches_the_start_price_and_later_ones_the_increment() -> None:
    b = book()
    b, low = apply_bid(b, "A", Decimal("9999999.99"), T0)
    assert isinstance(low, Refused) and low.reason is Refusal.TOO_LOW
    assert low.minimum == Decimal("10000000.00") and low.best is None
    b, first = apply_bid(b, "A", Decimal("10000000.00"), T0)
    assert isinstance(first, Accepted) and first.seq == 1
    b, short = apply_bid(b, "B", Decimal("10099999.99"), T0)
    assert isinstance(short, Refused) and short.minimum == Decimal("10100000.00")
    assert short.best == Decimal("10000000.00")
    b, again = apply_bid(b, "A", Decimal("10500000.00"), T0)
    assert isinstance(again, Refused) and again.reason is Refusal.LEADING
    b, second = apply_bid(b, "B", Decimal("10350000.00"), T0)  # any amount ≥ best + increment
    assert isinstance(second, Accepted) and second.seq == 2 and b.leader == "B"


def test_no_quote_before_the_listing_opens_or_at_its_end() -> None:
    waiting = Book(Decimal(1), Decimal(1), COUNTDOWN, T0, ENDS)
    assert (
        apply_bid(waiting, "A", Decimal(5), T0 - timedelta(seconds=1))[1].reason is Refusal.NOT_OPEN
    )  # type: ignore[union-attr]
    b = book()
    _, late = apply_bid(b, "A", Decimal("10000000.00"), ENDS)
    assert isinstance(late, Refused) and late.reason is Refusal.LISTING_ENDED


def test_a_timed_round_resets_its_countdown_and_a_bid_at_the_expiry_is_refused() -> None:
    b = book()
    b, _ = apply_bid(b, "A", Decimal("10000000.00"), T0)
    b = end_listing(b, ENDS, frozenset({"A", "B"}))
    assert b.phase is Phase.ROUND and b.round_ends_at == ENDS + COUNTDOWN
    _, outsider = apply_bid(b, "C", Decimal("20000000.00"), ENDS)
    assert isinstance(outsider, Refused) and outsider.reason is Refusal.NOT_IN_ROUND
    at = ENDS + timedelta(seconds=299)
    b, bid = apply_bid(b, "B", Decimal("10100000.00"), at)
    assert isinstance(bid, Accepted) and bid.round_ends_at == at + COUNTDOWN
    expiry = at + COUNTDOWN
    b, late = apply_bid(b, "A", Decimal("10200000.00"), expiry)  # exactly as it ends
    assert isinstance(late, Refused) and late.reason is Refusal.ROUND_ENDED
    assert end_round(b, expiry - timedelta(microseconds=1)).phase is Phase.ROUND
    closed = end_round(b, expiry)
    assert outcome(closed, Decimal("10100000.00")) == outcome(closed, None)
    assert outcome(closed, Decimal("10100000.00")).winner == "B"
    assert outcome(closed, Decimal("10100000.01")).result is Result.BELOW_RESERVE


def test_one_bidder_at_the_end_wins_at_its_quote_if_it_reaches_the_reserve() -> None:
    b = book()
    b, _ = apply_bid(b, "A", Decimal("10000000.00"), T0)
    closed = end_listing(b, ENDS, frozenset({"A"}))
    assert closed.phase is Phase.CLOSED
    assert outcome(closed, Decimal("9000000")).price == Decimal("10000000.00")
    assert outcome(closed, Decimal("12000000")).result is Result.BELOW_RESERVE
    assert outcome(end_listing(book(), ENDS, frozenset()), None).result is Result.NO_BID


def test_an_english_auction_is_a_timed_round_from_its_start() -> None:
    base = Book(Decimal(100), Decimal(10), COUNTDOWN, T0, T0)
    b = start_auction(base, T0, frozenset({"A", "B"}))
    assert b.phase is Phase.ROUND and b.round_ends_at == T0 + COUNTDOWN
    b, bid = apply_bid(b, "A", Decimal(100), T0 + timedelta(seconds=10))
    assert isinstance(bid, Accepted) and b.round_ends_at == T0 + timedelta(seconds=310)


bids = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", "D"]),
        st.integers(min_value=9_900, max_value=10_600),  # hundreds of yuan
        st.integers(min_value=0, max_value=400),  # seconds since the previous bid
    ),
    max_size=60,
)


@given(bids, st.booleans())
def test_accepted_bids_strictly_increase_without_gaps_and_one_winner_at_most(
    seq: list[tuple[str, int, int]], english: bool
) -> None:
    if english:
        b = start_auction(
            Book(Decimal("990000"), Decimal("10000"), COUNTDOWN, T0, T0), T0, frozenset("ABCD")
        )
    else:
        b = open_listing(
            Book(Decimal("990000"), Decimal("10000"), COUNTDOWN, T0, T0 + timedelta(hours=1)), T0
        )
    at = T0
    accepted: list[Accepted] = []
    for bidder, hundreds, gap in seq:
        at += timedelta(seconds=gap)
        if b.phase is Phase.LISTING and at >= b.listing_ends_at:
            b = end_listing(b, b.listing_ends_at, frozenset("AB"))
        if b.phase is Phase.ROUND:
            b = end_round(b, at)
        before = b
        b, decision = apply_bid(b, bidder, Decimal(hundreds * 100), at)
        if isinstance(decision, Accepted):
            assert decision.amount >= before.minimum and decision.seq == before.seq + 1
            if before.phase is Phase.ROUND:
                assert before.round_ends_at is not None and at < before.round_ends_at
                assert b.round_ends_at == at + COUNTDOWN
            accepted.append(decision)
        else:
            assert b == before  # a refusal changes nothing
    assert [a.seq for a in accepted] == list(range(1, len(accepted) + 1))
    prices = [a.amount for a in accepted]
    assert all(later >= earlier + Decimal("10000") for earlier, later in itertools.pairwise(prices))
    assert all(x.bidder != y.bidder for x, y in itertools.pairwise(accepted))
    final = end_round(
        end_listing(b, max(at, b.listing_ends_at), frozenset()), at + timedelta(days=1)
    )
    if final.phase is Phase.CLOSED:
        result = outcome(final, None)
        assert (result.winner is None) == (not accepted)
        if accepted:
            assert result.winner == accepted[-1].bidder and result.price == accepted[-1].amount
