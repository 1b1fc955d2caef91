"""Example ``[evaluation]`` tables (the ones docs/evaluation-methods.md shows) and plain factories
for bids and sheets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from prex.evaluation.inputs import Bid, Mark, ReviewSheet, ScoreSheet
from prex.evaluation.method_toml import load_evaluation_method
from prex.evaluation.methods import EvaluationMethod

OPENED = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)

# Government procurement of goods, comprehensive scoring, MOF Order 87 art. 55.
PROCUREMENT_GOODS = """
[evaluation]
kind = "comprehensive"
name = "综合评分法（货物）"
source = "《政府采购货物和服务招标投标管理办法》（财政部令第87号）第五十五条"
total_points = 100
candidates = 3
tie_breaks = ["total", "price", "group:technical", "received_at", "bidder_uscc"]

[evaluation.review.licence]
name = "营业执照及资质证明"
stage = "qualification"

[evaluation.review.validity]
name = "投标有效期满足招标文件要求"
stage = "compliance"

[evaluation.criteria.price]
name = "投标报价"
kind = "price"
max_points = 30

[evaluation.criteria.tech]
name = "技术方案"
kind = "subjective"
max_points = 40
step = 0.5
group = "technical"

[evaluation.criteria.service]
name = "售后服务方案"
kind = "subjective"
max_points = 20
minimum = 5
step = 1
group = "business"

[evaluation.criteria.iso]
name = "质量管理体系认证（每项2分）"
kind = "objective"
max_points = 4
per_unit = 2
group = "business"

[evaluation.criteria.projects]
name = "近三年类似项目业绩（每项1.5分）"
kind = "objective"
max_points = 6
per_unit = 1.5
group = "business"

[evaluation.price]
rule = "lowest_valid"
min_share_percent = 30
text = "货物项目的价格分值占总分值的比重不得低于30%"
source = "《政府采购货物和服务招标投标管理办法》（财政部令第87号）第五十五条"

[evaluation.aggregation]
method = "trimmed_mean"
trim_from = 5

[evaluation.deviation]
percent_of_max = 20
reference = "others"

[evaluation.abnormally_low]
mean_of_others_percent = 80
text = "投标人报价明显低于其他通过符合性审查投标人的报价，有可能影响产品质量或者不能诚信履约的"
source = "《政府采购货物和服务招标投标管理办法》（财政部令第87号）第六十条"
"""

# Engineering construction, comprehensive scoring with an average-based benchmark.
ENGINEERING_AVERAGE = """
[evaluation]
kind = "comprehensive"
name = "综合评估法（平均值基准价）"
total_points = 100
tie_breaks = ["total", "price", "group:technical", "received_at", "bidder_uscc"]

[evaluation.criteria.price]
name = "投标报价"
kind = "price"
max_points = 60

[evaluation.criteria.tech]
name = "施工组织设计"
kind = "subjective"
max_points = 40
step = 1
group = "technical"

[evaluation.price]
rule = "average_benchmark"
coefficients = ["0.95", "0.96", "0.97", "0.98", "0.99"]
drop_extremes_from = 5
above_per_percent = 1
below_per_percent = 0.5

[evaluation.aggregation]
method = "trimmed_mean"
trim_from = 5

[evaluation.abnormally_low]
benchmark_percent = 92
"""

# Engineering construction, lowest evaluated price (经评审的最低投标价法).
ENGINEERING_LOWEST_PRICE = """
[evaluation]
kind = "lowest_price"
name = "经评审的最低投标价法"
candidates = 3
tie_breaks = ["evaluated_price", "price", "received_at", "bidder_uscc"]

[evaluation.review.licence]
name = "资质等级符合要求"
stage = "qualification"

[evaluation.review.schedule]
name = "工期满足招标文件要求"
stage = "compliance"

[evaluation.adjustments.payment]
name = "付款条件偏差"

[evaluation.adjustments.duration]
name = "工期提前的评审价格折算"

[evaluation.abnormally_low]
mean_of_others_percent = 80
lowest_other_percent = 85
min_others = 2
"""

# Prequalification (资格预审, 合格制): pass/fail only.
QUALIFICATION = """
[evaluation]
kind = "qualification"
name = "资格预审（合格制）"

[evaluation.review.licence]
name = "资质证书有效"
stage = "qualification"

[evaluation.review.performance]
name = "类似工程业绩"
stage = "qualification"

[evaluation.review.bond]
name = "投标保证金"
stage = "compliance"
"""

EXAMPLES = {
    "procurement-goods": PROCUREMENT_GOODS,
    "engineering-average": ENGINEERING_AVERAGE,
    "engineering-lowest-price": ENGINEERING_LOWEST_PRICE,
    "qualification": QUALIFICATION,
}


def method(name: str) -> EvaluationMethod:
    return load_evaluation_method(EXAMPLES[name], origin=f"{name}.toml")


def bid(
    bid_id: str,
    price: str,
    *,
    minutes: int = 0,
    uscc: str | None = None,
    facts: Mapping[str, str] | None = None,
    adjustments: Mapping[str, str] | None = None,
) -> Bid:
    """A bid received ``minutes`` before the deadline; the credit code follows the id."""
    return Bid(
        id=bid_id,
        bidder_uscc=uscc or f"91330100MA{bid_id:0>7}",
        price=Decimal(price),
        received_at=OPENED - timedelta(minutes=minutes),
        facts={k: Decimal(v) for k, v in (facts or {}).items()},
        adjustments={k: Decimal(v) for k, v in (adjustments or {}).items()},
    )


def experts(count: int) -> list[str]:
    return [f"E{i}" for i in range(1, count + 1)]


def passing_review(
    evaluation: EvaluationMethod,
    bids: Sequence[Bid],
    experts_: Sequence[str],
    fails: Mapping[tuple[str, str], Iterable[str]] | None = None,
) -> list[ReviewSheet]:
    """Every expert passes every item, except ``fails``: (bid, item) → the experts failing it."""
    failing = {cell: set(who) for cell, who in (fails or {}).items()}
    return [
        ReviewSheet(
            expert,
            {
                (b.id, item.id): (
                    Mark(False, f"{expert}: 不满足 {item.name}")
                    if expert in failing.get((b.id, item.id), set())
                    else Mark(True)
                )
                for b in bids
                for item in evaluation.review
            },
        )
        for expert in experts_
    ]


def score_sheets(table: Mapping[tuple[str, str], Sequence[str | int]]) -> list[ScoreSheet]:
    """Sheets from a table (bid, criterion) → one score per expert, experts E1, E2, … in order."""
    count = len(next(iter(table.values())))
    return [
        ScoreSheet(f"E{i + 1}", {cell: Decimal(str(scores[i])) for cell, scores in table.items()})
        for i in range(count)
    ]
