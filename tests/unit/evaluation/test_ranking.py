"""Ranking: every tie-break level decides in its turn, and the candidate says which one did."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta, timezone
from decimal import Decimal as D

import pytest

from prex.evaluation.method_toml import load_evaluation_method
from prex.evaluation.ranking import rank
from prex.shared.errors import InvalidInput
from tests.unit.evaluation.examples import bid, method

TIES = load_evaluation_method(
    """
[evaluation]
kind = "comprehensive"
total_points = 100
tie_breaks = ["total", "price", "group:technical", "received_at", "bidder_uscc"]
[evaluation.criteria.price]
name = "价格"
kind = "price"
max_points = 30
[evaluation.criteria.tech]
name = "技术"
kind = "subjective"
max_points = 50
step = 0.5
group = "technical"
[evaluation.criteria.biz]
name = "商务"
kind = "subjective"
max_points = 20
step = 0.5
group = "business"
[evaluation.price]
rule = "lowest_valid"
[evaluation.aggregation]
method = "mean"
""",
    origin="ties.toml",
)


def row(price: str, tech: str, biz: str) -> dict[str, D]:
    return {"price": D(price), "tech": D(tech), "biz": D(biz)}


def test_each_tie_break_decides_in_its_turn() -> None:
    bids = [
        bid("T1", "100.00", minutes=10, uscc="91000000000000001A"),
        bid("T2", "90.00", minutes=10, uscc="91000000000000002A"),
        bid("T3", "100.00", minutes=10, uscc="91000000000000003A"),
        bid("T4", "100.00", minutes=20, uscc="91000000000000004A"),  # received earlier
        bid("T5", "100.00", minutes=10, uscc="91000000000000005A"),
        bid("T6", "120.00", minutes=1, uscc="91000000000000006A"),
    ]
    scores = {
        "T1": row("25", "40", "15"),  # 80
        "T2": row("30", "35", "15"),  # 80, lower price
        "T3": row("25", "45", "10"),  # 80, same price as T1, more technical points
        "T4": row("25", "40", "15"),  # as T1, received earlier
        "T5": row("25", "40", "15"),  # as T1 to the minute, a later credit code
        "T6": row("25", "45", "15"),  # 85
    }
    ranking = rank(TIES, list(reversed(bids)), scores=scores)
    assert [(c.rank, c.bid_id, c.total, c.decided_by) for c in ranking] == [
        (1, "T6", D(85), None),
        (2, "T2", D(80), "total"),
        (3, "T3", D(80), "price"),
        (4, "T4", D(80), "group:technical"),
        (5, "T1", D(80), "received_at"),
        (6, "T5", D(80), "bidder_uscc"),
    ]
    t1 = ranking[4]
    assert [name for name, _ in t1.key] == list(TIES.tie_breaks)
    assert dict(t1.key)["group:technical"] == D(40)
    assert t1.scores == scores["T1"]


def test_receipt_times_compare_as_instants_whatever_their_zone() -> None:
    a = bid("A", "100.00", minutes=10, uscc="91000000000000001A")
    # B arrived a minute before A; its time is written in Beijing time (09:29+08:00 vs 01:20Z…).
    b = bid("B", "100.00", minutes=11, uscc="91000000000000002A")
    b = replace(b, received_at=b.received_at.astimezone(timezone(timedelta(hours=8))))
    scores = {"A": row("30", "40", "10"), "B": row("30", "40", "10")}
    ranking = rank(TIES, [a, b], scores=scores)
    assert [(c.bid_id, c.decided_by) for c in ranking] == [("B", None), ("A", "received_at")]


def test_ranking_refuses_missing_or_impossible_points() -> None:
    bids = [bid("A", "100.00")]
    with pytest.raises(InvalidInput, match="bid A, criterion biz: points None missing"):
        rank(TIES, bids, scores={"A": {"price": D(30), "tech": D(40)}})
    with pytest.raises(InvalidInput, match="bid A, criterion tech: points Decimal\\('51'\\)"):
        rank(TIES, bids, scores={"A": row("30", "51", "10")})


def test_ranking_refuses_two_bids_from_one_bidder_and_a_time_without_zone() -> None:
    twice = [bid("A", "100.00", uscc="X"), bid("B", "90.00", uscc="X")]
    with pytest.raises(InvalidInput, match="bid B: bidder 'X' is empty or has another bid"):
        rank(method("engineering-lowest-price"), twice)
    naive = bid("A", "100.00")
    naive = replace(naive, received_at=naive.received_at.replace(tzinfo=None))
    with pytest.raises(InvalidInput, match="bid A: received_at must be a timezone-aware time"):
        rank(method("engineering-lowest-price"), [naive])


def test_a_qualification_method_ranks_nothing() -> None:
    with pytest.raises(InvalidInput, match="a qualification method ranks nothing"):
        rank(method("qualification"), [bid("A", "1.00")])
