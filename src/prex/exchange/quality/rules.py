"""What is checked of one data-spec record, as of the moment it reached the upstream (pure).

A record is judged once, when it arrives, against its own deal's records that were there at
that moment (never against later ones, so that the judgment does not depend on when it is
computed): schema validity through :func:`validate_record` (the one place the field rules live),
cross-field and cross-record consistency, which fields are filled, and how late it came.
See ``docs/quality.md`` for the definitions and formulas.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from prex.exchange.dataspec.schemas import DATASETS, validate_record

CHINA = timezone(timedelta(hours=8))  # periods are Beijing days and months


class Dimension(StrEnum):
    COVERAGE = "coverage"  # expected datasets per deal and expected fields per record present
    ACCURACY = "accuracy"  # records valid and consistent with themselves and their deal
    TIMELINESS = "timeliness"  # delay from the event to the upstream
    LIFECYCLE = "lifecycle"  # each tender reaches an opening and a result, each result a notice


#: The transaction type of a deal, from the dataset that starts it.
ROOTS: Mapping[str, str] = {
    "TENDER_PROJECT": "engineering",
    "PURCHASE_PROJECT": "procurement",
    "LAND_LISTING": "land",
    "MINING_LISTING": "mining",
    "PROPERTY_LISTING": "property",
}
TYPES = tuple(ROOTS.values())

#: The field that dates the event a first version reports (later versions: DATA_TIMESTAMP).
EVENT_FIELDS: Mapping[str, str] = {
    "TENDER_PROJECT": "NOTICE_SEND_TIME",
    "PURCHASE_PROJECT": "NOTICE_SEND_TIME",
    "BID_OPENING_RECORD": "BID_OPEN_TIME",
    "WIN_CANDIDATE": "PUBLICITY_START_TIME",
    "RESULT_NOTICE": "NOTICE_SEND_TIME",
    "OBJECTION": "OBJECTION_TIME",
    "COMPLAINT": "COMPLAINT_TIME",
    "PROJECT_ALERTING": "ALERT_TIME",
    "LAND_LISTING": "NOTICE_SEND_TIME",
    "MINING_LISTING": "NOTICE_SEND_TIME",
    "PROPERTY_LISTING": "NOTICE_SEND_TIME",
    "LISTING_DEAL": "DEAL_TIME",
}

#: Pairs of dates of one record that must be in this order (earlier, later).
DATE_ORDER: Mapping[str, tuple[tuple[str, str], ...]] = {
    "TENDER_PROJECT": (("NOTICE_SEND_TIME", "BID_DEADLINE"),),
    "PURCHASE_PROJECT": (("NOTICE_SEND_TIME", "BID_DEADLINE"),),
    "WIN_CANDIDATE": (("PUBLICITY_START_TIME", "PUBLICITY_END_TIME"),),
    "OBJECTION": (("OBJECTION_TIME", "ANSWER_TIME"),),
    "COMPLAINT": (("COMPLAINT_TIME", "DECISION_TIME"),),
    **{
        name: (
            ("NOTICE_SEND_TIME", "LISTING_START_TIME"),
            ("LISTING_START_TIME", "LISTING_END_TIME"),
        )
        for name in ("LAND_LISTING", "MINING_LISTING", "PROPERTY_LISTING")
    },
}


@dataclass(frozen=True)
class Timeliness:
    """Full marks up to ``full_within``, falling linearly to none at ``none_after`` (a rule
    pack's kind of data: a province may set its own)."""

    full_within: timedelta = timedelta(days=1)
    none_after: timedelta = timedelta(days=7)

    def points(self, delay: timedelta) -> int:
        """0–1000 (per mille, an integer so that sums are exact in any order)."""
        if delay <= self.full_within:
            return 1000
        if delay >= self.none_after:
            return 0
        span = (self.none_after - self.full_within).total_seconds()
        left = (self.none_after - delay).total_seconds()
        return int(left * 1000 // span)


@dataclass(frozen=True)
class Arrived:
    """One version of a record as it reached the upstream."""

    dataset: str
    record_key: str
    version: int
    record: Mapping[str, Any]
    received_at: datetime
    refusal: str | None = None  # the upstream's refusal code (this centre's own pushes)


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a record or a deal; ``code`` is a stable slug."""

    dimension: Dimension
    code: str
    field: str | None
    message: str


@dataclass(frozen=True)
class RecordScore:
    valid: bool
    fields_expected: int
    fields_filled: int
    event_at: datetime | None
    delay_seconds: int | None
    points: int | None  # timeliness, 0–1000; None when the record dates no event
    findings: tuple[Finding, ...]


def moment(value: Any) -> datetime | None:
    """A datetime field's value, or None when absent or not a datetime with an offset."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def amount(value: Any) -> Decimal | None:
    if not isinstance(value, str):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def day_of(when: datetime) -> str:
    """The Beijing day (YYYY-MM-DD) a moment falls on: the period key."""
    return when.astimezone(CHINA).date().isoformat()


def latest(records: Iterable[Arrived]) -> dict[tuple[str, str], Arrived]:
    """The newest version of each (dataset, key) among ``records``."""
    newest: dict[tuple[str, str], Arrived] = {}
    for item in records:
        known = newest.get((item.dataset, item.record_key))
        if known is None or item.version > known.version:
            newest[(item.dataset, item.record_key)] = item
    return newest


def _dates_in_order(dataset: str, record: Mapping[str, Any]) -> list[Finding]:
    found = []
    for first, second in DATE_ORDER.get(dataset, ()):
        earlier, later = moment(record.get(first)), moment(record.get(second))
        if earlier is not None and later is not None and later < earlier:
            found.append(
                Finding(
                    Dimension.ACCURACY,
                    "dates-out-of-order",
                    second,
                    f"{second} {record[second]} is before {first} {record[first]}",
                )
            )
    return found


def _one_of(
    known: Mapping[tuple[str, str], Arrived], dataset: str, key: str
) -> Mapping[str, Any] | None:
    item = known.get((dataset, key))
    return item.record if item is not None else None


@dataclass(frozen=True)
class _Chain:
    """A record naming one of an earlier dataset's records of the section, at its amount:
    a candidate is a bidder at its bid, a winner is a candidate at its bid."""

    earlier: str  # the dataset it must be found in
    code: str  # its field naming the organisation
    amount: str  # its field repeating the earlier record's BID_AMOUNT
    missing_slug: str
    missing: str  # message, with {code}
    differs: str  # message, with {value} and {bid}


_CHAINS = {
    "WIN_CANDIDATE": _Chain(
        "TENDER_LIST",
        "WIN_CANDIDATE_CODE",
        "BID_AMOUNT",
        "candidate-not-a-bidder",
        "{code} is not in the section's TENDER_LIST",
        "BID_AMOUNT {value} differs from the TENDER_LIST's {bid}",
    ),
    "RESULT_NOTICE": _Chain(
        "WIN_CANDIDATE",
        "WIN_BIDDER_CODE",
        "WIN_BID_AMOUNT",
        "winner-not-a-candidate",
        "{code} is not a WIN_CANDIDATE of the section",
        "WIN_BID_AMOUNT {value} differs from the candidate's BID_AMOUNT {bid}",
    ),
}


def _chained(
    record: Mapping[str, Any],
    known: Mapping[tuple[str, str], Arrived],
    section: str,
    chain: _Chain,
) -> list[Finding]:
    found = []
    named = {k[1] for k in known if k[0] == chain.earlier and k[1].startswith(section)}
    earlier = _one_of(known, chain.earlier, f"{section}|{record.get(chain.code)}")
    if named and earlier is None:
        message = chain.missing.format(code=record.get(chain.code))
        found.append(Finding(Dimension.ACCURACY, chain.missing_slug, chain.code, message))
    bid = amount((earlier or {}).get("BID_AMOUNT"))
    if bid is not None and amount(record.get(chain.amount)) != bid:
        message = chain.differs.format(value=record.get(chain.amount), bid=bid)
        found.append(Finding(Dimension.ACCURACY, "amount-mismatch", chain.amount, message))
    return found


def _across(item: Arrived, known: Mapping[tuple[str, str], Arrived]) -> list[Finding]:
    """Consistency with the deal's other records that were there when ``item`` arrived."""
    record, found = item.record, []
    section = str(record.get("BID_SECTION_CODE", ""))
    if item.dataset == "TENDER_LIST":
        limit = amount((_one_of(known, "SECTION", section) or {}).get("LIMIT_PRICE"))
        bid = amount(record.get("BID_AMOUNT"))
        if limit is not None and bid is not None and bid > limit:
            found.append(
                Finding(
                    Dimension.ACCURACY,
                    "amount-above-limit",
                    "BID_AMOUNT",
                    f"BID_AMOUNT {bid} is above the section's LIMIT_PRICE {limit}",
                )
            )
    chain = _CHAINS.get(item.dataset)
    if chain is not None:
        found.extend(_chained(record, known, section, chain))
    if item.dataset == "BID_OPENING_RECORD":
        deal = str(record.get("UNIFIED_DEAL_CODE"))
        project = _one_of(known, "TENDER_PROJECT", deal) or _one_of(known, "PURCHASE_PROJECT", deal)
        deadline = moment((project or {}).get("BID_DEADLINE"))
        opened = moment(record.get("BID_OPEN_TIME"))
        if deadline is not None and opened is not None and opened < deadline:
            found.append(
                Finding(
                    Dimension.ACCURACY,
                    "dates-out-of-order",
                    "BID_OPEN_TIME",
                    f"BID_OPEN_TIME {record['BID_OPEN_TIME']} is before the BID_DEADLINE",
                )
            )
    return found


def score_record(
    item: Arrived, deal: Sequence[Arrived], timeliness: Timeliness = Timeliness()
) -> RecordScore:
    """Judge ``item`` against the versions in ``deal`` that had arrived by its arrival."""
    dataset = DATASETS.get(item.dataset)
    findings: list[Finding] = []
    if item.refusal is not None:
        findings.append(
            Finding(
                Dimension.ACCURACY, item.refusal, None, f"the upstream refused it: {item.refusal}"
            )
        )
    if dataset is None:
        findings.append(Finding(Dimension.ACCURACY, "unknown-dataset", None, item.dataset))
        return RecordScore(False, 0, 0, None, None, None, tuple(findings))
    findings += [
        Finding(Dimension.ACCURACY, e.code, e.field, e.message)
        for e in validate_record(dataset, item.record)
    ]
    before = [
        d
        for d in deal
        if d.received_at <= item.received_at
        and (d.dataset, d.record_key) != (item.dataset, item.record_key)
    ]
    findings += _dates_in_order(item.dataset, item.record)
    findings += _across(item, latest(before))
    valid = not findings
    filled = 0
    for spec in dataset.fields:
        if item.record.get(spec.name) is not None:
            filled += 1
        elif not spec.required:
            findings.append(
                Finding(
                    Dimension.COVERAGE, "field-missing", spec.name, f"{spec.name} is not filled"
                )
            )
    event = EVENT_FIELDS.get(item.dataset) if item.version == 1 else None
    event_at = moment(item.record.get(event)) if event else None
    event_at = event_at or moment(item.record.get("DATA_TIMESTAMP"))
    delay = points = None
    if event_at is not None:
        lag = max(item.received_at - event_at, timedelta(0))
        delay, points = int(lag.total_seconds()), timeliness.points(lag)
        if points < 1000:
            findings.append(
                Finding(
                    Dimension.TIMELINESS,
                    "late",
                    event if event and moment(item.record.get(event)) else "DATA_TIMESTAMP",
                    f"arrived {_days(lag)} after the event",
                )
            )
    return RecordScore(valid, len(dataset.fields), filled, event_at, delay, points, tuple(findings))


def _days(lag: timedelta) -> str:
    return f"{lag.total_seconds() / 86400:.1f} days"
