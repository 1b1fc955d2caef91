"""Receiving sealed bids: the server checks an envelope's structure, signature, certificate,
holder, tender and deadline against its own clock, keeps only the envelope, and answers with a
**receipt** — envelope SHA-256, server time, an RFC 3161 timestamp and the platform's signature —
that proves the submission even if the platform later denied it (SEALING.md, threat 4).

A bidder may replace its envelope (the last one counts) or withdraw it until the deadline. A
retry with the same idempotency key returns the same receipt."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from prex.bidding import events as ev
from prex.bidding.orm import bids, tender_opening_keys
from prex.credit.model import Where
from prex.credit.queries import refuse_if_blacklisted
from prex.db.uow import SqlUnitOfWork
from prex.envelope import container
from prex.identity.orm import organisations
from prex.identity.policy import Action, Actor, Resource, authorize
from prex.pki.cms import sign_detached
from prex.pki.holder import require_organisation
from prex.pki.trust import Purpose
from prex.shared.clock import ensure_utc
from prex.shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from prex.shared.ids import new_id
from prex.tenders.model import Method, TenderStatus
from prex.tenders.service import get_tender_for

if TYPE_CHECKING:
    from prex.bootstrap import Services

RECEIPT_FORMAT = "prex-bid-receipt"
_KEY = re.compile(r"[A-Za-z0-9._:-]{8,100}")


class EnvelopeRefused(InvalidInput):
    """A well-formed envelope that does not belong here (another tender, key or section)."""

    slug = "envelope-refused"


@dataclass(frozen=True)
class Received:
    receipt: dict[str, Any]
    replayed: bool  # the same idempotency key was seen before: nothing new was stored


def envelope_limit(services: Services, actor: Actor, tender_id: str) -> int:
    """The largest envelope the tender's rule pack takes, in bytes: what an upload's stream is
    held to while it arrives (the first byte over it is refused, 413)."""
    tender = get_tender_for(services.uow(actor), tender_id)
    return services.rule_packs.get(tender.rule_pack_id).sealing.max_envelope_mb * 1024 * 1024


def receive_envelope(
    uow: SqlUnitOfWork,
    services: Services,
    *,
    tender_id: str,
    idempotency_key: str,
    upload: Path,
    digest: tuple[str, int] | None = None,
    payload_sha256: str | None = None,
) -> Received:
    """Check and keep the envelope uploaded to ``upload`` (a temporary file, ideally from
    ``services.blobs.spool_path()``, which is then moved into the blob store, not copied) for
    the actor's organisation; returns the receipt. ``digest`` is (SHA-256, size) when the
    caller computed them while receiving the bytes; ``payload_sha256`` likewise the payload's
    (:class:`prex.envelope.container.Digester`), so that the envelope is not read again."""
    actor = uow.actor
    authorize(actor, Action.BID_SUBMIT, Resource("tender", tender_id))
    if not _KEY.fullmatch(idempotency_key):
        raise InvalidInput(
            "the Idempotency-Key header is 8–100 letters, digits or . _ : -",
            field="Idempotency-Key",
        )
    if actor.org_id is None:
        raise PermissionDenied("only a member of a bidding organisation may submit a bid")
    if digest is None:
        with upload.open("rb") as handle:
            digest = (hashlib.file_digest(handle, "sha256").hexdigest(), upload.stat().st_size)
    envelope_sha256, size = digest
    earlier = _by_key(services, actor.org_id, idempotency_key)
    if earlier is not None:
        if earlier["envelope_sha256"] != envelope_sha256:
            raise Conflict("this Idempotency-Key was used for a different envelope")
        return Received(earlier, True)

    tender = get_tender_for(services.uow(actor), tender_id)
    with services.read_session() as session:
        refuse_if_blacklisted(
            session,
            actor.org_id,
            Where(tender.centre_id, tender.region_code, tender.transaction_type.value),
            services.clock,
            f"submit a bid to tender {tender_id}",
        )
    if tender.method is Method.INVITED and actor.org_id not in tender.invitee_org_ids:
        raise PermissionDenied("only the invited bidders may bid in an invited tender (邀请招标)")
    pack = services.rule_packs.get(tender.rule_pack_id)
    limit = pack.sealing.max_envelope_mb * 1024 * 1024
    now = tender.clock(services.clock).now()
    tender.require_not_suspended("accept bids")
    _check_open(tender.status, ensure_utc(tender.bid_deadline), now)
    with upload.open("rb") as handle:
        parsed = container.read(handle, size, max_bytes=limit)
        signature = container.check(handle, parsed, payload_sha256=payload_sha256)
    header = parsed.header
    with services.read_session() as session:
        key_row = session.execute(
            select(tender_opening_keys.c.public_point, tender_opening_keys.c.suite).where(
                tender_opening_keys.c.tender_id == tender_id
            )
        ).first()
        org = session.execute(
            select(organisations.c.uscc, organisations.c.name).where(
                organisations.c.id == actor.org_id
            )
        ).one()
    if header.tender_id != tender_id:
        raise EnvelopeRefused(f"this envelope was sealed for tender {header.tender_id}")
    if header.section_id not in {s.id for s in tender.sections}:
        raise EnvelopeRefused(f"tender {tender_id} has no section {header.section_id}")
    if key_row is None or header.opening_key != container.opening_key_id(
        bytes(key_row.public_point)
    ):
        raise EnvelopeRefused("this envelope was sealed for another opening key")
    if header.suite != key_row.suite:
        raise EnvelopeRefused(f"this tender seals with {key_row.suite}, not {header.suite}")
    _, holder = services.pki.verify(
        signature.signer,
        purpose=Purpose.SIGNING,
        intermediates=[c for c in signature.certificates if c != signature.signer],
    )
    require_organisation(holder, org.uscc, org.name)
    if header.bidder_uscc != org.uscc:
        raise EnvelopeRefused(f"this envelope names bidder {header.bidder_uscc}, not {org.uscc}")
    services.blobs.adopt(upload, envelope_sha256, size)  # content-addressed by the same SHA-256

    # The receipt is made before the write transaction opens (signing and the timestamp need
    # no lock); its time is the moment of acceptance and is checked against the deadline.
    received_at = services.clock.now()
    _check_open(tender.status, ensure_utc(tender.bid_deadline), tender.clock(services.clock).now())
    bid_id = new_id()
    receipt = _receipt(
        services,
        bid_id=bid_id,
        tender_id=tender_id,
        section_id=header.section_id,
        bidder_uscc=org.uscc,
        envelope_sha256=envelope_sha256,
        envelope_bytes=size,
        received_at=received_at,
    )
    with uow:
        previous = uow.session.execute(
            select(bids.c.id)
            .where(
                bids.c.tender_id == tender_id,
                bids.c.section_id == header.section_id,
                bids.c.bidder_org_id == actor.org_id,
                bids.c.status == "live",
            )
            .with_for_update()
        ).first()
        if previous is not None:
            uow.session.execute(
                update(bids)
                .where(bids.c.id == previous.id)
                .values(status="replaced", ended_at=received_at)
            )
        uow.session.execute(
            insert(bids).values(
                id=bid_id,
                tender_id=tender_id,
                section_id=header.section_id,
                bidder_org_id=actor.org_id,
                submitted_by=actor.user_id,
                envelope_sha256=envelope_sha256,
                envelope_bytes=size,
                signer_fingerprint=signature.signer.fingerprint,
                status="live",
                idempotency_key=idempotency_key,
                receipt=receipt,
                received_at=received_at,
                address=actor.address,
            )
        )
        uow.record(
            ev.BidReceived(
                "bid",
                bid_id,
                received_at,
                tender_id=tender_id,
                section_id=header.section_id,
                bidder_org_id=actor.org_id,
                envelope_sha256=envelope_sha256,
                envelope_bytes=size,
                replaces=None if previous is None else previous.id,
            )
        )
        try:
            uow.commit()
        except IntegrityError:  # the same key, committed meanwhile by a concurrent retry
            again = _by_key(services, actor.org_id, idempotency_key)
            if again is None or again["envelope_sha256"] != envelope_sha256:
                raise Conflict("this Idempotency-Key was used for a different envelope") from None
            return Received(again, True)
    return Received(receipt, False)


def _check_open(status: TenderStatus, deadline: datetime, now: datetime) -> None:
    past = now >= deadline and status not in (TenderStatus.DRAFT, TenderStatus.CANCELLED)
    if status is not TenderStatus.PUBLISHED and not past:
        raise Conflict(f"the tender is {status.value}: it does not accept bids")
    if past:
        raise RuleViolation(
            "bid.deadline",
            f"投标截止时间为 {deadline.isoformat()}，在截止时间后送达的投标文件，招标人应当拒收"
            "（《招标投标法》第二十八条）",
            deadline=deadline.isoformat(),
        )


def _by_key(services: Services, org_id: str, key: str) -> dict[str, Any] | None:
    with services.read_session() as session:
        row = session.execute(
            select(bids.c.receipt).where(
                bids.c.bidder_org_id == org_id, bids.c.idempotency_key == key
            )
        ).first()
    return None if row is None else dict(row.receipt)


def _receipt(services: Services, **core: Any) -> dict[str, Any]:
    """The receipt: its core fields, an RFC 3161 token over their canonical SHA-256, and the
    platform's detached CMS signature over the same canonical bytes."""
    body = {
        "format": RECEIPT_FORMAT,
        "version": 1,
        "platform_code": services.settings.platform_code,
        **{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in core.items()},
    }
    canonical = container.canonical(body)
    keys = services.pki.platform_keys()
    token = services.pki.timestamp_authority().stamp(hashlib.sha256(canonical).digest())
    signature = sign_detached(
        canonical,
        keys.signing_certificate,
        keys.signing_key,
        chain=[keys.ca_certificate],
        signing_time=core["received_at"],
    )
    return {
        **body,
        "timestamp_token": base64.b64encode(token).decode(),
        "platform_signature": base64.b64encode(signature).decode(),
    }


