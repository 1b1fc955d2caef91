"""The verifiable draw: avoidance exclusions with their reasons, no excluded expert ever drawn,
every eligible one drawable, byte-for-byte replay from the published record and seed, and the
committee rules of Bidding Law art. 37."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prex.experts import draw as d
from prex.experts.pool import PoolExpert
from prex.shared.errors import InvalidInput

MAIN, SUB = "centre-main", "centre-sub"
BIDDERS = frozenset({"91330100BIDDER0001", "91330100BIDDER0002"})
TENDERER = "91330100TENDERER01"
SUPERVISOR = "11330100SUPERVISOR"
SPEC = d.CommitteeSpec(
    venues=(
        d.Venue(MAIN, (d.Quota("A01", 2, 1), d.Quota("B02", 1, 1))),
        d.Venue(SUB, (d.Quota("A01", 2, 1),)),
    )
)
AVOID = d.Avoidance(BIDDERS, TENDERER, frozenset({SUPERVISOR}), max_serves=3)


def seed(n: int) -> bytes:
    return hashlib.sha256(f"seed-{n}".encode()).digest()


def expert(
    n: int,
    centre: str = MAIN,
    specialties: tuple[str, ...] = ("A01",),
    employer: str | None = "91330100OTHER00001",
    **kwargs: object,
) -> PoolExpert:
    fields: dict[str, object] = {
        "declared_usccs": frozenset(),
        "blacklisted": False,
        "unavailable": False,
        "served_by_tenderer": (),
        **kwargs,
    }
    return PoolExpert(f"E{n:05d}", centre, employer, frozenset(specialties), **fields)  # type: ignore[arg-type]


def pool() -> list[PoolExpert]:
    experts = [expert(i) for i in range(1, 9)]
    experts += [expert(i, specialties=("B02", "A01")) for i in range(9, 12)]
    experts += [expert(i, centre=SUB) for i in range(20, 26)]
    experts += [
        expert(90, blacklisted=True),
        expert(91, unavailable=True),
        expert(92, employer="91330100BIDDER0002"),
        expert(93, employer=TENDERER),
        expert(94, employer=SUPERVISOR),
        expert(95, declared_usccs=frozenset({"91330100BIDDER0001"})),
        expert(96, served_by_tenderer=((TENDERER, 3),)),
        expert(97, served_by_tenderer=((TENDERER, 2), ("91330100SOMEONE001", 9))),  # allowed
        expert(98, centre="centre-elsewhere"),  # not in any venue's pool
    ]
    return experts


def test_avoidance_excludes_with_the_first_reason_that_applies() -> None:
    result = d.draw(pool(), SPEC, AVOID, seed(1))
    assert dict(result.excluded) == {
        "E00090": "blacklisted",
        "E00091": "unavailable",
        "E00092": "bidder-employee",
        "E00093": "tenderer-employee",
        "E00094": "supervisor-staff",
        "E00095": "declared-interest",
        "E00096": "served-too-often",
    }
    eligible = {e for members in result.pool.values() for e, _ in members}
    assert "E00097" in eligible and "E00098" not in eligible
    both = expert(99, blacklisted=True, employer="91330100BIDDER0001")
    assert dict(d.draw([*pool(), both], SPEC, AVOID, seed(1)).excluded)["E00099"] == "blacklisted"


def test_the_draw_fills_every_quota_with_distinct_eligible_experts() -> None:
    result = d.draw(pool(), SPEC, AVOID, seed(2))
    roles = [(x.venue, x.specialty, x.role) for x in result.draws]
    assert roles == [  # the scarcer specialty first: B02 has 3 eligible experts, A01 has 9
        (MAIN, "B02", "member"),
        (MAIN, "B02", "standby"),
        (MAIN, "A01", "member"),
        (MAIN, "A01", "member"),
        (MAIN, "A01", "standby"),
        (SUB, "A01", "member"),
        (SUB, "A01", "member"),
        (SUB, "A01", "standby"),
    ]
    ids = [x.expert_id for x in result.draws]
    assert len(set(ids)) == len(ids)
    by_id = {e.expert_id: e for e in pool()}
    for x in result.draws:
        assert (
            by_id[x.expert_id].centre_id == x.venue
            and x.specialty in by_id[x.expert_id].specialties
        )


@settings(max_examples=200, deadline=None)
@given(
    seed_bytes=st.binary(min_size=32, max_size=32),
    flags=st.lists(
        st.tuples(st.booleans(), st.booleans(), st.sampled_from([None, *BIDDERS, TENDERER])),
        min_size=30,
        max_size=30,
    ),
)
def test_no_excluded_expert_is_ever_drawn(
    seed_bytes: bytes, flags: list[tuple[bool, bool, str | None]]
) -> None:
    experts = [
        expert(
            i,
            centre=MAIN if i % 3 else SUB,
            specialties=("A01", "B02") if i % 2 else ("A01",),
            employer=employer,
            blacklisted=black,
            unavailable=away,
        )
        for i, (black, away, employer) in enumerate(flags)
    ]
    try:
        result = d.draw(experts, SPEC, AVOID, seed_bytes)
    except d.DrawImpossible:
        return  # too few eligible for this spec: refused, never filled with excluded experts
    excluded = {e for e, _ in result.excluded}
    assert excluded.isdisjoint(x.expert_id for x in result.draws)
    assert excluded == {
        e.expert_id
        for e in experts
        if e.blacklisted or e.unavailable or e.employer_uscc in (BIDDERS | {TENDERER})
    }


def test_every_eligible_expert_can_be_drawn() -> None:
    """Over 300 fixed seeds every eligible expert of the right venue and specialty is drawn at
    least once (a miss has probability below 10^-30 for a fair draw)."""
    seen: set[str] = set()
    for n in range(300):
        seen |= {x.expert_id for x in d.draw(pool(), SPEC, AVOID, seed(n)).draws}
    eligible = {
        e for members in d.draw(pool(), SPEC, AVOID, seed(0)).pool.values() for e, _ in members
    }
    assert seen == eligible


def test_the_published_record_replays_byte_for_byte() -> None:
    secret = seed(7)
    result = d.draw(pool(), SPEC, AVOID, secret, public_input="ab" * 32)
    other = d.draw(pool(), SPEC, AVOID, secret, public_input="cd" * 32)
    assert result.draws != other.draws  # the public input changes the draw
    before = result.record()  # published with the result; the seed is revealed with it
    assert "seed" not in before and before["seed_sha256"] == hashlib.sha256(secret).hexdigest()
    published = json.loads(json.dumps(result.record(secret)))
    assert d.canonical(d.replay(published)) == d.canonical(published)
    # The same inputs in another order give the same record.
    shuffled = d.draw(list(reversed(pool())), SPEC, AVOID, secret, public_input="ab" * 32)
    assert d.canonical(shuffled.record(secret)) == d.canonical(published)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda r: r.update(seed=seed(8).hex()),
        lambda r: r.update(public_input="ff" * 32),
        lambda r: r["draws"][0].update(
            expert_id="E00001" if r["draws"][0]["expert_id"] != "E00001" else "E00002"
        ),
        lambda r: r["pool"][MAIN].pop(0),
        lambda r: r["pool"][MAIN].reverse(),
    ],
)
def test_a_tampered_record_does_not_replay(tamper: object) -> None:
    record = json.loads(json.dumps(d.draw(pool(), SPEC, AVOID, seed(9)).record(seed(9))))
    tamper(record)  # type: ignore[operator]
    with pytest.raises(d.ReplayMismatch):
        d.replay(record)


def test_a_refusal_is_replaced_by_the_next_standby_of_the_same_quota() -> None:
    result = d.draw(pool(), SPEC, AVOID, seed(3))
    standby = [
        x for x in result.draws if x.role == "standby" and x.venue == MAIN and x.specialty == "A01"
    ]
    assert d.next_standby(result.draws, MAIN, "A01", set()) == standby[0]
    with pytest.raises(d.DrawImpossible):
        d.next_standby(result.draws, MAIN, "A01", {standby[0].expert_id})


@pytest.mark.parametrize(
    ("quotas", "representatives", "message"),
    [
        ((d.Quota("A01", 4),), 0, "5人以上单数"),
        ((d.Quota("A01", 6),), 0, "5人以上单数"),
        ((d.Quota("A01", 3),), 2, "三分之二"),
    ],
)
def test_the_committee_must_follow_article_37(
    quotas: tuple[d.Quota, ...], representatives: int, message: str
) -> None:
    spec = d.CommitteeSpec((d.Venue(MAIN, quotas),), representatives)
    with pytest.raises(InvalidInput, match=message):
        d.draw(pool(), spec, AVOID, seed(1))
    assert d.CommitteeSpec((d.Venue(MAIN, (d.Quota("A01", 4),)),), 1).size == 5


def test_too_few_eligible_experts_is_refused_not_filled() -> None:
    spec = d.CommitteeSpec((d.Venue(SUB, (d.Quota("A01", 5, 2),)),))
    with pytest.raises(d.DrawImpossible, match="too few eligible experts"):
        d.draw(pool(), spec, AVOID, seed(1))


@settings(max_examples=300, deadline=None)
@given(seed_bytes=st.binary(min_size=32, max_size=32), n=st.integers(1, 10**6))
def test_the_stream_stays_in_range(seed_bytes: bytes, n: int) -> None:
    stream = d._Stream(seed_bytes)
    assert all(0 <= stream.below(n) < n for _ in range(5))
