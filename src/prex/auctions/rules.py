"""Rule packs of listings and auctions: the statutory periods (announcement before bidding
opens, the listing period, the result's publication) with their quoted sources, the timed
round's countdown, and the holiday calendar that counts working days — TOML files in
``prex/auctions/rulepacks``, read and checked at start-up like the tenders' packs."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any

from prex.shared.calendar import DayUnit, HolidayCalendar
from prex.shared.errors import InvalidInput, NotFound, RuleViolation
from prex.tenders.rules import Period

KINDS = ("land_use", "mining", "equity")
METHODS = ("listing", "auction")
PERIODS = ("announcement", "listing", "result")


@dataclass(frozen=True)
class AuctionRules:
    id: str
    name: str
    kind: str  # land_use | mining | equity
    method: str  # listing (挂牌, with a timed round) | auction (English)
    countdown: timedelta
    periods: dict[str, Period]
    calendar: HolidayCalendar

    def earliest(self, rule: str, start: datetime) -> datetime:
        period = self.periods[rule]
        return self.calendar.add(start, period.amount, period.unit)

    def require_at_least(self, rule: str, start: datetime, end: datetime, **context: Any) -> None:
        """Refuse unless ``end`` lies at least the rule's period after ``start``."""
        earliest = self.earliest(rule, start)
        if end < earliest:
            raise RuleViolation(
                f"auction.{rule}",
                f"{self.periods[rule].quote()}: the earliest allowed is {earliest.isoformat()}, "
                f"given {end.isoformat()}",
                earliest=earliest.isoformat(),
                **context,
            )


def parse_auction_rules(
    data: dict[str, Any], *, origin: str, calendars: dict[str, dict[str, Any]]
) -> AuctionRules:
    def fail(message: str) -> InvalidInput:
        return InvalidInput(f"auction rule pack {origin}: {message}", field=origin)

    if data.get("kind") not in KINDS:
        raise fail(f"kind is one of {', '.join(KINDS)}")
    if data.get("method") not in METHODS:
        raise fail(f"method is one of {', '.join(METHODS)}")
    countdown = data.get("countdown_seconds")
    if not isinstance(countdown, int) or not 10 <= countdown <= 3600:
        raise fail("countdown_seconds is a whole number from 10 to 3600")
    periods: dict[str, Period] = {}
    for rule in PERIODS:
        raw = (data.get("periods") or {}).get(rule)
        if not isinstance(raw, dict) or not isinstance(raw.get("amount"), int):
            raise fail(f"period '{rule}' needs a whole 'amount'")
        if raw["amount"] < 0 or not raw.get("text") or not raw.get("source"):
            raise fail(f"period '{rule}' needs a non-negative amount, its 'text' and 'source'")
        try:
            unit = DayUnit(raw.get("unit", "days"))
        except ValueError:
            raise fail(f"period '{rule}' has unit {raw.get('unit')!r}") from None
        periods[rule] = Period(rule, raw["amount"], unit, str(raw["text"]), str(raw["source"]))
    calendar_raw = calendars.get(str(data.get("calendar")))
    if calendar_raw is None:
        raise fail(f"calendar file {data.get('calendar')!r} not found")
    try:
        calendar = HolidayCalendar(
            holidays=frozenset(date.fromisoformat(d) for d in calendar_raw.get("holidays", [])),
            workdays=frozenset(date.fromisoformat(d) for d in calendar_raw.get("workdays", [])),
        )
    except (TypeError, ValueError) as exc:
        raise fail(f"calendar dates must be YYYY-MM-DD: {exc}") from exc
    try:
        return AuctionRules(
            id=str(data["id"]),
            name=str(data["name"]),
            kind=str(data["kind"]),
            method=str(data["method"]),
            countdown=timedelta(seconds=countdown),
            periods=periods,
            calendar=calendar,
        )
    except KeyError as exc:
        raise fail(f"missing key {exc.args[0]!r}") from None


class AuctionRuleRegistry:
    """The auction rule packs shipped in ``prex/auctions/rulepacks``, keyed by id."""

    def __init__(self, packs: dict[str, AuctionRules]) -> None:
        self._packs = packs

    @classmethod
    def bundled(cls) -> AuctionRuleRegistry:
        calendars_dir = resources.files("prex.tenders") / "rulepacks"
        calendars = {
            e.name: tomllib.loads(e.read_text("utf-8"))
            for e in calendars_dir.iterdir()
            if e.name.startswith("calendar-") and e.name.endswith(".toml")
        }
        folder = resources.files("prex.auctions") / "rulepacks"
        packs = {}
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".toml"):
                data = tomllib.loads(entry.read_text("utf-8"))
                pack = parse_auction_rules(data, origin=entry.name, calendars=calendars)
                packs[pack.id] = pack
        return cls(packs)

    def get(self, pack_id: str) -> AuctionRules:
        try:
            return self._packs[pack_id]
        except KeyError:
            raise NotFound(f"no auction rule pack '{pack_id}'", rule_pack=pack_id) from None

    def all(self) -> list[AuctionRules]:
        return list(self._packs.values())
