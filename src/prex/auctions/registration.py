"""Registration (竞买申请): a bidder applies to a listing with its certificate, the centre reviews
its eligibility, and — during the listing period — it may declare that it goes on to the timed
round.

The application is a detached CMS (or SM2) signature by a certificate of the bidder's own
organisation over the canonical JSON ``{"act":"listing-registration","listing_id":…,
"org_uscc":…}`` (:func:`application_bytes`; signed with ``prex sig sign`` or a USB key, checked
by :func:`prex.award.acts.verify_organisation`: a trusted path *and* the organisation's credit
code). Applications are taken while the listing is announced or in its listing period, and not
from the seller itself. Each registration gets a random six-digit number (竞买号), unique in the
listing and unrelated to the organisation: it is all the other bidders ever see of it.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from prex.auctions import events as ev
from prex.auctions.listing_views import load, resource_of
from prex.auctions.model import (
    OPEN_FOR_REGISTRATION,
    PUBLIC,
    DepositStatus,
    Eligibility,
    ListingStatus,
    deposit_ok,
)
from prex.auctions.orm import listing_registrations as regs
from prex.award.acts import act_bytes, signature_der, verify_organisation
from prex.credit.queries import refuse_if_blacklisted, where_of_listing
from prex.db.uow import SqlUnitOfWork
from prex.identity.orm import organisations
from prex.identity.policy import Action, Actor, Resource, authorize
from prex.shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from prex.shared.ids import new_id

if TYPE_CHECKING:
    from prex.bootstrap import Services

NUMBER_DIGITS = 6
DECISIONS = {"approve": Eligibility.APPROVED, "refuse": Eligibility.REFUSED}


def application_bytes(listing_id: str, org_uscc: str) -> bytes:
    """What a bidder signs to apply: ``{"act":"listing-registration","listing_id":…,
    "org_uscc":…}`` as canonical JSON."""
    return act_bytes("listing-registration", listing_id=listing_id, org_uscc=org_uscc)


def new_number(taken: set[str]) -> str:
    """A random six-digit 竞买号 not yet used in the listing (not derived from the bidder)."""
    while True:
        number = str(100000 + secrets.randbelow(900000))
        if number not in taken:
            return number


def load_registration(
    session: Session, registration_id: str, *, lock: bool = False, listing_id: str | None = None
) -> Any:
    """The registration's row (of ``listing_id`` if given), or NotFound."""
    query = select(regs).where(regs.c.id == registration_id)
    if listing_id is not None:
        query = query.where(regs.c.listing_id == listing_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound(f"no registration '{registration_id}'", registration_id=registration_id)
    return row


def bidder_view(row: Any) -> dict[str, Any]:
    """What the bidder itself sees of its registration."""
    return {
        "id": row.id,
        "listing_id": row.listing_id,
        "number": row.number,
        "applied_at": row.applied_at.isoformat(),
        "eligibility": row.eligibility,
        "eligibility_reason": row.eligibility_reason,
        "deposit_status": row.deposit_status,
        "continuing": row.continuing,
        "deposit_ok": deposit_ok(row),
    }


def centre_view(row: Any, org: Any) -> dict[str, Any]:
    """The centre's view: who the bidder is, its certificate and its deposit's payment."""
    return {
        **bidder_view(row),
        "org": {"id": org.id, "uscc": org.uscc, "name": org.name},
        "certificate_sha256": row.certificate_sha256,
        "reviewed_at": row.reviewed_at.isoformat() if row.reviewed_at else None,
        "deposit_amount": row.deposit_amount,
        "payer_name": row.payer_name,
        "payer_account": row.payer_account,
        "deposit_reference": row.deposit_reference,
        "deposit_source": row.deposit_source,
        "deposit_confirmed_at": (
            row.deposit_confirmed_at.isoformat() if row.deposit_confirmed_at else None
        ),
    }


def _organisation(session: Session, org_id: str | None) -> Any:
    row = (
        None
        if org_id is None
        else session.execute(
            select(organisations.c.id, organisations.c.uscc, organisations.c.name).where(
                organisations.c.id == org_id
            )
        ).first()
    )
    if row is None:
        raise PermissionDenied("a bidder applies for an organisation; the account has none")
    return row


def require_public(row: Any) -> None:
    """A draft is not found by bidders (nobody outside the centre knows of it)."""
    if row.status not in PUBLIC:
        raise NotFound(f"no listing '{row.id}'", listing_id=row.id)


def require_open(row: Any, now: Any, what: str) -> None:
    """Refuse unless the listing takes registrations: announced or listing, before its end."""
    if row.status not in OPEN_FOR_REGISTRATION or now >= row.listing_ends_at:
        raise Conflict(
            f"listing {row.code} is {row.status}: {what} only while it is announced or listing, "
            f"before {row.listing_ends_at.isoformat()}",
            listing_id=row.id,
            status=row.status,
        )


def apply(
    uow: SqlUnitOfWork, services: Services, listing_id: str, signature: str
) -> dict[str, Any]:
    """The bidder's organisation applies to ``listing_id`` with its signed application."""
    authorize(uow.actor, Action.LISTING_REGISTER)
    der = signature_der(signature)
    with services.read_session() as session:
        listing = load(session, listing_id)
        org = _organisation(session, uow.actor.org_id)
        authorize(uow.actor, Action.LISTING_REGISTER, resource_of(listing))
        require_public(listing)
        refuse_if_blacklisted(
            session,
            org.id,
            where_of_listing(session, listing.centre_id, listing.kind),
            services.clock,
            f"apply to listing {listing.code}",
        )
    require_open(listing, services.clock.now(), "it takes applications")
    if org.id == listing.seller_org_id:
        raise Conflict("the seller may not bid for its own asset", listing_id=listing_id)
    content = application_bytes(listing_id, org.uscc)
    verdict = verify_organisation(services, content, der, uscc=org.uscc, name=org.name)
    with uow:
        listing = load(uow.session, listing_id, lock=True)
        now = uow.clock.now()
        require_open(listing, now, "it takes applications")
        existing = uow.session.execute(
            select(regs.c.id, regs.c.number, regs.c.org_id).where(regs.c.listing_id == listing_id)
        ).all()
        if mine := [r for r in existing if r.org_id == org.id]:
            raise Conflict(
                f"'{org.name}' has applied to listing {listing.code} already",
                listing_id=listing_id,
                registration_id=mine[0].id,
            )
        registration_id = new_id()
        number = new_number({r.number for r in existing})
        uow.session.execute(
            insert(regs).values(
                id=registration_id,
                listing_id=listing_id,
                org_id=org.id,
                number=number,
                certificate_sha256=verdict.check.signer.fingerprint,
                signature=der,
                applied_at=now,
                eligibility=Eligibility.PENDING.value,
                deposit_status=DepositStatus.UNPAID.value,
                continuing=False,
                updated_at=now,
            )
        )
        uow.record(
            ev.RegistrationApplied(
                "listing",
                listing_id,
                now,
                registration_id=registration_id,
                number=number,
                certificate_sha256=verdict.check.signer.fingerprint,
                sha256=hashlib.sha256(content).hexdigest(),
            )
        )
        uow.commit()
        return bidder_view(load_registration(uow.session, registration_id))


def review(
    uow: SqlUnitOfWork,
    registration_id: str,
    decision: str,
    reason: str | None,
    listing_id: str | None = None,
) -> dict[str, Any]:
    """The centre approves a pending application or refuses it with a reason (资格审查)."""
    if decision not in DECISIONS:
        raise InvalidInput("the decision is 'approve' or 'refuse'", field="decision")
    reason = (reason or "").strip() or None
    if decision == "refuse" and reason is None:
        raise InvalidInput("a refusal gives its reason", field="reason")
    if reason is not None and len(reason) > 2000:
        raise InvalidInput("the reason is at most 2000 characters", field="reason")
    authorize(uow.actor, Action.LISTING_REVIEW)
    with uow:
        row = load_registration(uow.session, registration_id, lock=True, listing_id=listing_id)
        listing = load(uow.session, row.listing_id)
        authorize(uow.actor, Action.LISTING_REVIEW, resource_of(listing))
        now = uow.clock.now()
        require_open(listing, now, "eligibility is reviewed")
        if row.eligibility != Eligibility.PENDING.value:
            raise Conflict(
                f"registration {row.number} was {row.eligibility} already",
                registration_id=registration_id,
                eligibility=row.eligibility,
            )
        target = DECISIONS[decision]
        uow.session.execute(
            update(regs)
            .where(regs.c.id == registration_id)
            .values(
                eligibility=target.value,
                eligibility_reason=reason,
                reviewed_at=now,
                reviewed_by=uow.actor.user_id,
                updated_at=now,
            )
        )
        uow.record(
            ev.RegistrationReviewed(
                "listing",
                listing.id,
                now,
                registration_id=registration_id,
                eligibility=target.value,
                reason=reason,
            )
        )
        uow.commit()
        return centre_view(
            load_registration(uow.session, registration_id),
            _organisation(uow.session, row.org_id),
        )


def declare_continuing(uow: SqlUnitOfWork, services: Services, listing_id: str) -> dict[str, Any]:
    """The bidder declares that it goes on to the timed round (参加限时竞价): during the listing
    period only, once it may bid. Declaring twice changes nothing."""
    authorize(uow.actor, Action.LISTING_REGISTER)
    with uow:
        listing = load(uow.session, listing_id, lock=True)
        authorize(uow.actor, Action.LISTING_REGISTER, resource_of(listing))
        require_public(listing)
        now = uow.clock.now()
        if listing.status != ListingStatus.LISTING.value or now >= listing.listing_ends_at:
            raise Conflict(
                f"listing {listing.code} is {listing.status}: bidders declare for the timed round "
                f"during the listing period, before {listing.listing_ends_at.isoformat()}",
                listing_id=listing_id,
                status=listing.status,
            )
        row = uow.session.execute(
            select(regs).where(regs.c.listing_id == listing_id, regs.c.org_id == uow.actor.org_id)
        ).first()
        if row is None:
            raise NotFound(
                f"your organisation has not applied to listing {listing.code}",
                listing_id=listing_id,
            )
        if not deposit_ok(row):
            raise Conflict(
                f"registration {row.number} may not bid: eligibility {row.eligibility}, "
                f"deposit {row.deposit_status}",
                registration_id=row.id,
            )
        if not row.continuing:
            uow.session.execute(
                update(regs).where(regs.c.id == row.id).values(continuing=True, updated_at=now)
            )
            uow.record(ev.ContinuingDeclared("listing", listing_id, now, registration_id=row.id))
            uow.commit()
        return bidder_view(load_registration(uow.session, row.id))


def registrations_of(services: Services, actor: Actor, listing_id: str) -> list[dict[str, Any]]:
    """Every registration of the listing, with who applied (the centre's operators and
    supervisors only; confidential until bidding closes)."""
    authorize(actor, Action.LISTING_READ_BIDDERS)
    with services.read_session() as session:
        listing = load(session, listing_id)
        authorize(actor, Action.LISTING_READ_BIDDERS, resource_of(listing))
        rows = session.execute(
            select(regs, organisations.c.uscc, organisations.c.name)
            .join(organisations, organisations.c.id == regs.c.org_id)
            .where(regs.c.listing_id == listing_id)
            .order_by(regs.c.applied_at, regs.c.id)
        ).all()
        return [centre_view(r, _Org(r.org_id, r.uscc, r.name)) for r in rows]


class _Org:
    def __init__(self, id: str, uscc: str, name: str) -> None:  # noqa: A002 (a row's column)
        self.id, self.uscc, self.name = id, uscc, name


def registration_resource(session: Session, registration_id: str) -> tuple[Any, Resource]:
    """The registration's row and its listing's policy resource."""
    row = load_registration(session, registration_id)
    return row, resource_of(load(session, row.listing_id))
