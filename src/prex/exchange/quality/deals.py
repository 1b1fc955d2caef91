"""What is expected of a whole deal, and by when (pure).

A deal is the set of records sharing a unified deal code on one platform. Its **coverage** is
the share of the datasets its stage calls for that are there; its **life cycle** is a list of
milestones, each with a due time computed from the deal's own records: met (the dataset is
there), overdue (absent after its due time) or pending (not due yet; not counted, re-checked by
the worker at ``next_check``). A tender that failed or was cancelled (a PROJECT_ALERTING record
of kind ``failed`` or ``cancelled``) owes nothing after that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from prex.exchange.quality.rules import (
    ROOTS,
    Arrived,
    Dimension,
    Finding,
    day_of,
    latest,
    moment,
)

TENDERS = ("TENDER_PROJECT", "PURCHASE_PROJECT")


@dataclass(frozen=True)
class Deadlines:
    """How long after its trigger each milestone is due (prex's defaults, documented)."""

    opening: timedelta = timedelta(days=1)  # after BID_DEADLINE (opening is at the deadline)
    result: timedelta = timedelta(days=30)  # candidates published, after BID_DEADLINE
    notice: timedelta = timedelta(days=30)  # result notice, after the publicity ends
    deal: timedelta = timedelta(days=1)  # a listing's outcome, after the listing ends


@dataclass(frozen=True)
class DealScore:
    txn_type: str
    day: str  # the Beijing day its first record arrived
    datasets_expected: int
    datasets_present: int
    milestones_met: int
    milestones_overdue: int
    next_check: datetime | None  # the earliest due time still pending
    findings: tuple[Finding, ...]


def _expected(root: str, present: set[str]) -> list[str]:
    if root not in TENDERS:
        return [root]
    wanted = [root, "SECTION"]
    if "BID_OPENING_RECORD" in present:
        wanted.append("TENDER_LIST")
    if present & {"WIN_CANDIDATE", "RESULT_NOTICE"}:
        wanted += ["BID_EVALUATION_EXPERT", "WIN_CANDIDATE"]
    return wanted


def _milestones(
    root: str, newest: Mapping[tuple[str, str], Arrived], present: set[str], rules: Deadlines
) -> list[tuple[str, str, datetime | None]]:
    """(milestone, the dataset that meets it, due time) — due None: not owed (yet)."""
    first = next(item.record for (name, _k), item in newest.items() if name == root)
    if root not in TENDERS:
        ends = moment(first.get("LISTING_END_TIME"))
        return [("deal", "LISTING_DEAL", ends + rules.deal if ends else None)]
    deadline = moment(first.get("BID_DEADLINE"))
    publicity = [
        moment(item.record.get("PUBLICITY_END_TIME"))
        for (name, _k), item in newest.items()
        if name == "WIN_CANDIDATE"
    ]
    ended = max((p for p in publicity if p is not None), default=None)
    return [
        ("opening", "BID_OPENING_RECORD", deadline + rules.opening if deadline else None),
        ("result", "WIN_CANDIDATE", deadline + rules.result if deadline else None),
        ("notice", "RESULT_NOTICE", ended + rules.notice if ended else None),
    ]


def _closed_at(newest: Mapping[tuple[str, str], Arrived]) -> datetime | None:
    """When the tender failed or was cancelled, if it did."""
    times = [
        moment(item.record.get("ALERT_TIME"))
        for (name, _k), item in newest.items()
        if name == "PROJECT_ALERTING" and item.record.get("ALERT_KIND") in ("failed", "cancelled")
    ]
    return min((t for t in times if t is not None), default=None)


def score_deal(
    records: Sequence[Arrived], now: datetime, rules: Deadlines = Deadlines()
) -> DealScore | None:
    """The deal's coverage and life cycle at ``now``; None while its first record is missing
    (a child can only arrive after its root, so this is a deal of unknown type)."""
    newest = latest(records)
    present = {name for name, _k in newest}
    root = next((name for name in ROOTS if name in present), None)
    if root is None:
        return None
    started = min(item.received_at for item in records if item.dataset == root)
    findings: list[Finding] = []
    expected = _expected(root, present)
    for name in expected:
        if name not in present:
            findings.append(
                Finding(Dimension.COVERAGE, "dataset-missing", name, f"no {name} for this deal")
            )
    closed = _closed_at(newest)
    met = overdue = 0
    pending: list[datetime] = []
    for milestone, name, due in _milestones(root, newest, present, rules):
        if name in present:
            met += 1
        elif due is None or (closed is not None and closed <= due):
            continue
        elif due <= now:
            overdue += 1
            findings.append(
                Finding(
                    Dimension.LIFECYCLE,
                    f"{milestone}-overdue",
                    name,
                    f"no {name} although it was due by {due.isoformat()}",
                )
            )
        else:
            pending.append(due)
    return DealScore(
        ROOTS[root],
        day_of(started),
        len(expected),
        len(expected) - sum(1 for f in findings if f.code == "dataset-missing"),
        met,
        overdue,
        min(pending, default=None),
        tuple(findings),
    )
