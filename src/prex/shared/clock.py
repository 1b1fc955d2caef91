"""Injected time.

Nothing in prex reads the wall clock directly: services receive a :class:`Clock`. Tests use
:class:`FixedClock`; sandbox (training) tenders use :class:`AcceleratedClock`, on which a
statutory 20-day period passes in minutes of real time, while every rule is still checked in
the tender's own (accelerated) time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to; for tests and replays."""

    def __init__(self, at: datetime) -> None:
        self._at = ensure_utc(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = ensure_utc(at)

    def advance(self, delta: timedelta) -> None:
        self._at += delta


class AcceleratedClock:
    """Time that runs ``factor`` times faster than ``base`` since ``epoch``.

    ``to_real`` maps an accelerated instant back onto the base clock, so that a worker polling
    real time knows when an accelerated deadline falls due.
    """

    def __init__(self, base: Clock, epoch: datetime, factor: float) -> None:
        if factor < 1:
            raise ValueError("an accelerated clock cannot run slower than real time")
        self.base = base
        self.epoch = ensure_utc(epoch)
        self.factor = factor

    def now(self) -> datetime:
        return self.epoch + (self.base.now() - self.epoch) * self.factor

    def to_real(self, accelerated: datetime) -> datetime:
        return self.epoch + (ensure_utc(accelerated) - self.epoch) / self.factor


def ensure_utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime; naive values are taken to be UTC already.

    Databases (SQLite in particular) hand back naive datetimes; prex stores UTC only.
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso_utc(value: datetime | None) -> str | None:
    """A stored instant as ISO 8601 in UTC for an answer (None stays None)."""
    return None if value is None else ensure_utc(value).isoformat()
