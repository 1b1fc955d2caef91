"""Rule packs: the statutory rules of one transaction type and method, as data.

A rule pack never contains code: it is parsed from TOML (``rulepacks/*.toml``) into a
:class:`RulePack`, validated on load, and consulted by the tender aggregate. A province's
variant is a new file, not a new package.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any

from prex.envelope.container import SUITES
from prex.envelope.parameters import KEY_MODES
from prex.evaluation.method_toml import parse_evaluation_method
from prex.evaluation.methods import EvaluationMethod
from prex.shared.calendar import DayUnit, HolidayCalendar
from prex.shared.errors import InvalidInput, NotFound, RuleViolation

# The periods a tender rule pack must define; each names the statutory rule it encodes.
REQUIRED_PERIODS = (
    "deadline.min-days",
    "documents.min-download-days",
    "clarification.min-days-before-deadline",
    "objection.min-days-before-deadline",
    "objection.answer-days",
    "publicity.min-days",  # candidates (or the result) stay published at least this long
    "result-objection.answer-days",  # an objection to the result is answered within this
)


@dataclass(frozen=True)
class Period:
    """A statutory period: ``amount`` days (calendar or working) and where the law says so."""

    rule: str
    amount: int
    unit: DayUnit
    text: str  # the rule in words, quoted in refusals
    source: str  # the article, e.g. 招标投标法 第二十四条

    def quote(self) -> str:
        return f"{self.text} ({self.source})"


@dataclass(frozen=True)
class SealingRules:
    """How bids are sealed and opened under this pack (issue 4; SEALING.md)."""

    suite: str  # P256-AES256GCM | SM2-SM4GCM
    key_mode: str  # custodians | bidder_or_custodians | bidder_only
    custodians: int  # n: opening custodians who each receive a share of the opening key
    threshold: int  # k: shares needed to open
    min_bidders: int  # fewer envelopes at the deadline: the tender fails
    min_bidders_text: str
    min_bidders_source: str
    max_envelope_mb: int
    # After the deadline: how long custodians (or bidders) have to hand in what opens the bids.
    decryption_window_minutes: int = 60


DEFAULT_SEALING = SealingRules(
    "P256-AES256GCM",
    "custodians",
    5,
    3,
    3,
    "投标人少于3个的，招标人应当依照本法重新招标",
    "《招标投标法》第二十八条",
    500,
)


@dataclass(frozen=True)
class ExpertRules:
    """Who may sit on this pack's committees (issue 5): an expert who served the same tenderer
    ``max_serves`` times within ``period_days`` is avoided (0: no limit). A committee whose
    evaluation room stays paused longer than ``interruption_minutes`` is dissolved and a new
    one drawn (评标中断)."""

    max_serves: int = 3
    period_days: int = 365
    interruption_minutes: int = 120


DEFAULT_EXPERTS = ExpertRules()


@dataclass(frozen=True)
class RulePack:
    """The rules for one transaction type and method."""

    id: str
    name: str
    transaction_type: str  # engineering | procurement
    method: str  # open | invited
    periods: dict[str, Period]
    calendar: HolidayCalendar
    min_invitees: int = 0
    min_invitees_text: str = ""
    min_invitees_source: str = ""
    sealing: SealingRules = DEFAULT_SEALING
    experts: ExpertRules = DEFAULT_EXPERTS
    # How the committee evaluates (issue 5); None: the pack has no ``[evaluation]`` table.
    evaluation: EvaluationMethod | None = None
    # The ``[evaluation]`` table as plain JSON (decimals as text): what an evaluation snapshots
    # when it starts, so a later change of the pack never changes a running evaluation.
    evaluation_table: dict[str, Any] | None = None

    def period(self, rule: str) -> Period:
        return self.periods[rule]

    def require_at_least(self, rule: str, start: datetime, end: datetime, **context: Any) -> None:
        """Refuse unless ``end`` lies at least the rule's period after ``start``."""
        period = self.periods[rule]
        earliest = self.calendar.add(start, period.amount, period.unit)
        if end < earliest:
            raise RuleViolation(
                rule,
                f"{period.quote()}: the earliest allowed is {earliest.isoformat()}, "
                f"given {end.isoformat()}",
                earliest=earliest.isoformat(),
                **context,
            )

    def earliest(self, rule: str, start: datetime) -> datetime:
        period = self.periods[rule]
        return self.calendar.add(start, period.amount, period.unit)

    def latest_before(self, rule: str, deadline: datetime) -> datetime:
        """The last instant that lies the rule's period before ``deadline`` (calendar days)."""
        period = self.periods[rule]
        if period.unit is DayUnit.CALENDAR:
            return deadline - timedelta(days=period.amount)
        current = deadline
        counted = 0
        while counted < period.amount:
            current -= timedelta(days=1)
            if self.calendar.is_working_day(current.date()):
                counted += 1
        return current


