"""Scoring a large evaluation: 200 bids × 30 criteria × 9 experts, against the same in floats.

Measures ``prex.evaluation.pipeline.evaluate`` on a comprehensive method (综合评分法) as the
evaluation room will call it after every change: the pass/fail review (5 items, majority of 9
experts, reasons checked), every expert score checked (a ``Decimal``, within its range, on its
step), aggregation by trimmed mean (one highest and one lowest of 9 dropped) per criterion and
bid, exact deviation screening of every score (20 % of the criterion's maximum from the mean of
the other experts), objective points from verified facts, the price score of MOF Order 87 art. 55
(lowest valid bid as benchmark), the abnormally-low screen (below 80 % of the mean of the others)
and the ranking by total → price → technical points → receipt time → credit code. The criteria:
1 price (30 points), 9 objective (2 each), 20 subjective (12 × 3 and 8 × 2 points, step 0.5).

against, in the same run, over the same numbers converted to ``float`` beforehand (not timed),
the naive implementation anyone would write first: the same steps in plain Python loops with
floats — a range and step check per score, ``sorted()`` and slicing for the trimmed mean, the
deviation test against the mean of the others, ``round()`` to two places, one ``sort`` with a
tuple key. It is what exactness costs: the baseline is not exact (floats, ``round`` is half-even
on binary values) and checks less (no types, no reasons, no missing or extra cells). Both sides
are checked to agree (same valid bids; totals within 0.02; same winner unless two totals tie).

    .venv/bin/python bench/scoring.py              # 200 bids × 30 criteria × 9 experts, 7 rounds
    .venv/bin/python bench/scoring.py --quick      # smoke run: 20 bids, 3 rounds

Setup (not timed): a seeded random tender; ours and the baseline alternate within a round, and a
figure is the median of the rounds (wall clock, one process). The aim (issue 5) is ours < 1 s
for the full size. It ends, as every benchmark here does, with one line per figure:

    RESULT <name> ours=<number><unit> baseline=<number><unit> ratio=<ours/baseline>
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from prex.evaluation.inputs import Bid, Mark, ReviewSheet, ScoreSheet
from prex.evaluation.method_toml import load_evaluation_method
from prex.evaluation.methods import CriterionKind, EvaluationMethod
from prex.evaluation.pipeline import Evaluation, evaluate
from prex.evaluation.pricing import abnormally_low, price_scores
from prex.evaluation.ranking import rank
from prex.evaluation.review import review
from prex.evaluation.scoring import aggregate, collect_scores, deviations, objective_scores

AIM_SECONDS = 1.0
OPENED = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
REVIEW_ITEMS = 5


def method_toml(review_items: int = REVIEW_ITEMS) -> str:
    """The method: 1 price + 9 objective + 20 subjective criteria, 100 points."""
    lines = [
        "[evaluation]",
        'kind = "comprehensive"',
        "total_points = 100",
        'tie_breaks = ["total", "price", "group:technical", "received_at", "bidder_uscc"]',
        "[evaluation.aggregation]",
        'method = "trimmed_mean"',
        "trim_from = 5",
        "[evaluation.deviation]",
        "percent_of_max = 20",
        "[evaluation.abnormally_low]",
        "mean_of_others_percent = 80",
        "[evaluation.price]",
        'rule = "lowest_valid"',
        "[evaluation.criteria.price]",
        'name = "投标报价"',
        'kind = "price"',
        "max_points = 30",
    ]
    for i in range(review_items):
        stage = "qualification" if i < 2 else "compliance"
        lines += [f"[evaluation.review.r{i:02d}]", f'name = "审查项 {i}"', f'stage = "{stage}"']
    for i in range(9):
        lines += [
            f"[evaluation.criteria.o{i:02d}]",
            f'name = "客观项 {i}"',
            'kind = "objective"',
            "max_points = 2",
            "per_unit = 1",
            'group = "business"',
        ]
    for i in range(20):
        lines += [
            f"[evaluation.criteria.s{i:02d}]",
            f'name = "主观项 {i}"',
            'kind = "subjective"',
            f"max_points = {3 if i < 12 else 2}",
            "step = 0.5",
            'group = "technical"',
        ]
    return "\n".join(lines) + "\n"


@dataclass
class Tender:
    method: EvaluationMethod
    bids: list[Bid]
    reviews: list[ReviewSheet]
    sheets: list[ScoreSheet]
    floats: dict[str, Any]  # the same numbers for the baseline


def make_tender(bid_count: int, experts: int, seed: int = 20260310) -> Tender:
    """A seeded tender: prices around 10 million yuan (one abnormally low), a few bids failing
    the review, scores spread around each bid's quality with the odd outlier."""
    rng = random.Random(seed)
    method = load_evaluation_method(method_toml(), origin="bench")
    objective = method.of_kind(CriterionKind.OBJECTIVE)
    subjective = method.of_kind(CriterionKind.SUBJECTIVE)
    bids = []
    for i in range(bid_count):
        cents = rng.randint(850_000_000, 1_150_000_000)
        if i == 7 % bid_count:
            cents = 600_000_000  # abnormally low
        bids.append(
            Bid(
                id=f"B{i:04d}",
                bidder_uscc=f"91330100MA{i:07d}X",
                price=Decimal(cents).scaleb(-2),
                received_at=OPENED - timedelta(seconds=rng.randint(60, 86_400)),
                facts={c.id: Decimal(rng.randint(0, 3)) for c in objective},
            )
        )
    expert_ids = [f"E{e}" for e in range(1, experts + 1)]
    failing = {bids[i % bid_count].id for i in (3, 11, 19)}
    reviews = []
    for expert in expert_ids:
        marks = {}
        for bid in bids:
            for r in range(REVIEW_ITEMS):
                passed = not (bid.id in failing and r == 2 and expert != "E1")
                reason = "" if passed else "投标有效期不足"
                marks[(bid.id, f"r{r:02d}")] = Mark(passed, reason)
        reviews.append(ReviewSheet(expert, marks))
    quality = {bid.id: rng.random() for bid in bids}
    quality[bids[7 % bid_count].id] = 0.2  # the abnormally low bid is not a good one
    sheets = []
    for expert in expert_ids:
        scores = {}
        for bid in bids:
            for c in subjective:
                steps = int(c.maximum / c.step)
                centre = quality[bid.id] * steps + rng.gauss(0, 0.5)
                if rng.random() < 0.02:
                    centre = rng.randint(0, steps)  # an outlier: needs a justification
                k = min(steps, max(0, round(centre)))
                scores[(bid.id, c.id)] = c.step * k
        sheets.append(ScoreSheet(expert, scores))
    floats = {
        "criteria": [
            (
                c.id,
                c.kind.value,
                float(c.max_points),
                float(c.minimum),
                float(c.maximum),
                float(c.step),
                float(c.per_unit),
                c.group,
            )
            for c in method.criteria
        ],
        "review": [r.id for r in method.review],
        "bids": [
            (
                b.id,
                b.bidder_uscc,
                float(b.price),
                b.received_at.timestamp(),
                {k: float(v) for k, v in b.facts.items()},
            )
            for b in bids
        ],
        "marks": [(s.expert_id, {cell: m.passed for cell, m in s.marks.items()}) for s in reviews],
        "scores": [(s.expert_id, {cell: float(v) for cell, v in s.scores.items()}) for s in sheets],
    }
    return Tender(method, bids, reviews, sheets, floats)


