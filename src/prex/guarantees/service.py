"""Use cases of electronic bid guarantees (电子保函): request, issue and accept, read.

The flow (docs/integration.md, "Guarantee providers"):

1. **request** — a bidder (or a broker acting for it with its signed consent, scope
   ``bid.submit``) asks for a guarantee for a section of a tender it may bid in, naming either an
   installed provider (``prex.guarantee_providers``) or a guarantor organisation whose machine
   client (scope ``guarantee.issue``) will answer. prex builds the canonical
   :class:`~prex.guarantees.model.Application`: the tender, the section, the beneficiary (the
   tenderer) and the applicant with their credit codes, the amount (at most the statutory 2 %)
   and the period the guarantee must cover (the bid deadline's day to the end of the bid
   validity period).
2. **issue** — an installed provider issues at once, in-process; a bank's client lists the
   requests addressed to its owner and posts the signed document.
3. **accept** — :func:`prex.guarantees.verify.verify_guarantee` checks the document; only then,
   in one unit of work, the guarantee is stored and the applicant's bid bond
   (``prex.bidding.bonds``, kind ``e_guarantee``) written from it. A refused document leaves
   nothing behind but the problem naming the failed check.

Release and claim follow in ``prex.guarantees.outcomes``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from prex import extensions
from prex.bidding.bonds import (
    CHINA,
    MAX_SHARE,
    BondKind,
    RecordBond,
    SectionNotFound,
    _bidding_tender,
    bond_values,
    write_bond_within,
)
from prex.bidding.submissions import _check_open
from prex.db.uow import SqlUnitOfWork
from prex.guarantees import events as ev
from prex.guarantees.errors import (
    GuaranteeInvalid,
    GuaranteeNotFound,
    GuaranteeRefused,
    GuaranteeStateConflict,
)
from prex.guarantees.model import BID_VALIDITY_DAYS, Application, GuaranteeStatus, money
from prex.guarantees.orm import guarantees
from prex.guarantees.provider import GuaranteeProvider
from prex.guarantees.verify import number_taken, verify_guarantee
from prex.identity.orm import organisations
from prex.identity.policy import Action, Actor, Resource, authorize, is_allowed
from prex.integrations.orm import integration_clients
from prex.shared.clock import ensure_utc
from prex.shared.errors import Conflict, InvalidInput, PermissionDenied
from prex.shared.ids import new_id
from prex.shared.money import CENT
from prex.tenders.model import Tender
from prex.tenders.service import get_tender_for

if TYPE_CHECKING:
    from prex.bootstrap import Services

GROUP = "prex.guarantee_providers"
MAX_TRANSPORT = 96 * 1024  # base64 of a 64 KiB document


@dataclass(frozen=True)
class RequestGuarantee:
    """Ask for a guarantee: exactly one of ``provider`` (an installed provider's name) and
    ``guarantor_org_id`` (an organisation answering through its machine client)."""

    tender_id: str
    section_id: str
    provider: str | None = None
    guarantor_org_id: str | None = None
    amount: Decimal | None = None  # default: the 2 % cap


def load_provider(services: Services, name: str) -> GuaranteeProvider:
    provider: GuaranteeProvider = extensions.load(GROUP, name, services)
    return provider


def _org(session: Any, org_id: str) -> Any:
    row = session.execute(
        select(organisations.c.id, organisations.c.name, organisations.c.uscc).where(
            organisations.c.id == org_id
        )
    ).first()
    if row is None:
        raise GuaranteeNotFound(f"no organisation {org_id}", org_id=org_id)
    return row


def cover_of(tender: Tender) -> tuple[date, date]:
    """The period a bid guarantee must cover: the bid deadline's day (China time) to the end of
    the bid validity period (:data:`~prex.guarantees.model.BID_VALIDITY_DAYS` later)."""
    day = ensure_utc(tender.bid_deadline).astimezone(CHINA).date()
    return day, day + timedelta(days=BID_VALIDITY_DAYS)


def _application(
    services: Services, tender: Tender, section_id: str, applicant_org_id: str, amount: Decimal
) -> tuple[Application, Decimal]:
    section = next((s for s in tender.sections if s.id == section_id), None)
    if section is None:
        raise SectionNotFound(f"tender {tender.id} has no section {section_id}")
    cap = (section.budget * MAX_SHARE).quantize(CENT)
    if amount <= 0 or amount != amount.quantize(CENT) or amount > cap:
        raise InvalidInput(
            f"the amount is positive yuan with two decimals, at most the 2 % cap {money(cap)} "
            "（《招标投标法实施条例》第二十六条）",
            field="amount",
        )
    with services.read_session() as session:
        beneficiary = _org(session, tender.tenderer_org_id)
        applicant = _org(session, applicant_org_id)
    cover_from, cover_until = cover_of(tender)
    application = Application(
        application_id=new_id(),
        tender_id=tender.id,
        tender_code=tender.deal_code,
        tender_title=tender.title,
        section_id=section_id,
        beneficiary_name=beneficiary.name,
        beneficiary_uscc=beneficiary.uscc,
        applicant_name=applicant.name,
        applicant_uscc=applicant.uscc,
        amount=amount,
        cover_from=cover_from,
        cover_until=cover_until,
    )
    return application, cap


def request_guarantee(
    uow: SqlUnitOfWork, services: Services, cmd: RequestGuarantee
) -> dict[str, Any]:
    """Record the actor's organisation's request; with an installed provider, have it issue at
    once and accept the result (or record its refusal). Returns the guarantee's view."""
    authorize(uow.actor, Action.GUARANTEE_REQUEST, Resource("tender", cmd.tender_id))
    if (cmd.provider is None) == (cmd.guarantor_org_id is None):
        raise InvalidInput("name either a provider or a guarantor organisation", field="provider")
    tender = _bidding_tender(uow, services, cmd.tender_id)
    _check_open(tender.status, ensure_utc(tender.bid_deadline), tender.clock(services.clock).now())
    provider = load_provider(services, cmd.provider) if cmd.provider else None
    org_id = uow.actor.org_id
    assert org_id is not None and uow.actor.user_id is not None
    section = next((s for s in tender.sections if s.id == cmd.section_id), None)
    if section is None:
        raise SectionNotFound(f"tender {tender.id} has no section {cmd.section_id}")
    amount = cmd.amount or (section.budget * MAX_SHARE).quantize(CENT)
    application, cap = _application(services, tender, cmd.section_id, org_id, amount)
    if cmd.guarantor_org_id is not None:
        with services.read_session() as session:
            _org(session, cmd.guarantor_org_id)
    guarantee_id = application.application_id
    with uow:
        busy = uow.session.execute(
            select(guarantees.c.id).where(
                guarantees.c.tender_id == tender.id,
                guarantees.c.section_id == cmd.section_id,
                guarantees.c.applicant_org_id == org_id,
                guarantees.c.status.in_(
                    [GuaranteeStatus.REQUESTED.value, GuaranteeStatus.ACCEPTED.value]
                ),
            )
        ).first()
        if busy is not None:
            raise Conflict(
                f"guarantee {busy.id} for section {cmd.section_id} is requested or accepted "
                "already",
                guarantee_id=busy.id,
            )
        now = uow.clock.now()
        uow.session.execute(
            insert(guarantees).values(
                id=guarantee_id,
                tender_id=tender.id,
                section_id=cmd.section_id,
                applicant_org_id=org_id,
                provider=cmd.provider,
                guarantor_org_id=cmd.guarantor_org_id,
                status=GuaranteeStatus.REQUESTED.value,
                application=application.to_json(),
                amount=amount,
                cap=cap,
                requested_by=uow.actor.user_id,
                requested_at=now,
                attempts=0,
            )
        )
        uow.record(
            ev.GuaranteeRequested(
                "guarantee",
                guarantee_id,
                now,
                tender_id=tender.id,
                section_id=cmd.section_id,
                applicant_org_id=org_id,
                provider=cmd.provider,
                guarantor_org_id=cmd.guarantor_org_id,
                amount=money(amount),
                application_sha256=hashlib.sha256(application.to_bytes()).hexdigest(),
            )
        )
        uow.commit()
    if provider is not None:
        # The provider's own refusal, or a document prex refuses, ends the request: the bidder
        # may ask again (another provider, another amount). Nothing else is kept.
        try:
            signed = provider.issue(application)
            accept_document(
                services.uow(uow.actor), services, guarantee_id, signed.document, signed.signature
            )
        except (GuaranteeRefused, GuaranteeInvalid) as exc:
            _record_refusal(services.uow(uow.actor), guarantee_id, tender.id, exc.message)
            raise
    return guarantee_view(services, uow.actor, guarantee_id)


def _record_refusal(uow: SqlUnitOfWork, guarantee_id: str, tender_id: str, reason: str) -> None:
    with uow:
        uow.session.execute(
            update(guarantees)
            .where(
                guarantees.c.id == guarantee_id,
                guarantees.c.status == GuaranteeStatus.REQUESTED.value,
            )
            .values(status=GuaranteeStatus.REFUSED.value, refusal=reason[:2000])
        )
        uow.record(
            ev.GuaranteeRefusedByProvider(
                "guarantee", guarantee_id, uow.clock.now(), tender_id=tender_id, reason=reason
            )
        )
        uow.commit()


def accept_document(
    uow: SqlUnitOfWork,
    services: Services,
    guarantee_id: str,
    document: bytes,
    signature: bytes,
    *,
    guarantor_uscc: str | None = None,
) -> None:
    """Verify a signed document against the request and, if it passes every check, store it
    and write the applicant's bid bond from it — one unit of work. ``guarantor_uscc`` is who
    must have signed when a guarantor's client posts it."""
    with services.read_session() as session:
        row = session.execute(select(guarantees).where(guarantees.c.id == guarantee_id)).first()
    if row is None:
        raise GuaranteeNotFound(f"no guarantee {guarantee_id}")
    if row.status != GuaranteeStatus.REQUESTED.value:
        raise GuaranteeStateConflict(
            f"guarantee {guarantee_id} is {row.status}: only a requested one takes a document",
            status=row.status,
        )
    application = Application.from_json(row.application)
    now = services.clock.now()
    verified = verify_guarantee(
        services.pki,
        document,
        signature,
        application=application,
        cap=row.cap,
        requested_at=ensure_utc(row.requested_at),
        now=now,
        guarantor_uscc=guarantor_uscc,
    )
    doc = verified.document
    tender = get_tender_for(services.uow(uow.actor), row.tender_id)
    _check_open(tender.status, ensure_utc(tender.bid_deadline), tender.clock(services.clock).now())
    values = bond_values(
        RecordBond(
            tender_id=row.tender_id,
            section_id=row.section_id,
            kind=BondKind.E_GUARANTEE,
            amount=doc.amount,
            guarantor=doc.guarantor_name,
            guarantee_number=doc.guarantee_number,
            valid_from=doc.valid_from,
            valid_until=doc.valid_until,
        )
    )
    digest = hashlib.sha256(document).hexdigest()
    with uow:
        current = uow.session.execute(
            select(guarantees.c.status).where(guarantees.c.id == guarantee_id).with_for_update()
        ).scalar_one()
        if current != GuaranteeStatus.REQUESTED.value:
            raise GuaranteeStateConflict(f"guarantee {guarantee_id} is {current} meanwhile")
        if uow.session.execute(
            select(guarantees.c.id).where(
                guarantees.c.guarantor_uscc == doc.guarantor_uscc,
                guarantees.c.guarantee_number == doc.guarantee_number,
            )
        ).first():
            raise number_taken(doc)
        bond_id, _ = write_bond_within(
            uow,
            tender_id=row.tender_id,
            section_id=row.section_id,
            org_id=row.applicant_org_id,
            values=values,
            recorded_by=row.requested_by,
        )
        uow.session.execute(
            update(guarantees)
            .where(guarantees.c.id == guarantee_id)
            .values(
                status=GuaranteeStatus.ACCEPTED.value,
                document=document,
                signature=signature,
                document_sha256=digest,
                guarantor_uscc=doc.guarantor_uscc,
                guarantor_name=doc.guarantor_name,
                guarantee_number=doc.guarantee_number,
                bond_id=bond_id,
                accepted_at=now,
            )
        )
        uow.record(
            ev.GuaranteeAccepted(
                "guarantee",
                guarantee_id,
                now,
                tender_id=row.tender_id,
                section_id=row.section_id,
                applicant_org_id=row.applicant_org_id,
                guarantor_uscc=doc.guarantor_uscc,
                guarantee_number=doc.guarantee_number,
                amount=money(doc.amount),
                valid_until=doc.valid_until.isoformat(),
                document_sha256=digest,
                signer_fingerprint=verified.verdict.check.signer.fingerprint,
                bond_id=bond_id,
            )
        )
        try:
            uow.commit()
        except IntegrityError:  # the same number accepted by a concurrent call
            raise number_taken(doc) from None


# -- a guarantor's machine client ----------------------------------------------------------------


def guarantor_of_client(services: Services, actor: Actor) -> Any:
    """The organisation a calling machine client issues for: its owner. A person (no client)
    is refused by the policy table, where no role has ``guarantee.issue``."""
    authorize(actor, Action.GUARANTEE_ISSUE)
    with services.read_session() as session:
        row = session.execute(
            select(organisations.c.id, organisations.c.name, organisations.c.uscc)
            .join(integration_clients, integration_clients.c.org_id == organisations.c.id)
            .where(
                integration_clients.c.client_id == actor.client_id,
                integration_clients.c.revoked_at.is_(None),
            )
        ).first()
    if row is None:
        raise PermissionDenied(f"client {actor.client_id} is revoked")
    return row


def requests_for_client(
    services: Services, actor: Actor, status: str = GuaranteeStatus.REQUESTED.value
) -> list[dict[str, Any]]:
    """The guarantees addressed to the calling client's owner, in ``status`` (``requested``:
    what to issue; ``releasing``/``released``/``claiming``/``claimed``: the notices to act on)."""
    if status not in {s.value for s in GuaranteeStatus}:
        raise InvalidInput(f"no guarantee status '{status}'", field="status")
    guarantor = guarantor_of_client(services, actor)
    with services.read_session() as session:
        rows = session.execute(
            select(guarantees)
            .where(guarantees.c.guarantor_org_id == guarantor.id, guarantees.c.status == status)
            .order_by(guarantees.c.requested_at, guarantees.c.id)
        ).all()
    return [_view(r, with_document=True) for r in rows]


def _b64(text: str, field: str) -> bytes:
    body = "".join(
        line for line in text.strip().splitlines() if line and not line.startswith("-----")
    )
    if not body or len(body) > MAX_TRANSPORT:
        raise GuaranteeInvalid("format", f"{field} is 1 byte to 64 KiB, base64")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise GuaranteeInvalid("format", f"{field} is not base64") from None


def submit_from_client(
    uow: SqlUnitOfWork, services: Services, guarantee_id: str, document: str, signature: str
) -> dict[str, Any]:
    """A guarantor's client posts the signed document (both base64) for a request addressed to
    its owner; the document must be signed by a certificate of that owner."""
    guarantor = guarantor_of_client(services, uow.actor)
    with services.read_session() as session:
        row = session.execute(
            select(guarantees.c.guarantor_org_id).where(guarantees.c.id == guarantee_id)
        ).first()
    if row is None or row.guarantor_org_id != guarantor.id:
        raise GuaranteeNotFound(f"no guarantee request {guarantee_id} addressed to you")
    accept_document(
        uow,
        services,
        guarantee_id,
        _b64(document, "document"),
        _b64(signature, "signature"),
        guarantor_uscc=guarantor.uscc,
    )
    with services.read_session() as session:
        accepted = session.execute(select(guarantees).where(guarantees.c.id == guarantee_id)).one()
    return _view(accepted, with_document=False)


# -- reading -----------------------------------------------------------------------------------


def _text(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def _view(row: Any, *, with_document: bool = True) -> dict[str, Any]:
    settled_at = None if row.settled_at is None else ensure_utc(row.settled_at).isoformat()
    view = {
        "id": row.id,
        "tender_id": row.tender_id,
        "section_id": row.section_id,
        "applicant_org_id": row.applicant_org_id,
        "provider": row.provider,
        "guarantor_org_id": row.guarantor_org_id,
        "status": row.status,
        "application": row.application,
        "amount": money(row.amount),
        "requested_at": ensure_utc(row.requested_at).isoformat(),
        "refusal": row.refusal,
        "guarantor_name": row.guarantor_name,
        "guarantor_uscc": row.guarantor_uscc,
        "guarantee_number": row.guarantee_number,
        "document_sha256": row.document_sha256,
        "bond_id": row.bond_id,
        "accepted_at": None if row.accepted_at is None else ensure_utc(row.accepted_at).isoformat(),
        "outcome": None
        if row.outcome_kind is None
        else {
            "kind": row.outcome_kind,
            "reason": row.outcome_reason,
            "decided_at": ensure_utc(row.decided_at).isoformat(),
            "receipt": row.receipt,
            "settled_at": settled_at,
        },
    }
    if with_document:
        view["document"] = _text(row.document)
        view["signature"] = _text(row.signature)
        view["notice"] = _text(row.notice)
        view["notice_signature"] = _text(row.notice_signature)
    return view


def guarantee_resource(services: Services, tender: Tender, row: Any) -> Resource:
    """A guarantee as the policy sees it: its parties are the applicant and — once the bid
    deadline has passed and who bid is no longer confidential — the beneficiary's side (the
    tenderer and its agency), who may have to claim it."""
    parties = {row.applicant_org_id}
    if tender.clock(services.clock).now() >= ensure_utc(tender.bid_deadline):
        parties |= tender.party_org_ids
    return Resource("guarantee", row.id, tender.centre_id, frozenset(parties))


def _readable(services: Services, actor: Actor, row: Any) -> bool:
    tender = get_tender_for(services.uow(actor), row.tender_id)
    return is_allowed(actor, Action.GUARANTEE_READ, guarantee_resource(services, tender, row))


def guarantee_view(services: Services, actor: Actor, guarantee_id: str) -> dict[str, Any]:
    """One guarantee with its document and notices, for its applicant or the tender's centre."""
    authorize(actor, Action.GUARANTEE_READ)
    with services.read_session() as session:
        row = session.execute(select(guarantees).where(guarantees.c.id == guarantee_id)).first()
    if row is None or not _readable(services, actor, row):
        raise GuaranteeNotFound(f"no guarantee {guarantee_id}")
    return _view(row)


def guarantees_of(services: Services, actor: Actor, tender_id: str) -> list[dict[str, Any]]:
    """A tender's guarantees the actor may read: all for its centre, its own for a bidder."""
    tender = get_tender_for(services.uow(actor), tender_id)
    own = frozenset({actor.org_id}) if actor.org_id else frozenset[str]()
    # "May I read this tender's guarantees of my organisation (or, as beneficiary, all)?" —
    # each row is checked below.
    authorize(actor, Action.GUARANTEE_READ, Resource("tender", tender_id, tender.centre_id, own))
    with services.read_session() as session:
        rows = session.execute(
            select(guarantees)
            .where(guarantees.c.tender_id == tender_id)
            .order_by(guarantees.c.requested_at, guarantees.c.id)
        ).all()
    return [
        _view(r, with_document=False)
        for r in rows
        if is_allowed(actor, Action.GUARANTEE_READ, guarantee_resource(services, tender, r))
    ]