def receipt_core(receipt: dict[str, Any]) -> bytes:
    """The canonical bytes a receipt's timestamp and signature cover."""
    return container.canonical(
        {k: v for k, v in receipt.items() if k not in ("timestamp_token", "platform_signature")}
    )


def withdraw_bid(uow: SqlUnitOfWork, services: Services, bid_id: str) -> None:
    """Withdraw a live bid before the deadline (the envelope stays, marked withdrawn)."""
    actor = uow.actor
    authorize(actor, Action.BID_SUBMIT, Resource("bid", bid_id))
    with services.read_session() as session:
        found = session.execute(
            select(bids.c.tender_id, bids.c.bidder_org_id).where(bids.c.id == bid_id)
        ).first()
    if found is None or found.bidder_org_id != actor.org_id:
        raise NotFound(f"no bid '{bid_id}' of yours")
    tender = get_tender_for(services.uow(actor), found.tender_id)
    with uow:
        row = uow.session.execute(select(bids).where(bids.c.id == bid_id).with_for_update()).one()
        if row.status != "live":
            raise Conflict(f"the bid is {row.status} already")
        now = uow.clock.now()
        _check_open(tender.status, ensure_utc(tender.bid_deadline), tender.clock(uow.clock).now())
        uow.session.execute(
            update(bids).where(bids.c.id == bid_id).values(status="withdrawn", ended_at=now)
        )
        uow.record(
            ev.BidWithdrawn(
                "bid",
                bid_id,
                now,
                tender_id=row.tender_id,
                section_id=row.section_id,
                bidder_org_id=row.bidder_org_id,
                envelope_sha256=row.envelope_sha256,
            )
        )
        uow.commit()


def bids_of(session: Any, tender_id: str, org_id: str) -> list[dict[str, Any]]:
    """An organisation's own bids for a tender (never anyone else's)."""
    rows = session.execute(
        select(
            bids.c.id,
            bids.c.section_id,
            bids.c.status,
            bids.c.envelope_sha256,
            bids.c.envelope_bytes,
            bids.c.received_at,
            bids.c.receipt,
        )
        .where(bids.c.tender_id == tender_id, bids.c.bidder_org_id == org_id)
        .order_by(bids.c.received_at, bids.c.id)
    ).all()
    return [dict(r._mapping) for r in rows]
