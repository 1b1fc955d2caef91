"""The market rules (M001–M006) on tiny hand-made markets: each fires on its pattern and not on
a near miss."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.unit.analytics.tables import T0, bid, connect, flagged_lots, lot, run


def rotation(
    winners: list[str], *, cover_gap: float = 0.02, extra: dict[str, int] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A and B bid together in one lot per winner, the named one winning at 1,000,000 and the
    other covering ``cover_gap`` above, with an outsider who loses; or, where the winner is
    another name, that outsider winning below both. ``extra`` gives bidders more lots of their
    own elsewhere."""
    bids, lots = [], []
    for i, winner in enumerate(winners):
        lot_id = f"T{i}/L1"
        first, other = (winner, "B" if winner == "A" else "A") if winner in "AB" else ("A", "B")
        bids += [
            bid(lot_id, first, price=1_000_000),
            bid(lot_id, other, price=round(1_000_000 * (1 + cover_gap))),
        ]
        if winner in "AB":  # an outsider who loses
            bids.append(bid(lot_id, f"C{i}", price=1_100_000))
        else:  # an outsider (a recurring one when its name repeats) who wins
            bids.append(bid(lot_id, winner, price=900_000))
        lots.append(lot(lot_id, winner, 1_000_000 if winner in "AB" else 900_000))
    for bidder, count in (extra or {}).items():
        for j in range(count):
            lot_id = f"X{bidder}{j}/L1"
            bids += [
                bid(lot_id, bidder, price=900_000),
                bid(lot_id, f"D{bidder}{j}", price=950_000),
            ]
            lots.append(lot(lot_id, bidder, 900_000))
    return bids, lots


def test_bid_rotation_in_a_recurring_pair() -> None:
    bids, lots = rotation(["A", "B", "A", "B", "A"])
    hits = run("M001", connect(bids, lots))
    assert flagged_lots(hits) == {f"T{i}/L1" for i in range(5)}
    detail = hits[0].detail
    assert detail["winner"] == "A"
    assert detail["partners"] == [
        {"bidder": "B", "meetings": 5, "jaccard": 1.0, "wins": 2, "group_share": 1.0}
    ]


def test_no_rotation_when_one_always_wins_or_they_rarely_meet() -> None:
    assert run("M001", connect(*rotation(["A"] * 5))) == []
    assert run("M001", connect(*rotation(["A", "B", "A", "B"]))) == []  # four meetings < five
    # they meet five times, but each bids in many other lots: no recurring group
    assert run("M001", connect(*rotation(["A", "B", "A", "B", "A"], extra={"A": 6, "B": 6}))) == []
    hits = run("M001", connect(*rotation(["A", "B", "A", "B"])), min_meetings=4)
    assert len(hits) == 4


def test_no_rotation_when_outsiders_win_a_fair_share() -> None:
    # outsiders X1 and X2 win two of the seven lots A and B bid for together: 5/7 < 0.8
    assert run("M001", connect(*rotation(["A", "B", "X1", "A", "B", "X2", "A"]))) == []
    assert (
        len(
            run(
                "M001",
                connect(*rotation(["A", "B", "X1", "A", "B", "X2", "A"])),
                min_group_share=0.7,
            )
        )
        == 5
    )


def test_a_third_member_who_wins_is_no_outsider() -> None:
    # K wins twice and bids in every lot: a recurring partner of A and B, so the group is closed
    bids, lots = rotation(["A", "B", "K", "A", "B", "K", "A"])
    for i in (0, 1, 3, 4, 6):
        bids.append(bid(f"T{i}/L1", "K", price=1_200_000))
    hits = run("M001", connect(bids, lots))
    assert flagged_lots(hits) == {f"T{i}/L1" for i in (0, 1, 2, 3, 4, 5, 6)}


def test_cover_bids_just_above_the_partner() -> None:
    hits = run("M002", connect(*rotation(["A", "B", "A", "B", "A"], cover_gap=0.015)))
    assert len(hits) == 5
    assert hits[0].detail == {"winner": "A", "covers": [{"bidder": "B", "gap": 0.015}]}


