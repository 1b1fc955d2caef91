"""What every release shares: identifiers, parties, amounts, instants and the envelope."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from prex.shared.clock import ensure_utc

# org-id.guide lists no scheme for the unified social credit code (its only Chinese register,
# CN-SAIC, covers enterprises, not the public bodies whose codes start with 1); DOMAIN.md asks
# for the USCC, so prex uses this one constant until a scheme is registered.
IDENTIFIER_SCHEME = "CN-USCC"
CURRENCY = "CNY"
LANGUAGE = "zh"


def rfc3339(value: datetime | str) -> str:
    """An instant as RFC 3339 in UTC with a ``Z``."""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return ensure_utc(instant).isoformat().replace("+00:00", "Z")


def status_reason(seq: int, at: datetime, status: str, reason: str) -> list[dict[str, Any]]:
    """Why a process was cancelled or failed, as OCDS 1.1 says it: an amendment with its
    rationale (``statusDetails`` is not in 1.1 or its bids and lots extensions; libcoveocds
    would report it as an additional field)."""
    return [{"id": f"{status}-{seq}", "date": rfc3339(at), "rationale": reason}]


def money(amount: Decimal | str | None) -> dict[str, Any] | None:
    """A Value in CNY (OCDS amounts are JSON numbers; two places are exact in a double)."""
    if amount is None:
        return None
    return {"amount": float(Decimal(str(amount)).quantize(Decimal("0.01"))), "currency": CURRENCY}


def ocid_for(prefix: str, deal_code: str) -> str:
    """``ocds-<prefix>-<unified deal code>`` (a listing's public code stands for its deal code)."""
    return f"ocds-{prefix}-{deal_code}"


def party_id(uscc: str) -> str:
    return f"{IDENTIFIER_SCHEME}-{uscc}"


def org_ref(org: dict[str, Any]) -> dict[str, Any]:
    """An OrganizationReference to a snapshot organisation (``name``, ``uscc``)."""
    return {"id": party_id(org["uscc"]), "name": org["name"]}


def party(org: dict[str, Any], roles: list[str]) -> dict[str, Any]:
    return {
        **org_ref(org),
        "identifier": {"scheme": IDENTIFIER_SCHEME, "id": org["uscc"], "legalName": org["name"]},
        "roles": roles,
    }


def release(
    ocid: str, seq: int, at: datetime | str, tags: list[str], **sections: Any
) -> dict[str, Any]:
    """The release envelope; its id ``<ocid>-<outbox seq>`` is unique and never changes."""
    return {
        "ocid": ocid,
        "id": f"{ocid}-{seq}",
        "date": rfc3339(at),
        "tag": tags,
        "initiationType": "tender",
        "language": LANGUAGE,
        **{k: v for k, v in sections.items() if v is not None},
    }