# ---------------------------------------------------------------------------------------------
# The two sides
# ---------------------------------------------------------------------------------------------


def ours(tender: Tender) -> Evaluation:
    return evaluate(
        tender.method, tender.bids, review_sheets=tender.reviews, score_sheets=tender.sheets
    )


def baseline(data: dict[str, Any]) -> dict[str, Any]:
    """The same evaluation, naively, in floats."""
    bids, criteria = data["bids"], data["criteria"]
    experts = len(data["marks"])
    valid = []
    for bid in bids:
        ok = True
        for item in data["review"]:
            fails = sum(1 for _, marks in data["marks"] if not marks[(bid[0], item)])
            if 2 * fails > experts:
                ok = False
        if ok:
            valid.append(bid)
    subjective = [c for c in criteria if c[1] == "subjective"]
    points: dict[str, dict[str, float]] = {b[0]: {} for b in valid}
    flagged = 0
    for bid in valid:
        for cid, _, max_points, low, high, step, _, _ in subjective:
            values = []
            for _, scores in data["scores"]:
                value = scores[(bid[0], cid)]
                if not low <= value <= high or (value - low) / step % 1:
                    raise ValueError(f"bad score {value}")
                values.append(value)
            total, n = sum(values), len(values)
            for value in values:
                if abs(value - (total - value) / (n - 1)) > 0.2 * max_points:
                    flagged += 1
            kept = sorted(values)[1:-1] if n >= 5 else values
            points[bid[0]][cid] = round(sum(kept) / len(kept), 2)
        for cid, kind, max_points, *_, per_unit, _ in criteria:
            if kind == "objective":
                points[bid[0]][cid] = round(min(max_points, per_unit * bid[4][cid]), 2)
    lowest = min(b[2] for b in valid)
    price_id, _, weight, *_ = next(c for c in criteria if c[1] == "price")
    total_price = sum(b[2] for b in valid)
    low = sum(1 for b in valid if b[2] < 0.8 * (total_price - b[2]) / (len(valid) - 1))
    for bid in valid:
        points[bid[0]][price_id] = round(lowest / bid[2] * weight, 2)
    technical = {c[0] for c in criteria if c[7] == "technical"}

    def key(bid: tuple[Any, ...]) -> tuple[Any, ...]:
        row = points[bid[0]]
        return (
            -sum(row.values()),
            bid[2],
            -sum(v for k, v in row.items() if k in technical),
            bid[3],
            bid[1],
        )

    ranking = [b[0] for b in sorted(valid, key=key)]
    totals = {b: sum(row.values()) for b, row in points.items()}
    return {"ranking": ranking, "totals": totals, "flagged": flagged, "low": low}


