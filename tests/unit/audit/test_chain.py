"""The hash chain: untouched entries verify; any change to any field is found at its entry."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from prex.audit.chain import GENESIS, Entry, digest_of, entry_hash, first_break


def chain(n: int) -> list[Entry]:
    entries = []
    prev = GENESIS
    at = datetime(2026, 3, 2, tzinfo=UTC)
    for seq in range(1, n + 1):
        payload = {"event": {"n": seq, "title": f"招标{seq}"}}
        fields = {
            "seq": seq,
            "at": at + timedelta(seconds=seq),
            "actor_id": "u",
            "actor_label": "用户",
            "address": "10.0.0.1",
            "action": "TenderPublished",
            "object_type": "tender",
            "object_id": f"t{seq}",
            "digest": digest_of(payload),
            "prev_hash": prev,
        }
        prev = entry_hash(**fields)  # type: ignore[arg-type]
        entries.append(Entry(payload=payload, hash=prev, **fields))  # type: ignore[arg-type]
    return entries


def test_an_untouched_chain_verifies() -> None:
    assert first_break(chain(20)) is None


FIELDS = [
    "at",
    "actor_id",
    "actor_label",
    "address",
    "action",
    "object_type",
    "object_id",
    "payload",
    "digest",
    "prev_hash",
    "hash",
]


@given(st.integers(min_value=1, max_value=12), st.sampled_from(FIELDS))
def test_changing_any_field_of_any_entry_names_that_entry(position: int, field: str) -> None:
    entries = chain(12)
    victim = entries[position - 1]
    value = getattr(victim, field)
    if field == "at":
        changed = value + timedelta(microseconds=1)
    elif field == "payload":
        changed = {"event": {"n": -1}}
    elif value is None:
        changed = "x"
    else:
        changed = value[:-1] + ("0" if value[-1] != "0" else "1")
    entries[position - 1] = dataclasses.replace(victim, **{field: changed})
    broken = first_break(entries)
    assert broken is not None and broken.seq == position


def test_a_deleted_entry_is_found() -> None:
    entries = chain(5)
    del entries[2]
    broken = first_break(entries)
    assert broken is not None and broken.seq == 3
