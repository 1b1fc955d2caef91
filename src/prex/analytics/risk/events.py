"""Events of red flags and risk (all private: they name suspects before anyone has checked)."""

from __future__ import annotations

from dataclasses import dataclass

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class FlagRunRecorded(DomainEvent):
    source: str
    rules: list[str]
    hits: int
    new_hits: int
    resolved_hits: int
    alerts: int


@dataclass(frozen=True)
class AlertRaised(DomainEvent):
    kind: str  # tender | bidder
    subject_id: str
    centre_id: str | None
    level: int
    previous_level: int | None
    score: float


@dataclass(frozen=True)
class AlertAcknowledged(DomainEvent):
    note: str
