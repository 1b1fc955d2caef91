"""Per-tender pseudonyms: stable within a tender, unrelated between tenders, distinct within a
committee, and nothing of the expert in them."""

from __future__ import annotations

import re
from itertools import count

from prex.experts.pseudonyms import pseudonym, pseudonyms

SECRET = "platform-secret"


def test_a_pseudonym_is_stable_within_a_tender_and_differs_between_tenders() -> None:
    first = pseudonym(SECRET, "T1", "E1")
    assert re.fullmatch(r"专家[0-9A-F]{4}", first)
    assert pseudonym(SECRET, "T1", "E1") == first
    others = {pseudonym(SECRET, f"T{n}", "E1") for n in range(2, 40)}
    assert first not in others and len(others) > 30
    assert pseudonym("another-secret", "T1", "E1") != first


def test_a_committee_never_shares_a_pseudonym_even_when_four_digits_collide() -> None:
    seen: dict[str, str] = {}
    for n in count():
        expert = f"E{n}"
        short = pseudonym(SECRET, "T1", expert)
        if short in seen:
            a, b = seen[short], expert
            break
        seen[short] = expert
    committee = [a, b, "E-other"]
    names = pseudonyms(SECRET, "T1", committee)
    assert len(set(names.values())) == 3
    assert names[a] != names[b] and len(names[a]) > len("专家") + 4
    assert names[a].startswith(short) and names[b].startswith(short)
    assert names["E-other"] == pseudonym(SECRET, "T1", "E-other")