def agree(result: Evaluation, base: dict[str, Any]) -> None:
    """Both sides computed the same evaluation, up to float rounding."""
    assert set(result.valid) == set(base["totals"]), "the valid bids differ"
    totals = {c.bid_id: c.total or Decimal(0) for c in result.ranking}
    worst = max(abs(float(totals[b]) - t) for b, t in base["totals"].items())
    assert worst <= 0.02, f"totals differ by {worst}"
    first, second = result.ranking[0], result.ranking[1]
    if first.total != second.total:
        assert base["ranking"][0] == first.bid_id, "the winners differ"
    assert len(result.abnormally_low) == base["low"], "abnormally low bids differ"


# ---------------------------------------------------------------------------------------------
# Measurement and output
# ---------------------------------------------------------------------------------------------


def timed(call: Callable[[], object]) -> float:
    gc.collect()
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def stages(tender: Tender) -> dict[str, float]:
    """Seconds of each stage of ours, called one by one as ``evaluate`` calls them."""
    method, bids = tender.method, tender.bids
    clock = time.perf_counter
    spent: dict[str, float] = {}
    t = clock()
    reviews = review(method, bids, tender.reviews)
    valid = [b for b in bids if reviews[b.id].passed]
    spent["review (marks checked, majority)"] = clock() - t
    t = clock()
    ignored = {b.id for b in bids} - {b.id for b in valid}
    table = collect_scores(method, valid, tender.sheets, ignored=ignored)
    spent["scores checked (range, step)"] = clock() - t
    t = clock()
    points = aggregate(method, table)
    for bid_id, row in objective_scores(method, valid).items():
        points[bid_id].update(row)
    spent["aggregate + objective points"] = clock() - t
    t = clock()
    found = deviations(method, table)
    spent["deviation screen"] = clock() - t
    t = clock()
    prices = price_scores(method, valid)
    for bid_id, value in prices.scores.items():
        points[bid_id]["price"] = value
    abnormally_low(method, valid)
    spent["price score + abnormally low"] = clock() - t
    t = clock()
    rank(method, valid, scores=points)
    spent["ranking"] = clock() - t
    spent["(deviating scores found)"] = float(len(found))
    return spent


