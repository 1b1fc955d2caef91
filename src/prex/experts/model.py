"""The expert registry's pure part: titles, the entry rule, and the records use cases return.

Standard library and ``prex.shared`` only. An expert's identity — name, resident identity
number, phone, employer — is in :class:`ExpertData` and :class:`ExpertView` and nowhere else:
events, the draw's pool and everything a bidder or the public can reach carry only the id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from prex.shared.errors import InvalidInput, RuleViolation


class Title(StrEnum):
    """Professional title level (职称级别)."""

    FULL_SENIOR = "full_senior"  # 正高级: 正高级工程师, 教授, 研究员 …
    DEPUTY_SENIOR = "deputy_senior"  # 副高级: 高级工程师, 副教授, 高级会计师 …
    INTERMEDIATE = "intermediate"  # 中级: 工程师, 讲师, 会计师 …
    JUNIOR = "junior"  # 初级: 助理工程师, 技术员 …

    @property
    def label(self) -> str:
        return TITLE_LABELS[self]


TITLE_LABELS = {
    Title.FULL_SENIOR: "正高级",
    Title.DEPUTY_SENIOR: "副高级",
    Title.INTERMEDIATE: "中级",
    Title.JUNIOR: "初级",
}
#: The titles the entry rule calls senior (高级职称).
SENIOR_TITLES = frozenset({Title.FULL_SENIOR, Title.DEPUTY_SENIOR})

ENTRY_RULE = "expert.entry"
MIN_YEARS = 8
ENTRY_TEXT = "评标委员会的专家应当从事相关领域工作满八年并具有高级职称或者具有同等专业水平"
ENTRY_SOURCE = "《招标投标法》第三十七条；《评标专家和评标专家库管理暂行办法》第七条"
MAX_CREDIT = 100


def parse_title(text: str) -> Title:
    """A title from its label (正高级 …) or value (full_senior …)."""
    cleaned = text.strip() if isinstance(text, str) else ""
    for title in Title:
        if cleaned in (title.value, title.label):
            return title
    choices = "、".join(TITLE_LABELS.values())
    raise InvalidInput(f"title '{text}' is not one of {choices}", field="title")


def entry_refusals(title: Title, years_of_practice: int) -> list[str]:
    """Why an expert with this title and practice may not enter the registry (empty: may)."""
    reasons = []
    if years_of_practice < MIN_YEARS:
        reasons.append(
            f"{years_of_practice} years of practice; entry needs at least {MIN_YEARS} "
            f"({ENTRY_SOURCE})"
        )
    if title not in SENIOR_TITLES:
        reasons.append(
            f"title {title.label} ({title.value}); entry needs a senior title, 正高级 or 副高级 "
            f"({ENTRY_SOURCE})"
        )
    return reasons


def check_entry(title: Title, years_of_practice: int) -> None:
    """Raise :class:`RuleViolation` unless the expert meets the entry rule."""
    reasons = entry_refusals(title, years_of_practice)
    if reasons:
        raise RuleViolation(
            ENTRY_RULE,
            "the expert does not meet the entry rule: " + "; ".join(reasons),
            text=ENTRY_TEXT,
            source=ENTRY_SOURCE,
        )


def check_period(start: date, until: date | None, *, what: str) -> None:
    """``until`` (inclusive) is not before ``start``."""
    if until is not None and until < start:
        raise InvalidInput(
            f"{what} ends ({until.isoformat()}) before it starts ({start.isoformat()})",
            field="until",
        )


@dataclass(frozen=True)
class ExpertData:
    """What registering an expert takes, every field already checked (``fields``).

    ``id_number`` is the full resident identity number: the registry keeps only its keyed
    digest (to find the expert again) and a masked form (to show). None when updating means
    "keep the number on record"."""

    name: str
    id_number: str | None
    phone: str
    employer_uscc: str | None
    title: Title
    years_of_practice: int
    specialties: tuple[str, ...]
    centre_id: str
    credit_score: int = MAX_CREDIT
    user_id: str | None = None


@dataclass(frozen=True)
class ExpertView:
    """An expert as operators and supervisors see it: with its identity."""

    id: str
    name: str
    id_number_masked: str
    phone: str
    employer_uscc: str | None
    employer_name: str | None  # when the employer is registered on the platform
    title: Title
    years_of_practice: int
    specialties: tuple[str, ...]
    centre_id: str
    credit_score: int
    user_id: str | None
    blacklisted: bool  # on the day the view was read
    unavailable: bool  # on the day the view was read
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class BlacklistEntry:
    """A period during which the expert may not be drawn (``until`` None: indefinite)."""

    id: str
    reason: str
    source: str
    start: date
    until: date | None
    created_at: datetime
    lifted_at: datetime | None
    lift_reason: str | None

    def applies_on(self, day: date) -> bool:
        return (
            self.lifted_at is None
            and self.start <= day
            and (self.until is None or day <= self.until)
        )


@dataclass(frozen=True)
class Unavailability:
    """Dates (inclusive) on which the expert cannot serve: travel, illness, a busy period."""

    id: str
    start: date
    until: date
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class DeclaredInterest:
    """An organisation the expert declared it must avoid (a relative's employer, a former
    employer, a shareholding …), by credit code."""

    id: str
    uscc: str
    org_name: str | None  # when the organisation is registered on the platform
    reason: str
    declared_at: datetime


@dataclass(frozen=True)
class Service:
    """An evaluation the expert served on."""

    tender_id: str
    tenderer_uscc: str
    served_on: date


@dataclass(frozen=True)
class ExpertDetail:
    expert: ExpertView
    blacklist: tuple[BlacklistEntry, ...]
    unavailability: tuple[Unavailability, ...]
    interests: tuple[DeclaredInterest, ...]
    services: tuple[Service, ...]
