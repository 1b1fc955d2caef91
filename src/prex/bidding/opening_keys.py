"""The tender's opening key, made when the tender is published (SEALING.md).

A fresh key pair on the suite's curve; its private scalar is split k-of-n with Shamir, each
share encrypted at once to one custodian's encryption certificate, and only the public point, the
Feldman commitments and the encrypted shares are stored. The scalar is dropped before the
transaction commits: the server alone can never reconstruct it.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from prex.bidding import events as ev
from prex.bidding.custodians import Custodian, custodians_of
from prex.bidding.orm import opening_key_shares, tender_opening_keys
from prex.envelope import threshold
from prex.envelope.container import SUITES, canonical
from prex.envelope.parameters import SIGNATURE_FIELD, Section, TenderParameters
from prex.identity.orm import centres
from prex.pki.certs import Certificate
from prex.pki.cms import sign_detached
from prex.pki.orm import cached_crls
from prex.pki.revocation import parse_crl
from prex.shared.clock import Clock, ensure_utc
from prex.shared.errors import NotFound, RuleViolation
from prex.tenders.rules import SealingRules

if TYPE_CHECKING:
    from prex.bootstrap import Services
    from prex.tenders.model import Tender


def custodians_for(session: Any, centre_id: str) -> list[Custodian]:
    """The centre's custodians; a centre without any uses its parent's (a city centre may rely
    on the provincial centre's custodians)."""
    current: str | None = centre_id
    while current is not None:
        found = custodians_of(session, current)
        if found:
            return found
        current = session.execute(
            select(centres.c.parent_id).where(centres.c.id == current)
        ).scalar()
    return []


def revoked_in_stored_crls(session: Any, certificates: list[Certificate]) -> set[str]:
    """Fingerprints of ``certificates`` that a CRL the platform holds lists as revoked.

    Read from the database only (CRLs are fetched and verified by the worker and on import), so
    the check can run inside the publication's write transaction without any network I/O."""
    if not certificates:
        return set()
    crls = [parse_crl(bytes(der)) for der in session.execute(select(cached_crls.c.der)).scalars()]
    return {
        certificate.fingerprint
        for certificate in certificates
        for crl in crls
        if crl.issuer_der == certificate.issuer_der and certificate.serial in crl.revoked
    }


def create_opening_key(
    session: Any, clock: Clock, *, tender_id: str, centre_id: str, rules: SealingRules
) -> ev.OpeningKeyCreated:
    """Make, split and store the tender's opening key; returns the event to record."""
    now = clock.now()
    candidates = custodians_for(session, centre_id)
    revoked = revoked_in_stored_crls(session, [c.certificate for c in candidates])
    usable = [
        c for c in candidates if c.not_after > now and c.certificate.fingerprint not in revoked
    ]
    if len(usable) < rules.custodians:
        raise RuleViolation(
            "sealing.custodians",
            f"the opening key of this tender is split among {rules.custodians} opening "
            f"custodians ({rules.threshold} needed to open); the centre has {len(usable)} with "
            "a valid, unrevoked encryption certificate: register more with "
            "`prex custodians add`",
            tender_id=tender_id,
        )
    chosen = usable[: rules.custodians]
    curve = SUITES[rules.suite][0]
    commitments, shares = threshold.split_new_key(curve, rules.threshold, rules.custodians)
    session.execute(
        insert(tender_opening_keys).values(
            tender_id=tender_id,
            suite=rules.suite,
            key_mode=rules.key_mode,
            public_point=commitments.public_point,
            commitments=commitments.to_json(),
            threshold=rules.threshold,
            custodians=rules.custodians,
            created_at=now,
        )
    )
    session.execute(
        insert(opening_key_shares),
        [
            {
                "tender_id": tender_id,
                "share_index": share.index,
                "custodian_id": custodian.id,
                "sealed_share": threshold.encrypt_share(share, custodian.certificate, tender_id),
            }
            for share, custodian in zip(shares, chosen, strict=True)
        ],
    )
    del shares  # the only plaintext shares; nothing else refers to the scalar
    return ev.OpeningKeyCreated(
        "tender",
        tender_id,
        now,
        suite=rules.suite,
        public_key=commitments.public_point.hex(),
        threshold=rules.threshold,
        custodian_ids=[c.id for c in chosen],
    )


def bid_parameters(services: Services, tender: Tender) -> TenderParameters:
    """What a bidder downloads to seal offline (`prex bid seal`)."""
    pack = services.rule_packs.get(tender.rule_pack_id)
    with services.read_session() as session:
        row = session.execute(
            select(tender_opening_keys).where(tender_opening_keys.c.tender_id == tender.id)
        ).first()
    if row is None:
        raise NotFound(f"tender {tender.id} has no opening key (it is not published)")
    return TenderParameters(
        tender_id=tender.id,
        title=tender.title,
        platform_code=services.settings.platform_code,
        sections=tuple(Section(s.id, s.name) for s in tender.sections),
        suite=row.suite,
        opening_public_point=bytes(row.public_point),
        key_mode=row.key_mode,
        bid_deadline=ensure_utc(tender.bid_deadline),
        max_envelope_bytes=pack.sealing.max_envelope_mb * 1024 * 1024,
    )


def sign_parameters(services: Services, params: TenderParameters) -> dict[str, Any]:
    """The parameters with the platform's signature, as the bidder downloads them."""
    body = params.to_json()
    keys = services.pki.platform_keys()
    signature = sign_detached(
        canonical(body),
        keys.signing_certificate,
        keys.signing_key,
        chain=[keys.ca_certificate],
        signing_time=services.clock.now(),
    )
    return {**body, SIGNATURE_FIELD: base64.b64encode(signature).decode()}
