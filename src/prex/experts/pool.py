"""What the draw sees of an expert: a plain record, read from the registry for one draw date
(``registry.pool_for_draw``), so that the draw itself is pure and replayable."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PoolExpert:
    expert_id: str  # ULID
    centre_id: str  # home centre: the venue whose pool the expert belongs to
    employer_uscc: str | None
    specialties: frozenset[str]
    declared_usccs: frozenset[str]  # organisations the expert declared an interest in
    blacklisted: bool  # on the draw date
    unavailable: bool  # on the draw date
    served_by_tenderer: tuple[tuple[str, int], ...]  # (tenderer uscc, times served), sorted
