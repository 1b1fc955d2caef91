"""The datasets of the national data specification (公共资源交易平台系统数据规范 V2.0), as schemas.

One schema per dataset — its fields with their kind, whether each is required, code lists, the
fields that make a record's key and the dataset(s) a record must follow (its parent). The same
schemas check what prex builds (``builders``, in its tests) and what another platform pushes to
this one (``inbound``), so the two can never disagree about a field.

The specification text is not public in full; the field names are UPPER_SNAKE as in the
specification and the ones open implementations show, the rest are **inferred** (see
``docs/dataspec.md``, which lists every field and marks the inferred ones).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from prex.identity.divisions import validate_division
from prex.identity.uscc import validate_uscc
from prex.shared.errors import InvalidInput
from prex.tenders.deal_code import is_valid_deal_code


class Kind(StrEnum):
    TEXT = "text"  # a non-empty string, at most 1000 characters
    USCC = "uscc"  # a unified social credit code, check digit verified
    DEAL_CODE = "deal_code"  # the unified deal code, check character verified
    SECTION_CODE = "section_code"  # deal code + 3-digit section number
    WAN = "wan"  # an amount in 万元 as decimal text, at most 6 places, never negative
    DATETIME = "datetime"  # ISO 8601 with its UTC offset
    INT = "int"  # a non-negative integer
    REGION = "region"  # a GB/T 2260 division code
    CODE = "code"  # one value of the field's code list
    DATE = "date"  # an ISO 8601 calendar date (YYYY-MM-DD), local to the issuing centre


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    required: bool = True
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dataset:
    """A dataset: its fields, the fields that key a record, and what a record must follow."""

    name: str
    title: str  # the Chinese name, for documentation and messages
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    # A record needs a record of one of ``parents`` whose key is the value of ``parent_key``.
    parents: tuple[str, ...] = ()
    parent_key: str = "UNIFIED_DEAL_CODE"

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def key_of(self, record: Mapping[str, Any]) -> str:
        return "|".join(str(record.get(name, "")) for name in self.key)


COMMON = (
    Field("PLATFORM_CODE", Kind.TEXT),
    Field("PUB_SERVICE_PLAT_CODE", Kind.TEXT),
    Field("DATA_TIMESTAMP", Kind.DATETIME),
    Field("UNIFIED_DEAL_CODE", Kind.DEAL_CODE),
)

#: 招标方式 / 采购方式: 1 公开, 2 邀请 (inferred numbering).
TENDER_MODES = ("1", "2")
#: 预警级别: 1 一般, 2 较重, 3 严重 (inferred).
ALERT_LEVELS = ("1", "2", "3")
#: What raised an alert (prex's own list; see ``builders.alerts``).
ALERT_KINDS = ("objection", "failed", "cancelled", "committee-redrawn")
#: 交易结果: 1 成交, 2 流拍 (no bid), 3 未达保留价 (below the reserve) — inferred.
DEAL_RESULTS = ("1", "2", "3")
#: 出让/转让方式: 1 挂牌, 2 拍卖.
LISTING_METHODS = ("1", "2")
PROJECTS = ("TENDER_PROJECT", "PURCHASE_PROJECT")
LISTINGS = ("LAND_LISTING", "MINING_LISTING", "PROPERTY_LISTING")
#: 信用记录类型: 1 良好(表彰), 2 不良(违法违规/失信), 3 黑名单, 4 履约评价 — inferred.
CREDIT_TYPES = ("1", "2", "3", "4")
#: 记录状态: 1 有效, 2 已撤销 — inferred.
CREDIT_STATUSES = ("1", "2")
#: 黑名单限制范围: prex's own list (``prex.credit.model.ScopeKind``).
CREDIT_SCOPES = ("all", "transaction_type", "region", "centre")
#: 履约评价等级: prex's own list (``prex.credit.model.Grade``).
CREDIT_GRADES = ("excellent", "good", "fair", "poor")
#: Datasets about no deal: their records carry no UNIFIED_DEAL_CODE and data quality, which
#: scores deals, leaves them out.
NON_DEAL_DATASETS = frozenset({"CREDIT_RECORD"})


def _f(name: str, kind: Kind, required: bool = True, codes: tuple[str, ...] = ()) -> Field:
    return Field(name, kind, required, codes)


T, W, D, U = Kind.TEXT, Kind.WAN, Kind.DATETIME, Kind.USCC

_PROJECT_TAIL = (
    _f("REGION_CODE", Kind.REGION),
    _f("NOTICE_TITLE", T),
    _f("NOTICE_SEND_TIME", D),
    _f("BID_DEADLINE", D),
)

_DATASETS = (
    Dataset(
        "TENDER_PROJECT",
        "招标项目",
        (
            *COMMON,
            _f("TENDER_PROJECT_NAME", T),
            _f("TENDER_MODE", Kind.CODE, codes=TENDER_MODES),
            _f("TENDERER_NAME", T),
            _f("TENDERER_CODE", U),
            _f("TENDER_AGENCY_NAME", T, False),
            _f("TENDER_AGENCY_CODE", U, False),
            _f("INVEST_AMOUNT", W),
            *_PROJECT_TAIL,
        ),
        key=("UNIFIED_DEAL_CODE",),
    ),
    Dataset(
        "PURCHASE_PROJECT",
        "政府采购项目",
        (
            *COMMON,
            _f("PURCHASE_PROJECT_NAME", T),
            _f("PURCHASE_MODE", Kind.CODE, codes=TENDER_MODES),
            _f("PURCHASER_NAME", T),
            _f("PURCHASER_CODE", U),
            _f("AGENCY_NAME", T, False),
            _f("AGENCY_CODE", U, False),
            _f("BUDGET_AMOUNT", W),
            *_PROJECT_TAIL,
        ),
        key=("UNIFIED_DEAL_CODE",),
    ),
    Dataset(
        "SECTION",
        "标段（包）",
        (
            *COMMON,
            _f("BID_SECTION_CODE", Kind.SECTION_CODE),
            _f("BID_SECTION_NAME", T),
            _f("CONTRACT_RECKON_PRICE", W),
            _f("LIMIT_PRICE", W, False),
            _f("TIME_LIMIT", Kind.INT, False),
        ),
        key=("BID_SECTION_CODE",),
        parents=PROJECTS,
    ),
    Dataset(
        "TENDER_LIST",
        "投标人名单",
        (
            *COMMON,
            _f("BID_SECTION_CODE", Kind.SECTION_CODE),
            _f("BIDDER_NAME", T),
            _f("BIDDER_CODE", U),
            _f("BID_AMOUNT", W, False),
            _f("TIME_LIMIT", Kind.INT, False),
            _f("MARGIN_TYPE", T, False),
            _f("BID_SUBMIT_TIME", D),
            _f("BID_STATUS", T),
        ),
        key=("BID_SECTION_CODE", "BIDDER_CODE"),
        parents=("SECTION",),
        parent_key="BID_SECTION_CODE",
    ),
    Dataset(
        "BID_OPENING_RECORD",
        "开标记录",
        (
            *COMMON,
            _f("BID_OPEN_TIME", D),
            _f("BIDDER_COUNT", Kind.INT),
            _f("RECORD_SHA256", T, False),
        ),
        key=("UNIFIED_DEAL_CODE",),
        parents=PROJECTS,
    ),
    Dataset(
        "BID_EVALUATION_EXPERT",
        "评标专家",
        (
            *COMMON,
            _f("EXPERT_SEQ", Kind.INT),
            _f("EXPERT_NAME", T),
            _f("EXPERT_SPECIALTY", T),
            _f("EVALUATION_VENUE", T),
        ),
        key=("UNIFIED_DEAL_CODE", "EXPERT_SEQ"),
        parents=("BID_OPENING_RECORD",),
    ),
    Dataset(
        "WIN_CANDIDATE",
        "中标候选人",
        (
            *COMMON,
            _f("BID_SECTION_CODE", Kind.SECTION_CODE),
            _f("WIN_CANDIDATE_NAME", T),
            _f("WIN_CANDIDATE_CODE", U),
            _f("WIN_CANDIDATE_ORDER", Kind.INT),
            _f("BID_AMOUNT", W),
            _f("EVALUATION_AMOUNT", W),
            _f("PUBLICITY_START_TIME", D),
            _f("PUBLICITY_END_TIME", D),
        ),
        key=("BID_SECTION_CODE", "WIN_CANDIDATE_CODE"),
        parents=("BID_OPENING_RECORD",),
    ),
    Dataset(
        "RESULT_NOTICE",
        "中标结果公告",
        (
            *COMMON,
            _f("BID_SECTION_CODE", Kind.SECTION_CODE),
            _f("WIN_BIDDER_NAME", T),
            _f("WIN_BIDDER_CODE", U),
            _f("WIN_BID_AMOUNT", W),
            _f("NOTICE_SEND_TIME", D),
        ),
        key=("BID_SECTION_CODE",),
        parents=("BID_OPENING_RECORD",),
    ),
    Dataset(
        "OBJECTION",
        "异议",
        (
            *COMMON,
            _f("OBJECTION_CODE", T),
            _f("OBJECTION_STAGE", T),
            _f("OBJECTOR_NAME", T),
            _f("OBJECTOR_CODE", U),
            _f("OBJECTION_TIME", D),
            _f("ANSWER_TIME", D, False),
        ),
        key=("UNIFIED_DEAL_CODE", "OBJECTION_CODE"),
        parents=PROJECTS,
    ),
    Dataset(
        "COMPLAINT",
        "投诉",
        (
            *COMMON,
            _f("COMPLAINT_CODE", T),
            _f("COMPLAINANT_NAME", T),
            _f("COMPLAINANT_CODE", U),
            _f("COMPLAINT_TIME", D),
            _f("DECISION_TIME", D, False),
        ),
        key=("UNIFIED_DEAL_CODE", "COMPLAINT_CODE"),
        parents=PROJECTS,
    ),
    Dataset(
        "PROJECT_ALERTING",
        "项目预警",
        (
            *COMMON,
            _f("ALERT_CODE", T),
            _f("ALERT_KIND", Kind.CODE, codes=ALERT_KINDS),
            _f("ALERT_LEVEL", Kind.CODE, codes=ALERT_LEVELS),
            _f("ALERT_CONTENT", T),
            _f("ALERT_TIME", D),
        ),
        key=("UNIFIED_DEAL_CODE", "ALERT_CODE"),
        parents=PROJECTS,
    ),
    *(
        Dataset(
            name,
            title,
            (
                *COMMON,
                _f("LISTING_CODE", T),
                _f("LISTING_TITLE", T),
                _f("TRANSFEROR_NAME", T),
                _f("TRANSFEROR_CODE", U),
                _f("TRANSFER_METHOD", Kind.CODE, codes=LISTING_METHODS),
                _f("START_PRICE", W),
                _f("INCREMENT", W),
                _f("DEPOSIT", W),
                _f("NOTICE_SEND_TIME", D),
                _f("LISTING_START_TIME", D),
                _f("LISTING_END_TIME", D),
            ),
            key=("UNIFIED_DEAL_CODE",),
        )
        for name, title in (
            ("LAND_LISTING", "土地使用权出让公告"),
            ("MINING_LISTING", "矿业权出让公告"),
            ("PROPERTY_LISTING", "国有产权转让公告"),
        )
    ),
    Dataset(
        "LISTING_DEAL",
        "成交结果（成交确认）",
        (
            *COMMON,
            _f("LISTING_CODE", T),
            _f("DEAL_RESULT", Kind.CODE, codes=DEAL_RESULTS),
            _f("TRANSFEREE_NAME", T, False),
            _f("TRANSFEREE_CODE", U, False),
            _f("DEAL_AMOUNT", W, False),
            _f("DEAL_TIME", D),
        ),
        key=("UNIFIED_DEAL_CODE",),
        parents=LISTINGS,
    ),
)

_CREDIT = Dataset(
    "CREDIT_RECORD",
    "信用信息",
    (
        *COMMON[:3],
        _f("CREDIT_RECORD_CODE", T),
        _f("CREDIT_TYPE", Kind.CODE, codes=CREDIT_TYPES),
        _f("SUBJECT_NAME", T),
        _f("SUBJECT_CODE", U),
        _f("DECIDE_ORG_NAME", T),
        _f("DECIDE_BASIS", T),
        _f("CREDIT_CONTENT", T),
        _f("VALID_FROM", Kind.DATE),
        _f("VALID_UNTIL", Kind.DATE, False),
        _f("LIMIT_SCOPE", Kind.CODE, False, CREDIT_SCOPES),
        _f("LIMIT_SCOPE_VALUE", T, False),
        _f("PERFORMANCE_GRADE", Kind.CODE, False, CREDIT_GRADES),
        _f("PUBLISH_TIME", D),
        _f("RECORD_STATUS", Kind.CODE, codes=CREDIT_STATUSES),
        _f("REVOKE_TIME", D, False),
        _f("REVOKE_REASON", T, False),
    ),
    key=("CREDIT_RECORD_CODE",),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (*_DATASETS, _CREDIT)}

_WAN = re.compile(r"^\d{1,12}(\.\d{1,6})?$")
_SECTION = re.compile(r"^(?P<deal>.{33})(?P<number>\d{3})$")


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with one field; ``code`` is the stable ``invalid-field``."""

    field: str
    message: str
    code: str = "invalid-field"


