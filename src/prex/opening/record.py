"""The opening record (开标记录): what was opened and read out, signed and timestamped.

Canonical JSON (the envelope format's ``canonical``) of format ``prex-opening-record`` version 1;
its SHA-256 is timestamped by the platform TSA (RFC 3161) and signed by the platform's signing
certificate (detached CMS over the same canonical bytes), so anyone can check it offline with
`prex sig verify` and the published platform CA.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from prex.bidding.commitment import commitment_of
from prex.bidding.orm import tender_opening_keys
from prex.envelope.container import canonical
from prex.identity.orm import organisations
from prex.opening.orm import opened_bids, opening_checkins, opening_statements, openings
from prex.pki.cms import sign_detached
from prex.shared.clock import ensure_utc

if TYPE_CHECKING:
    from prex.bootstrap import Services
    from prex.tenders.model import Tender

RECORD_FORMAT = "prex-opening-record"


@dataclass(frozen=True)
class SignedRecord:
    sha256: str
    signature: str  # base64 detached CMS over the canonical record
    timestamp: str  # base64 RFC 3161 token over the SHA-256


def _iso(value: Any) -> str | None:
    return None if value is None else ensure_utc(value).isoformat()


def build_record(session: Any, services: Services, tender: Tender) -> dict[str, Any]:
    opening = session.execute(select(openings).where(openings.c.tender_id == tender.id)).one()
    key = session.execute(
        select(tender_opening_keys).where(tender_opening_keys.c.tender_id == tender.id)
    ).one()
    committed = commitment_of(session, tender.id) or {}
    names = {
        r.id: (r.name, r.uscc)
        for r in session.execute(
            select(organisations.c.id, organisations.c.name, organisations.c.uscc)
        )
    }
    checked_in = {
        r.org_id: r.checked_in_at
        for r in session.execute(
            select(opening_checkins.c.org_id, opening_checkins.c.checked_in_at).where(
                opening_checkins.c.tender_id == tender.id
            )
        )
    }
    bids = []
    for r in session.execute(
        select(opened_bids)
        .where(opened_bids.c.tender_id == tender.id)
        .order_by(opened_bids.c.section_id, opened_bids.c.envelope_sha256)
    ):
        form = r.form or {}
        name, uscc = names[r.bidder_org_id]
        bids.append(
            {
                "section_id": r.section_id,
                "bidder_name": name,
                "bidder_uscc": uscc,
                "envelope_sha256": r.envelope_sha256,
                "outcome": r.outcome,
                "fault": r.fault,
                "reason": r.reason,
                "decrypted_by": r.decrypted_by,
                "price": form.get("price"),
                "duration_days": form.get("duration_days"),
                "project_manager": form.get("project_manager"),
                "bond_kind": (form.get("bond") or {}).get("kind"),
                "signer": r.signer_subject,
                "checked_in_at": _iso(checked_in.get(r.bidder_org_id)),
            }
        )
    statements = [
        {
            "bidder_name": names[r.org_id][0],
            "kind": r.kind,
            "text": r.text,
            "made_at": _iso(r.made_at),
            "answer": r.answer,
            "answered_at": _iso(r.answered_at),
        }
        for r in session.execute(
            select(opening_statements)
            .where(opening_statements.c.tender_id == tender.id)
            .order_by(opening_statements.c.made_at, opening_statements.c.id)
        )
    ]
    return {
        "format": RECORD_FORMAT,
        "version": 1,
        "platform_code": services.settings.platform_code,
        "tender_id": tender.id,
        "title": tender.title,
        "sections": [{"id": s.id, "name": s.name} for s in tender.sections],
        "bid_deadline": _iso(tender.bid_deadline),
        "commitment_sha256": committed.get("sha256"),
        "suite": key.suite,
        "key_mode": key.key_mode,
        "threshold": key.threshold,
        "shares_used": opening.shares_used or [],
        "opened_at": _iso(opening.opened_at),
        "bids": bids,
        "statements": statements,
    }


def sign_record(services: Services, record: dict[str, Any]) -> SignedRecord:
    data = canonical(record)
    digest = hashlib.sha256(data)
    keys = services.pki.platform_keys()
    token = services.pki.timestamp_authority().stamp(digest.digest())
    signature = sign_detached(
        data,
        keys.signing_certificate,
        keys.signing_key,
        chain=[keys.ca_certificate],
        signing_time=services.clock.now(),
    )
    return SignedRecord(
        digest.hexdigest(),
        base64.b64encode(signature).decode(),
        base64.b64encode(token).decode(),
    )
