"""Evaluation-assistance hooks (extension point ``prex.evaluation_assistants``): tools that read
the opened bids of a section as the committee sees them after the opening and give advice.

An assistant gets a :class:`SectionView` — frozen values and tuples, no session, no service:
nothing it holds can write — and answers :class:`Finding` s. Findings are advice shown to the
committee on the evaluation page and at ``GET /api/v1/tenders/{id}/evaluation/advice``; they
never change a mark, a score or a ranking. The committee decides, as the rules say it must.

prex ships one: :func:`price_check`, which points at abnormally low prices — the bids the
committee must ask for a written explanation (《政府采购货物和服务招标投标管理办法》第六十条;
for engineering 《评标委员会和评标方法暂行规定》第二十一条) — and at statistical outliers among
the prices. The rule pack's own abnormally-low rule (``[evaluation.abnormally_low]``) stays
what binds the room; this is a second pair of eyes whatever the method says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from prex.evaluation.arithmetic import round_fraction

if TYPE_CHECKING:
    from prex.bootstrap import Services

GROUP = "prex.evaluation_assistants"


@dataclass(frozen=True)
class BidView:
    """One opened bid as read out at the opening (唱标)."""

    bid_id: str
    bidder_name: str
    bidder_uscc: str
    price: Decimal  # yuan
    duration_days: int | None  # 工期 / 交货期, when the bid form has one
    fields: tuple[tuple[str, str], ...] = ()  # every other figure read out, e.g. bond.kind


@dataclass(frozen=True)
class SectionView:
    """The opened bids of one section of a tender, after the opening: a read-only snapshot."""

    tender_id: str
    tender_title: str
    transaction_type: str  # engineering | procurement (which rules apply)
    section_id: str
    section_name: str
    opened_at: datetime | None
    bids: tuple[BidView, ...]


@dataclass(frozen=True)
class Finding:
    """One piece of advice about a section or one of its bids."""

    assistant: str  # the assistant's name
    section_id: str
    bid_id: str | None  # None: about the section as a whole
    code: str  # what kind of finding, e.g. ``abnormally_low``
    message: str  # one or two sentences for the committee
    basis: str = ""  # the rule it points at
    figures: tuple[tuple[str, str], ...] = ()  # the numbers behind it, as text

    def to_json(self) -> dict[str, object]:
        return {
            "assistant": self.assistant,
            "section_id": self.section_id,
            "bid_id": self.bid_id,
            "code": self.code,
            "message": self.message,
            "basis": self.basis,
            "figures": dict(self.figures),
        }


@runtime_checkable
class EvaluationAssistant(Protocol):
    name: str  # the entry point name
    title: str  # what the committee sees it called

    def advise(self, view: SectionView) -> list[Finding]:
        """Advice on one section's opened bids; never raises for odd but valid data."""
        ...


PROCUREMENT_BASIS = (
    "《政府采购货物和服务招标投标管理办法》第六十条：报价明显低于其他通过符合性审查投标人的"
    "报价，有可能影响产品质量或者不能诚信履约的，评标委员会应当要求其在合理的时间内提供书面"
    "说明，必要时提交相关证明材料；不能证明其报价合理性的，应当将其作为无效投标处理。"
)
ENGINEERING_BASIS = (
    "《评标委员会和评标方法暂行规定》第二十一条：投标人的报价明显低于其他投标报价，使得其投标"
    "报价可能低于其个别成本的，评标委员会应当要求该投标人作出书面说明并提供相关证明材料；不能"
    "合理说明或者不能提供相关证明材料的，由评标委员会认定该投标人以低于成本报价竞标，应当否决"
    "其投标。"
)
#: Iglewicz and Hoaglin's cut-off for the modified z-score (0.6745 · |x − median| / MAD).
OUTLIER_Z = Fraction(7, 2)
MAD_SCALE = Fraction(6745, 10000)


def _median(values: list[Fraction]) -> Fraction:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _yuan(value: Fraction) -> str:
    return f"{round_fraction(value):.2f}"


class PriceCheck:
    """Abnormally low prices and price outliers, in exact arithmetic.

    *Abnormally low*: a bid whose price is below ``share`` (default 0.80, setting
    ``PREX_PRICE_CHECK_SHARE``) of the average of the other bids of its section, when there are
    at least ``min_others`` of them. *Outlier*: with at least five bids, a price whose modified
    z-score against the section's median exceeds 3.5 (Iglewicz–Hoaglin) — high or low; a
    section whose prices mostly coincide (median absolute deviation zero) has none.
    """

    name = "price-check"
    title = "Price check"

    def __init__(self, share: Decimal = Decimal("0.80"), min_others: int = 2) -> None:
        if not Decimal(0) < share < Decimal(1):
            raise ValueError("the share is between 0 and 1")
        self.share = share
        self.min_others = min_others

    def advise(self, view: SectionView) -> list[Finding]:
        return [*self._abnormally_low(view), *self._outliers(view)]

    def _abnormally_low(self, view: SectionView) -> list[Finding]:
        bids = view.bids
        others = len(bids) - 1
        if others < self.min_others:
            return []
        total = sum((Fraction(b.price) for b in bids), Fraction(0))
        share = Fraction(self.share)
        basis = ENGINEERING_BASIS if view.transaction_type == "engineering" else PROCUREMENT_BASIS
        found = []
        for bid in sorted(bids, key=lambda b: b.bid_id):
            price = Fraction(bid.price)
            average = (total - price) / others
            if price < share * average:
                ratio = price / average * 100
                found.append(
                    Finding(
                        self.name,
                        view.section_id,
                        bid.bid_id,
                        "abnormally_low",
                        f"{bid.bidder_name}'s price {bid.price} is {_yuan(ratio)}% of the "
                        f"average of the other {others} bids ({_yuan(average)}), below "
                        f"{_yuan(share * 100)}%: ask the bidder for a written explanation.",
                        basis,
                        (
                            ("price", f"{bid.price:.2f}"),
                            ("average_of_others", _yuan(average)),
                            ("percent_of_average", _yuan(ratio)),
                            ("threshold_percent", _yuan(share * 100)),
                            ("others", str(others)),
                        ),
                    )
                )
        return found

    def _outliers(self, view: SectionView) -> list[Finding]:
        if len(view.bids) < 5:
            return []
        prices = [Fraction(b.price) for b in view.bids]
        median = _median(prices)
        mad = _median([abs(p - median) for p in prices])
        if mad == 0:
            return []
        found = []
        for bid in sorted(view.bids, key=lambda b: b.bid_id):
            z = MAD_SCALE * (Fraction(bid.price) - median) / mad
            if abs(z) > OUTLIER_Z:
                side = "above" if z > 0 else "below"
                found.append(
                    Finding(
                        self.name,
                        view.section_id,
                        bid.bid_id,
                        "price_outlier",
                        f"{bid.bidder_name}'s price {bid.price} lies far {side} the others "
                        f"(median {_yuan(median)}, modified z-score {_yuan(z)}): check it was "
                        "read and entered right.",
                        "",
                        (
                            ("price", f"{bid.price:.2f}"),
                            ("median", _yuan(median)),
                            ("z", _yuan(z)),
                            ("side", side),
                        ),
                    )
                )
        return found


def price_check(services: Services) -> EvaluationAssistant:
    """The entry point ``price-check`` of ``prex.evaluation_assistants``."""
    return PriceCheck(services.settings.price_check_share)