def test_a_loser_not_always_just_above_is_no_cover() -> None:
    bids, lots = rotation(["A", "B", "A", "B", "A"], cover_gap=0.015)
    # in lot 2 B loses to A by 8 %: B does not always sit just above A
    for row in bids:
        if row["lot_id"] == "T2/L1" and row["bidder_id"] == "B":
            row["price"] = row["price"] * 0 + 1_080_000
    hits = run("M002", connect(bids, lots))
    assert {h.detail["winner"] for h in hits} == {"B"}  # A still covers B's two wins
    assert run("M002", connect(*rotation(["A", "B", "A", "B", "A"], cover_gap=0.08))) == []


def awards(
    buyer: str, winners: list[str], amounts: list[float] | None = None
) -> list[dict[str, Any]]:
    amounts = amounts or [1_000_000] * len(winners)
    return [
        lot(f"T{buyer}{i}/L1", w, a, buyer=buyer)
        for i, (w, a) in enumerate(zip(winners, amounts, strict=True))
    ]


def test_winner_concentration() -> None:
    con = connect(lots=awards("G1", ["S1", "S1", "S1", "S1", "S2", "S3"]))
    [hit] = run("M003", con)
    assert (hit.group, hit.subject_id) == ("Buyer", "G1")
    assert hit.value == pytest.approx(4 / 6)
    assert hit.detail == {
        "transaction_type": "engineering",
        "year": 2025,
        "supplier": "S1",
        "wins": 4,
        "awards": 6,
    }
    assert run("M003", connect(lots=awards("G1", ["S1", "S1", "S2", "S3", "S4", "S5"]))) == []
    assert run("M003", connect(lots=awards("G1", ["S1", "S1", "S1", "S2", "S3"]))) == []  # 5 awards


def test_hhi() -> None:
    amounts = [5_500_000] + [500_000] * 9
    winners = ["S1"] + [f"S{i}" for i in range(2, 11)]
    [hit] = run("M004", connect(lots=awards("G1", winners, amounts)))
    share = [0.55] + [0.05] * 9
    assert hit.value == pytest.approx(sum((100 * s) ** 2 for s in share))
    assert hit.detail["largest_share"] == 0.55
    equal = awards("G1", [f"S{i}" for i in range(10)])
    assert run("M004", connect(lots=equal)) == []  # HHI 1,000


def splitting(
    amounts: list[float], days: list[int], method: str = "single_source"
) -> list[dict[str, Any]]:
    return [
        lot(f"T{i}/L1", "S1", a, buyer="G1", method=method, awarded=T0 + timedelta(days=d))
        for i, (a, d) in enumerate(zip(amounts, days, strict=True))
    ]


def test_threshold_splitting() -> None:
    [hit] = run("M005", connect(lots=splitting([3_700_000, 3_850_000, 3_990_000], [0, 30, 60])))
    assert hit.value == 3 and hit.detail["supplier"] == "S1"
    assert hit.detail["lots"] == ["T0/L1", "T1/L1", "T2/L1"]


@pytest.mark.parametrize(
    ("amounts", "days", "method"),
    [
        ([3_700_000, 3_850_000, 4_000_000], [0, 30, 60], "single_source"),  # one at the threshold
        ([3_700_000, 3_850_000, 3_500_000], [0, 30, 60], "single_source"),  # one far below
        ([3_700_000, 3_850_000, 3_990_000], [0, 100, 200], "single_source"),  # beyond 180 days
        ([3_700_000, 3_850_000, 3_990_000], [0, 30, 60], "open"),  # competitive
    ],
)
def test_threshold_splitting_near_misses(
    amounts: list[float], days: list[int], method: str
) -> None:
    assert run("M005", connect(lots=splitting(amounts, days, method))) == []


def test_threshold_splitting_over_every_method_with_an_empty_list() -> None:
    con = connect(lots=splitting([3_700_000, 3_850_000, 3_990_000], [0, 30, 60], "open"))
    assert len(run("M005", con, methods=[])) == 1


@pytest.mark.parametrize(
    ("award", "flagged"), [(995_000, True), (1_000_000, True), (985_000, False), (1_000_500, False)]
)
def test_winning_price_near_the_ceiling(award: float, flagged: bool) -> None:
    con = connect(lots=[lot("T1/L1", "S1", award, ceiling=1_000_000)])
    assert bool(run("M006", con)) is flagged