def _check_value(spec: Field, value: Any) -> str | None:
    """Why ``value`` is not a valid ``spec`` field, or None."""
    if spec.kind is Kind.INT:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return None if ok else "must be a non-negative integer"
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    if len(value) > 1000:
        return "is longer than 1000 characters"
    try:
        if spec.kind is Kind.USCC:
            validate_uscc(value)
        elif spec.kind is Kind.REGION:
            validate_division(value)
    except InvalidInput as exc:
        return exc.message
    if spec.kind is Kind.DEAL_CODE and not is_valid_deal_code(value):
        return f"'{value}' is not a unified deal code (shape or check character)"
    if spec.kind is Kind.SECTION_CODE:
        match = _SECTION.match(value)
        if match is None or not is_valid_deal_code(match["deal"]):
            return f"'{value}' is not a deal code followed by a 3-digit section number"
    if spec.kind is Kind.WAN and not _WAN.match(value):
        return f"'{value}' is not an amount in 万元 (decimal text, at most 6 places)"
    if spec.kind is Kind.DATE:
        try:
            date.fromisoformat(value)
        except ValueError:
            return f"'{value}' is not an ISO 8601 date (YYYY-MM-DD)"
        if len(value) != 10:
            return f"'{value}' is not an ISO 8601 date (YYYY-MM-DD)"
    if spec.kind is Kind.DATETIME:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return f"'{value}' is not an ISO 8601 date and time"
        if moment.tzinfo is None:
            return f"'{value}' has no UTC offset"
    if spec.kind is Kind.CODE and value not in spec.codes:
        return f"'{value}' is not one of {', '.join(spec.codes)}"
    return None


def validate_record(dataset: Dataset, record: Mapping[str, Any]) -> list[FieldError]:
    """Everything wrong with ``record`` as a ``dataset`` record (empty: valid)."""
    errors: list[FieldError] = []
    for name in record:
        if dataset.field(name) is None:
            errors.append(FieldError(name, f"{dataset.name} has no field {name}"))
    for spec in dataset.fields:
        value = record.get(spec.name)
        if value is None:
            if spec.required:
                errors.append(FieldError(spec.name, f"{spec.name} is required"))
            continue
        problem = _check_value(spec, value)
        if problem is not None:
            errors.append(FieldError(spec.name, f"{spec.name} {problem}"))
    section = record.get("BID_SECTION_CODE")
    if isinstance(section, str) and not section.startswith(str(record.get("UNIFIED_DEAL_CODE"))):
        errors.append(
            FieldError("BID_SECTION_CODE", "BID_SECTION_CODE must extend UNIFIED_DEAL_CODE")
        )
    return errors
