"""The redraw after a dissolution (评标中断): its seed is derived from the committed one (HMAC,
per round, never the seed itself), no expert drawn or excluded in an earlier round is drawn
again, a first draw's record is unchanged by the redraw's additions, and a redraw's record
replays only with a seed derived from the root it names and the public input it must have."""

from __future__ import annotations

import hashlib
import hmac
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prex.experts import draw as d
from tests.unit.experts.test_draw import AVOID, SPEC, expert, pool, seed


def redraw_record(
    root: bytes, round_no: int, previous: d.Draw, expired_at: str = "2026-11-27T12:00:00+00:00"
) -> dict[str, object]:
    """The record of ``round_no`` as the platform builds and reveals it."""
    first = previous.record()
    avoid = d.Avoidance(
        AVOID.bidder_usccs,
        AVOID.tenderer_uscc,
        AVOID.supervisor_usccs,
        AVOID.max_serves,
        drawn_before=frozenset(x.expert_id for x in previous.draws),
        excluded_before=frozenset(e for e, _ in previous.excluded),
    )
    previous_sha256 = hashlib.sha256(d.canonical(first)).hexdigest()
    public_input = d.redraw_input(previous_sha256, expired_at)
    result = d.draw(big_pool(), SPEC, avoid, d.redraw_seed(root, round_no), public_input)
    record = result.record()
    record["round"] = round_no
    record["redraw"] = {
        "dissolved_round": round_no - 1,
        "previous_record_sha256": previous_sha256,
        "interruption_expired_at": expired_at,
        "root_seed_sha256": d.commitment(root),
    }
    return dict(record, seed=d.redraw_seed(root, round_no).hex(), root_seed=root.hex())


def big_pool() -> list[object]:
    """The test pool with enough spare experts in each quota for a second committee."""
    spare = [expert(i) for i in range(30, 40)]
    spare += [expert(i, specialties=("B02",)) for i in range(40, 44)]
    spare += [expert(i, centre="centre-sub") for i in range(50, 56)]
    return [*pool(), *spare]


@settings(max_examples=60, deadline=None)
@given(root=st.binary(min_size=32, max_size=32), round_no=st.integers(min_value=2, max_value=50))
def test_a_round_seed_is_the_hmac_of_the_committed_seed_and_the_round(
    root: bytes, round_no: int
) -> None:
    derived = d.redraw_seed(root, round_no)
    expected = hmac.new(root, b"prex-redraw\0" + struct.pack(">Q", round_no), hashlib.sha256)
    assert derived == expected.digest() and derived != root
    assert d.redraw_seed(root, round_no + 1) != derived
    assert d.commitment(derived) != d.commitment(root)


def test_the_first_round_is_not_a_redraw() -> None:
    with pytest.raises(d.InvalidInput):
        d.redraw_seed(seed(1), 1)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(min_value=0, max_value=10_000))
def test_no_expert_of_an_earlier_round_is_drawn_again_and_the_record_replays(n: int) -> None:
    root = seed(n)
    first = d.draw(big_pool(), SPEC, AVOID, root, public_input=f"deadline-{n}")
    record = redraw_record(root, 2, first)
    earlier = {x.expert_id for x in first.draws}
    again = {x["expert_id"] for x in record["draws"]}  # type: ignore[attr-defined]
    assert earlier.isdisjoint(again)
    reasons = dict((e["expert_id"], e["reason"]) for e in record["excluded"])  # type: ignore[attr-defined]
    assert {reasons[e] for e in earlier} == {"drawn-before"}
    assert {reasons[e] for e, _ in first.excluded} <= set(d.REASONS) - {"drawn-before"}
    assert d.replay(record) == record


def test_a_first_draws_record_has_no_redraw_fields() -> None:
    first = d.draw(big_pool(), SPEC, AVOID, seed(3), public_input="deadline").record()
    assert "round" not in first and "redraw" not in first
    assert set(first["avoidance"]) == {
        "bidder_usccs",
        "tenderer_uscc",
        "supervisor_usccs",
        "max_serves",
    }


def test_a_redraw_replays_only_with_the_derived_seed_and_the_fixed_public_input() -> None:
    root = seed(7)
    first = d.draw(big_pool(), SPEC, AVOID, root, public_input="deadline")
    record = redraw_record(root, 2, first)
    assert d.replay(record) == record

    # A seed of the platform's choosing, committed to in the record, is caught by the root.
    chosen = seed(8)
    forged = dict(record, seed=chosen.hex(), seed_sha256=d.commitment(chosen))
    with pytest.raises(d.ReplayMismatch, match="root seed"):
        d.replay(forged)
    # A root that is not the one committed before the deadline.
    with pytest.raises(d.ReplayMismatch, match="first commitment"):
        d.replay(dict(record, root_seed=chosen.hex()))
    # A public input other than the dissolved record's digest and the limit's expiry.
    with pytest.raises(d.ReplayMismatch, match="public input"):
        d.replay(dict(record, public_input="something-chosen-later"))
    # The round number is part of the seed.
    with pytest.raises(d.ReplayMismatch, match="root seed"):
        d.replay(dict(record, round=3))
