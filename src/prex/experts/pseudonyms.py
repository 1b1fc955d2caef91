"""Per-tender pseudonyms of experts (专家A3F9): what bidders, the public, and the experts among
themselves see of a committee until the result is published.

A pseudonym is ``专家`` and the first hex digits of HMAC-SHA256(platform secret,
``prex-expert-pseudonym`` ‖ tender id ‖ expert id): stable within a tender (the same expert is
the same pseudonym in every message, page and record of it), unrelated between tenders (nobody
can follow an expert from one committee to the next), and impossible to reverse without the
platform's secret key (``PREX_SECRET_KEY``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

PREFIX = "专家"
LABEL = b"prex-expert-pseudonym"
LENGTH = 4


def _digest(secret: str, tender_id: str, expert_id: str) -> str:
    message = b"\x00".join((LABEL, tender_id.encode(), expert_id.encode()))
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest().upper()


def pseudonym(secret: str, tender_id: str, expert_id: str, *, length: int = LENGTH) -> str:
    """The expert's pseudonym in this tender: ``专家`` and ``length`` hex digits."""
    if not 4 <= length <= 64:
        raise ValueError("a pseudonym has 4–64 hex digits")
    return PREFIX + _digest(secret, tender_id, expert_id)[:length]


def pseudonyms(secret: str, tender_id: str, expert_ids: Iterable[str]) -> dict[str, str]:
    """Pseudonyms for a committee, distinct from each other: an expert whose four digits
    collide with another's (about 1 in 8,000 for a committee of nine) gets more digits, as
    many as tell it apart; everyone else keeps the plain four."""
    digests = {e: _digest(secret, tender_id, e) for e in set(expert_ids)}
    names: dict[str, str] = {}
    for expert_id, digest in digests.items():
        length = LENGTH
        while length < 64 and any(
            other != expert_id and theirs[:length] == digest[:length]
            for other, theirs in digests.items()
        ):
            length += 1
        names[expert_id] = PREFIX + digest[:length]
    return names
