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


@dataclass(frozen=True)
class CommitteeDissolved(DomainEvent):
    """The committee of ``round`` was dissolved: its room stayed paused beyond the rule pack's
    limit (评标中断); its sitting members' seats end, their sheets stay under their ids."""

    round: int
    reason: str
    paused_at: str  # ISO 8601
    paused_minutes: int  # how long the room had been paused when it was dissolved
    limit_minutes: int  # the rule pack's interruption_minutes
    members: list[str]  # the member ids whose seats were dissolved


@dataclass(frozen=True)
class CommitteeRedrawn(DomainEvent):
    round: int
    seed_sha256: str  # of HMAC-SHA256(the committed seed, "prex-redraw\0" ‖ round)
    record_sha256: str
    public_input: str  # the dissolved round's record digest | the limit's expiry
    members: int
    standby: int
    excluded: dict[str, int]  # avoidance reason → experts excluded


@dataclass(frozen=True)
class CommitteeRedrawFailed(DomainEvent):
    """The redraw found too few eligible experts: the centre extends the pool and draws again."""

    round: int
    reason: str
