"""The expert draw: a committee drawn with avoidance from 100,000 experts for a tender with 50
bidders, against a plain random sample of the same pool.

Ours is ``prex.experts.draw.draw`` as the service calls it: every expert of the pool checked
against the avoidance rules (blacklist, availability, employer among the 50 bidders, the
tenderer or the supervising departments, declared interests, services for this tenderer), each
venue's eligible experts put in canonical order, the quotas drawn from the HMAC-SHA256 stream of
the seed with rejection sampling, and the record built. The baseline is ``random.sample`` of the
same number of experts from the same list — what a draw without avoidance, canonical order or
verifiability costs:

    .venv/bin/python bench/expert_draw.py            # 100,000 experts, 50 bidders, 15 rounds
    .venv/bin/python bench/expert_draw.py --quick    # smoke run: 5,000 experts, 5 rounds

Setup (not timed, fixed random seed): the experts spread over 12 centres (the main venue and two
sub venues among them), 1–3 specialties each out of 40 codes, employers among 20,000
organisations (some of them the bidders, the tenderer and a supervising department), 1 % on the
blacklist, 2 % unavailable, 3 % with a declared interest, 10 % with services for the tenderer.
The committee: main venue 3 members (two A01, one B02) with 2 standby, each sub venue one A01
member with one standby, 2 tenderer representatives: 7 in all. Each round draws with a fresh
seed; figures are medians over rounds. The aim (issue 5): under 100 ms.

It ends, as every benchmark here does, with one line per figure:

    RESULT <name> ours=<number><unit> baseline=<number><unit> ratio=<ours/baseline>
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import time

from prex.experts import draw as d
from prex.experts.pool import PoolExpert

AIM_MS = 100.0
CENTRES = [f"centre-{i:02d}" for i in range(12)]
MAIN, SUB1, SUB2 = CENTRES[0], CENTRES[5], CENTRES[9]
SPECIALTIES = [f"{chr(65 + i // 10)}{i % 10 + 1:02d}" for i in range(40)]  # A01 … D10


def uscc(n: int) -> str:
    return f"91330100MA{n:08d}"


def make_pool(size: int, rng: random.Random) -> tuple[list[PoolExpert], d.Avoidance]:
    bidders = frozenset(uscc(n) for n in range(1, 51))
    tenderer, supervisor = uscc(60), uscc(61)
    experts = []
    for i in range(size):
        employer = uscc(rng.randrange(1, 20_000))
        declared = frozenset({uscc(rng.randrange(1, 100))}) if rng.random() < 0.03 else frozenset()
        served = ((tenderer, rng.randrange(1, 6)),) if rng.random() < 0.1 else ()
        experts.append(
            PoolExpert(
                expert_id=f"01EXPERT{i:018d}",
                centre_id=rng.choice(CENTRES),
                employer_uscc=employer,
                specialties=frozenset(
                    rng.sample(SPECIALTIES, rng.randint(1, 3)) + ["A01"] * (i % 4 == 0)
                ),
                declared_usccs=declared,
                blacklisted=rng.random() < 0.01,
                unavailable=rng.random() < 0.02,
                served_by_tenderer=served,
            )
        )
    rng.shuffle(experts)
    return experts, d.Avoidance(bidders, tenderer, frozenset({supervisor}), max_serves=3)


SPEC = d.CommitteeSpec(
    venues=(
        d.Venue(MAIN, (d.Quota("A01", 2, 1), d.Quota("B02", 1, 1))),
        d.Venue(SUB1, (d.Quota("A01", 1, 1),)),
        d.Venue(SUB2, (d.Quota("A01", 1, 1),)),
    ),
    representatives=2,
)
DRAWN = sum(q.members + q.standby for v in SPEC.venues for q in v.quotas)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small and short")
    parser.add_argument("--experts", type=int, help="pool size (100,000; quick 5,000)")
    parser.add_argument("--rounds", type=int, help="rounds (15; quick 5)")
    args = parser.parse_args(argv)
    size = args.experts or (5_000 if args.quick else 100_000)
    rounds = args.rounds or (5 if args.quick else 15)
    rng = random.Random(20261127)
    t = time.perf_counter()
    experts, avoid = make_pool(size, rng)
    setup = time.perf_counter() - t
    ours, base = [], []
    excluded = drawn = 0
    for r in range(rounds):
        seed = hashlib.sha256(f"round-{r}".encode()).digest()
        t = time.perf_counter()
        result = d.draw(experts, SPEC, avoid, seed)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        sample = random.Random(r).sample(experts, DRAWN)
        base.append(time.perf_counter() - t)
        excluded, drawn = len(result.excluded), len(result.draws)
        assert len(sample) == drawn == DRAWN
        assert {e for e, _ in result.excluded}.isdisjoint(x.expert_id for x in result.draws)
    ours_ms, base_ms = 1000 * statistics.median(ours), 1000 * statistics.median(base)
    print(
        f"expert draw: {size:,} experts, 50 bidders, {drawn} drawn (committee of {SPEC.size}), "
        f"{excluded:,} excluded by avoidance in the venues' pools; {rounds} rounds, setup "
        f"{setup:.1f} s"
    )
    print(f"  prex draw (avoidance + canonical order + HMAC stream): median {ours_ms:.2f} ms")
    print(f"  random.sample of the same pool (baseline):              median {base_ms:.4f} ms")
    verdict = "meets" if ours_ms < AIM_MS else "misses"
    print(f"  the draw takes {ours_ms:.1f} ms ({verdict} the aim of < {AIM_MS:g} ms)")
    print(
        f"RESULT expert_draw_time ours={ours_ms:.3f}ms baseline={base_ms:.4f}ms "
        f"ratio={ours_ms / base_ms:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