def parse_rule_pack(
    data: dict[str, Any], *, origin: str, calendars: dict[str, dict[str, Any]] | None = None
) -> RulePack:
    """Build and validate a rule pack from its TOML data; errors name the file and the key."""

    def fail(message: str) -> InvalidInput:
        return InvalidInput(f"rule pack {origin}: {message}", field=origin)

    try:
        pack_id = str(data["id"])
        periods_raw = data["periods"]
    except KeyError as exc:
        raise fail(f"missing key {exc.args[0]!r}") from exc
    if data.get("transaction_type") not in ("engineering", "procurement"):
        raise fail("transaction_type must be 'engineering' or 'procurement'")
    if data.get("method") not in ("open", "invited"):
        raise fail("method must be 'open' or 'invited'")
    periods: dict[str, Period] = {}
    if not isinstance(periods_raw, dict):
        raise fail("[periods] is a table")
    # The required periods, then any other the pack defines (``challenge.*`` and ``complaint.*``
    # of docs/complaints.md), each checked alike.
    extra = [rule for rule in periods_raw if rule not in REQUIRED_PERIODS]
    for rule in (*REQUIRED_PERIODS, *extra):
        raw = periods_raw.get(rule)
        if not isinstance(raw, dict):
            raise fail(f"period '{rule}' is missing")
        amount = raw.get("amount")
        if not isinstance(amount, int) or amount < 0:
            raise fail(f"period '{rule}' needs a whole, non-negative 'amount'")
        try:
            unit = DayUnit(raw.get("unit", "days"))
        except ValueError as exc:
            raise fail(f"period '{rule}' has unit {raw.get('unit')!r}") from exc
        if not raw.get("text") or not raw.get("source"):
            raise fail(f"period '{rule}' must quote its 'text' and 'source'")
        periods[rule] = Period(rule, amount, unit, str(raw["text"]), str(raw["source"]))
    calendar_raw = data.get("calendar", {})
    if isinstance(calendar_raw, str):
        if calendars is None or calendar_raw not in calendars:
            raise fail(f"calendar file '{calendar_raw}' not found")
        calendar_raw = calendars[calendar_raw]
    try:
        calendar = HolidayCalendar(
            holidays=frozenset(date.fromisoformat(d) for d in calendar_raw.get("holidays", [])),
            workdays=frozenset(date.fromisoformat(d) for d in calendar_raw.get("workdays", [])),
        )
    except (TypeError, ValueError) as exc:
        raise fail(f"calendar dates must be YYYY-MM-DD: {exc}") from exc
    invited = data.get("invitees", {})
    sealing = _parse_sealing(data.get("sealing"), fail)
    experts = _parse_experts(data.get("experts", {}), fail)
    evaluation_raw = data.get("evaluation")
    evaluation = evaluation_table = None
    if evaluation_raw is not None:
        if not isinstance(evaluation_raw, dict):
            raise fail("[evaluation] is a table")
        evaluation = parse_evaluation_method(evaluation_raw, origin=origin)
        evaluation_table = plain_table(evaluation_raw)
    return RulePack(
        id=pack_id,
        name=str(data.get("name", pack_id)),
        transaction_type=str(data["transaction_type"]),
        method=str(data["method"]),
        periods=periods,
        calendar=calendar,
        min_invitees=int(invited.get("minimum", 0)),
        min_invitees_text=str(invited.get("text", "")),
        min_invitees_source=str(invited.get("source", "")),
        sealing=sealing,
        experts=experts,
        evaluation=evaluation,
        evaluation_table=evaluation_table,
    )


def plain_table(raw: Any) -> Any:
    """A parsed TOML table as JSON: numbers other than integers become their decimal text
    (``parse_evaluation_method`` reads both alike), so a snapshot never holds a float."""
    if isinstance(raw, dict):
        return {str(key): plain_table(value) for key, value in raw.items()}
    if isinstance(raw, list):
        return [plain_table(value) for value in raw]
    if isinstance(raw, bool | int | str):
        return raw
    return str(raw)  # float (shortest representation) or Decimal


