"""Events of committee draws (audit entries; identities only as expert ids)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class CommitteeDefined(DomainEvent):
    spec: dict[str, Any]
    seed_sha256: str  # published now; the seed itself with the result


@dataclass(frozen=True)
class CommitteeDrawn(DomainEvent):
    record_sha256: str
    public_input: str  # the deadline commitment's hash the seed was combined with
    members: int
    standby: int
    excluded: dict[str, int]  # avoidance reason → experts excluded


@dataclass(frozen=True)
class CommitteeMemberResponded(DomainEvent):
    member_id: str
    response: str
    replaced_by: str | None


@dataclass(frozen=True)
class DrawSeedRevealed(DomainEvent):
    seed: str
