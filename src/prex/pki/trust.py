"""The trust list: the CA certificates a centre accepts, with status, purposes and profile.

Roots and intermediates both live here. Roots (self-signed) are the anchors a path must end
at; listed intermediates let bidders present a bare end-entity certificate, and their status
and purposes apply to everything below them. The in-memory :class:`TrustList` is a snapshot
that the validator consults without touching the database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from prex.pki.certs import Certificate
from prex.shared.errors import InvalidInput


class CaStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # temporarily not accepted; may be re-activated
    WITHDRAWN = "withdrawn"  # permanently removed from mutual recognition


class Purpose(StrEnum):
    LOGIN = "login"
    SIGNING = "signing"
    ENCRYPTION = "encryption"


ALL_PURPOSES = (Purpose.LOGIN, Purpose.SIGNING, Purpose.ENCRYPTION)

#: Which status an operator may move a CA to from which; withdrawal is final.
STATUS_MOVES: dict[CaStatus, frozenset[CaStatus]] = {
    CaStatus.ACTIVE: frozenset({CaStatus.SUSPENDED, CaStatus.WITHDRAWN}),
    CaStatus.SUSPENDED: frozenset({CaStatus.ACTIVE, CaStatus.WITHDRAWN}),
    CaStatus.WITHDRAWN: frozenset(),
}


def parse_purposes(values: list[str] | tuple[str, ...] | None) -> tuple[Purpose, ...]:
    if not values:
        return ALL_PURPOSES
    try:
        return tuple(sorted({Purpose(v.strip()) for v in values}, key=ALL_PURPOSES.index))
    except ValueError:
        raise InvalidInput(
            f"purposes are {', '.join(p.value for p in Purpose)}; got {', '.join(values)}",
            field="purposes",
        ) from None


@dataclass(frozen=True)
class TrustedCa:
    id: str
    certificate: Certificate
    status: CaStatus
    purposes: tuple[Purpose, ...]
    profile: tuple[str, ...]
    label: str = ""
    status_reason: str = ""
    added_at: datetime | None = None

    @property
    def is_root(self) -> bool:
        return self.certificate.self_issued


class TrustList:
    """An immutable snapshot, indexed for issuer lookup by subject name."""

    def __init__(self, entries: list[TrustedCa]) -> None:
        self.entries = tuple(entries)
        self._by_fingerprint = {e.certificate.fingerprint: e for e in entries}
        self._by_subject: dict[bytes, list[TrustedCa]] = defaultdict(list)
        for entry in entries:
            self._by_subject[entry.certificate.subject_der].append(entry)

    def __len__(self) -> int:
        return len(self.entries)

    def entry_for(self, certificate: Certificate) -> TrustedCa | None:
        return self._by_fingerprint.get(certificate.fingerprint)

    def issuers_named(self, name_der: bytes) -> list[TrustedCa]:
        return self._by_subject.get(name_der, [])

    def by_id(self, ca_id: str) -> TrustedCa | None:
        return next((e for e in self.entries if e.id == ca_id), None)
