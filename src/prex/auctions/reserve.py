"""The reserve price (保留价), sealed: nobody reading the database or the logs learns it before
bidding closes, and nobody can change it afterwards.

At set-up the price and a random salt are wrapped to the platform's escrow certificate (the key
that also escrows bids' content keys, decision 0009), and the SHA-256 of the canonical JSON
``{"listing_id", "reserve", "salt"}`` is published as the commitment. At close the escrow key
unwraps it and the commitment is checked before the price is used or revealed.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from prex.audit.chain import canonical_json
from prex.envelope.ecies import unwrap_with_key, wrap_for_certificate
from prex.shared.errors import Conflict

if TYPE_CHECKING:
    from prex.bootstrap import Services

RESERVE_INFO = b"prex-listing-reserve\0"


def _document(listing_id: str, reserve: Decimal, salt: str) -> bytes:
    return canonical_json({"listing_id": listing_id, "reserve": format(reserve, "f"), "salt": salt})


def seal_reserve(services: Services, listing_id: str, reserve: Decimal) -> tuple[bytes, str]:
    """The sealed reserve and its commitment (hex SHA-256)."""
    document = _document(listing_id, reserve, secrets.token_hex(16))
    sealed = wrap_for_certificate(
        services.pki.platform_keys().escrow_certificate,
        document,
        RESERVE_INFO + listing_id.encode(),
    )
    return sealed, hashlib.sha256(document).hexdigest()


def unseal_reserve(services: Services, row: Any) -> Decimal | None:
    """The reserve of a listing row (None when it has none), checked against its commitment."""
    if row.reserve_sealed is None:
        return None
    document = unwrap_with_key(
        services.pki.platform_keys().escrow_key,
        bytes(row.reserve_sealed),
        RESERVE_INFO + str(row.id).encode(),
    )
    if hashlib.sha256(document).hexdigest() != row.reserve_commitment:
        raise Conflict(f"the sealed reserve of listing {row.id} does not match its commitment")
    data = json.loads(document)
    if data.get("listing_id") != row.id:
        raise Conflict(f"the sealed reserve of listing {row.id} belongs to another listing")
    return Decimal(data["reserve"])
