"""The risk score and the alert levels: the documented weights, and the properties a supervisor
relies on — more hits never lower a score, it stays within 0–100, and order does not matter."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prex.analytics.risk.score import (
    AlertLevel,
    Weighed,
    level_for,
    points,
    rises,
    risk_score,
)
from prex.analytics.risk.service import subject_scores

weighed = st.builds(
    Weighed,
    code=st.sampled_from(["R018", "R024", "C001", "C002", "S001", "M001"]),
    severity=st.sampled_from(["low", "medium", "high"]),
    family=st.sampled_from(["cardinal", "collusion", "screen", "market"]),
)


def test_a_hit_is_worth_its_severity_times_its_family() -> None:
    assert points(Weighed("R018", "low", "cardinal")) == 5
    assert points(Weighed("C001", "high", "collusion")) == 45
    assert points(Weighed("M001", "medium", "market")) == 12


def test_repeated_hits_of_one_rule_count_half_as_much_each_time() -> None:
    one = Weighed("C001", "medium", "collusion")  # 22.5
    assert risk_score([one]) == 22.5
    assert risk_score([one, one]) == 33.7  # 22.5 + 11.25, rounded down
    assert risk_score([one, one, one]) == 39.3  # + 5.625
    other = Weighed("C002", "medium", "collusion")
    assert risk_score([one, other]) == 45.0  # two different presumptions add fully


def test_the_score_is_capped_at_a_hundred() -> None:
    hits = [Weighed(f"C{i:03d}", "high", "collusion") for i in range(5)]
    assert risk_score(hits) == 100.0


def test_unknown_severity_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="R018"):
        points(Weighed("R018", "extreme", "cardinal"))


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0.0, None),
        (19.9, None),
        (20.0, AlertLevel.FOURTH),
        (40.0, AlertLevel.THIRD),
        (59.9, AlertLevel.THIRD),
        (60.0, AlertLevel.SECOND),
        (80.0, AlertLevel.FIRST),
        (100.0, AlertLevel.FIRST),
    ],
)
def test_levels_follow_the_documented_floors(score: float, level: AlertLevel | None) -> None:
    assert level_for(score) is level


def test_only_a_more_serious_level_rises() -> None:
    assert rises(None, AlertLevel.FOURTH)
    assert rises(3, AlertLevel.SECOND)
    assert not rises(2, AlertLevel.SECOND)
    assert not rises(1, AlertLevel.THIRD)
    assert not rises(2, None)
    assert AlertLevel.FIRST.label_zh == "一级"


@given(st.lists(weighed, max_size=30), weighed)
def test_adding_a_hit_never_lowers_the_score(hits: list[Weighed], extra: Weighed) -> None:
    assert risk_score([*hits, extra]) >= risk_score(hits)


@given(st.lists(weighed, max_size=40))
def test_the_score_is_bounded(hits: list[Weighed]) -> None:
    assert 0.0 <= risk_score(hits) <= 100.0
    assert (risk_score(hits) == 0.0) == (not hits)


@given(st.lists(weighed, max_size=30), st.randoms(use_true_random=False))
def test_the_order_of_the_hits_does_not_matter(hits: list[Weighed], rnd: object) -> None:
    shuffled = list(hits)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert risk_score(shuffled) == risk_score(hits)


def row(
    code: str, grp: str, subject: str, tender: str | None, centre: str | None, **more: Any
) -> Any:
    fields = {"severity": "high", "family": "cardinal", **more}
    return SimpleNamespace(
        rule_code=code, grp=grp, subject_id=subject, tender_id=tender, centre_id=centre, **fields
    )


def test_hits_count_for_their_tender_and_bidder_and_buyers_are_not_scored() -> None:

    scores = subject_scores(
        [
            row("R018", "OCID", "ocds-1", None, None),  # an OCDS process is a tender
            row("R025", "Tenderer", "GB-1", None, None),  # an OCDS tenderer is a bidder
            row("R038", "Buyer", "GB-9", None, None),  # listed, not scored
            row("C001", "Lot", "L1", "T1", "C1"),  # a lot counts for its tender
            row("C002", "Bidder", "B1", "T1", "C1"),  # a bidder's hit: its tender and itself
        ]
    )
    assert scores == {
        ("tender", "ocds-1", ""): (30.0, 1),
        ("bidder", "GB-1", ""): (30.0, 1),
        ("tender", "T1", "C1"): (60.0, 2),
        ("bidder", "B1", "C1"): (30.0, 1),
    }


def test_a_lots_collusion_hit_counts_for_each_bidder_its_evidence_names() -> None:
    shared = {"bidders": ["B1", "B2"], "pairs": [{"bidders": ["B1", "B2"]}]}
    scores = subject_scores(
        [
            row("C001", "Lot", "L1", "T1", "C1", family="collusion", detail=shared),
            row("C003", "Lot", "L2", "T2", "C1", family="collusion", detail={"bidders": ["B2"]}),
            row("M004", "Buyer", "O9", None, "C1", detail={"share": 0.9}),  # no bidders named
        ]
    )
    assert scores == {
        ("tender", "T1", "C1"): (45.0, 1),
        ("tender", "T2", "C1"): (45.0, 1),
        ("bidder", "B1", "C1"): (45.0, 1),
        ("bidder", "B2", "C1"): (90.0, 2),
    }