def _parse_experts(raw: Any, fail: Any) -> ExpertRules:
    if not isinstance(raw, dict):
        raise fail("[experts] is a table")
    try:
        rules = ExpertRules(
            max_serves=int(raw.get("max_serves", DEFAULT_EXPERTS.max_serves)),
            period_days=int(raw.get("period_days", DEFAULT_EXPERTS.period_days)),
            interruption_minutes=int(
                raw.get("interruption_minutes", DEFAULT_EXPERTS.interruption_minutes)
            ),
        )
    except (TypeError, ValueError) as exc:
        raise fail(f"experts: {exc}") from exc
    if rules.max_serves < 0 or not 1 <= rules.period_days <= 3660:
        raise fail("experts.max_serves ≥ 0 and 1 ≤ experts.period_days ≤ 3660")
    if not 1 <= rules.interruption_minutes <= 10080:
        raise fail("1 ≤ experts.interruption_minutes ≤ 10080 (a week)")
    return rules


def _parse_sealing(raw: Any, fail: Any) -> SealingRules:
    if not isinstance(raw, dict):
        raise fail("the [sealing] table is missing")
    try:
        rules = SealingRules(
            suite=str(raw["suite"]),
            key_mode=str(raw["key_mode"]),
            custodians=int(raw["custodians"]),
            threshold=int(raw["threshold"]),
            min_bidders=int(raw["min_bidders"]),
            min_bidders_text=str(raw["min_bidders_text"]),
            min_bidders_source=str(raw["min_bidders_source"]),
            max_envelope_mb=int(raw["max_envelope_mb"]),
            decryption_window_minutes=int(raw.get("decryption_window_minutes", 60)),
        )
    except KeyError as exc:
        raise fail(f"sealing.{exc.args[0]} is missing") from exc
    except (TypeError, ValueError) as exc:
        raise fail(f"sealing: {exc}") from exc
    if rules.suite not in SUITES:
        raise fail(f"sealing.suite is one of {', '.join(SUITES)}")
    if rules.key_mode not in KEY_MODES:
        raise fail(f"sealing.key_mode is one of {', '.join(KEY_MODES)}")
    if not 1 <= rules.threshold <= rules.custodians <= 255:
        raise fail("sealing needs 1 ≤ threshold ≤ custodians ≤ 255")
    if rules.min_bidders < 1 or not 1 <= rules.max_envelope_mb <= 4096:
        raise fail("sealing.min_bidders ≥ 1 and 1 ≤ sealing.max_envelope_mb ≤ 4096")
    if not 1 <= rules.decryption_window_minutes <= 24 * 60:
        raise fail("sealing.decryption_window_minutes is 1 to 1440")
    return rules


class RulePackRegistry:
    """The rule packs shipped in ``prex/tenders/rulepacks``, keyed by id."""

    def __init__(self, packs: dict[str, RulePack]) -> None:
        self._packs = packs

    @classmethod
    def bundled(cls) -> RulePackRegistry:
        packs: dict[str, RulePack] = {}
        folder = resources.files("prex.tenders") / "rulepacks"
        entries = sorted(
            (e for e in folder.iterdir() if e.name.endswith(".toml")), key=lambda e: e.name
        )
        calendars = {
            e.name: tomllib.loads(e.read_text("utf-8"))
            for e in entries
            if e.name.startswith("calendar-")
        }
        for entry in entries:
            if entry.name.startswith("calendar-"):
                continue
            data = tomllib.loads(entry.read_text("utf-8"))
            pack = parse_rule_pack(data, origin=entry.name, calendars=calendars)
            packs[pack.id] = pack
        return cls(packs)

    def get(self, pack_id: str) -> RulePack:
        try:
            return self._packs[pack_id]
        except KeyError:
            raise NotFound(f"no rule pack '{pack_id}'", rule_pack=pack_id) from None

    def all(self) -> list[RulePack]:
        return list(self._packs.values())

    def for_method(self, transaction_type: str, method: str) -> RulePack:
        for pack in self._packs.values():
            if pack.transaction_type == transaction_type and pack.method == method:
                return pack
        raise NotFound(
            f"no rule pack for {transaction_type} / {method}",
            transaction_type=transaction_type,
            method=method,
        )
