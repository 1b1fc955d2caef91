"""Hash chain arithmetic, kept apart from storage so that it can be checked independently.

Each entry's ``digest`` is SHA-256 over the canonical JSON of its payload (the change);
its ``hash`` is SHA-256 over the canonical JSON of every other field including ``prev_hash``.
Editing any column of any entry breaks that entry's hash, and deleting or reordering entries
breaks the next entry's ``prev_hash``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prex.shared.clock import ensure_utc

GENESIS = "0" * 64


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the same bytes for the same value everywhere."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def digest_of(payload: Any) -> str:
    return hashlib.sha256(canonical_json(payload)).hexdigest()


@dataclass(frozen=True)
class Entry:
    seq: int
    at: datetime
    actor_id: str | None
    actor_label: str
    address: str | None
    action: str
    object_type: str
    object_id: str
    payload: dict[str, Any]
    digest: str
    prev_hash: str
    hash: str


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor_id: str | None,
    actor_label: str,
    address: str | None,
    action: str,
    object_type: str,
    object_id: str,
    digest: str,
    prev_hash: str,
) -> str:
    body = {
        "seq": seq,
        "at": ensure_utc(at).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "address": address,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "digest": digest,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()


def hash_of(entry: Entry) -> str:
    """The hash an entry should carry, from its other fields."""
    return entry_hash(
        seq=entry.seq,
        at=entry.at,
        actor_id=entry.actor_id,
        actor_label=entry.actor_label,
        address=entry.address,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        digest=entry.digest,
        prev_hash=entry.prev_hash,
    )


@dataclass(frozen=True)
class Break:
    """The first entry at which the chain does not verify, and why."""

    seq: int
    reason: str


def first_break(
    entries: Any, *, expected_prev: str = GENESIS, expected_seq: int = 1
) -> Break | None:
    """Walk ``entries`` (in sequence order) and return the first break, or None."""
    prev = expected_prev
    seq = expected_seq
    for entry in entries:
        if entry.seq != seq:
            return Break(seq, f"entry {seq} is missing (found {entry.seq} next)")
        if entry.prev_hash != prev:
            return Break(entry.seq, "its prev_hash does not match the previous entry's hash")
        if digest_of(entry.payload) != entry.digest:
            return Break(entry.seq, "its payload does not match its digest")
        if hash_of(entry) != entry.hash:
            return Break(entry.seq, "its fields do not match its hash")
        prev = entry.hash
        seq += 1
    return None