def fmt(value: float) -> str:
    """At least three significant figures, and one decimal at least (no exponent)."""
    if value >= 10:
        return f"{value:.1f}"
    if value <= 0:
        return "0"
    return f"{value:.{max(2, 2 - math.floor(math.log10(value)))}f}"


def _spread(values: Sequence[float]) -> str:
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small and short")
    parser.add_argument("--bids", type=int, help="bids (200; quick 20)")
    parser.add_argument("--experts", type=int, help="experts (9; quick 9)")
    parser.add_argument("--rounds", type=int, help="rounds (7; quick 3)")
    args = parser.parse_args(argv)
    for name, full, small in (("bids", 200, 20), ("experts", 9, 9), ("rounds", 7, 3)):
        if getattr(args, name) is None:
            setattr(args, name, small if args.quick else full)
    if args.bids < 4 or args.experts < 2 or args.rounds < 1:
        parser.error("at least 4 bids, 2 experts and 1 round")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    tender = make_tender(args.bids, args.experts)
    setup = time.perf_counter() - started
    criteria = len(tender.method.criteria)
    cells = args.bids * len(tender.method.of_kind(CriterionKind.SUBJECTIVE)) * args.experts
    print(
        f"scoring {args.bids} bids × {criteria} criteria × {args.experts} experts "
        f"({cells} expert scores, {args.bids * REVIEW_ITEMS * args.experts} review marks), "
        f"{args.rounds} round(s); setup {setup:.1f} s",
        flush=True,
    )
    result, base = ours(tender), baseline(tender.floats)  # warm up, and check they agree
    agree(result, base)
    mine: list[float] = []
    theirs: list[float] = []
    for r in range(args.rounds):
        mine.append(timed(lambda: ours(tender)))
        theirs.append(timed(lambda: baseline(tender.floats)))
        print(
            f"  round {r + 1}/{args.rounds}: ours {fmt(mine[-1] * 1000)} ms, "
            f"floats {fmt(theirs[-1] * 1000)} ms",
            flush=True,
        )
    print()
    print("medians over rounds (min–max in brackets), milliseconds, wall clock")
    print(f"  {'prex evaluate (exact, Decimal)':<36}{_spread([m * 1000 for m in mine]):>28}")
    print(f"  {'naive floats, plain loops':<36}{_spread([t * 1000 for t in theirs]):>28}")
    print()
    print("  where ours goes (one pass, stage by stage):")
    spent = stages(tender)
    found = int(spent.pop("(deviating scores found)"))
    for stage, seconds in spent.items():
        print(f"    {stage:<38}{fmt(seconds * 1000):>9} ms")
    print(
        f"  valid bids {len(result.valid)} of {args.bids}; deviating scores {found}; "
        f"abnormally low {len(result.abnormally_low)}; winner {result.ranking[0].bid_id} "
        f"with {result.ranking[0].total} points"
    )
    ours_s, base_s = statistics.median(mine), statistics.median(theirs)
    verdict = "meets" if ours_s < AIM_SECONDS else "misses"
    print()
    print(
        f"prex scores the evaluation in {fmt(ours_s * 1000)} ms ({verdict} the aim of "
        f"< {AIM_SECONDS:g} s{'' if not args.quick else ', set for the full size'}); "
        f"{ours_s / base_s:.2f}x the naive float version"
    )
    print()
    print(
        f"RESULT scoring_evaluate ours={fmt(ours_s * 1000)}ms baseline={fmt(base_s * 1000)}ms "
        f"ratio={ours_s / base_s:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
