"""Opening custodians: the people among whom each opening key of a centre's tenders is split
k-of-n (SEALING.md). A custodian is a user of the centre with an encryption certificate that the
trust list accepts for ``encryption``; the shares are encrypted to that certificate, so the
platform never holds a share it can read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from prex.bidding import events as ev
from prex.bidding.orm import opening_custodians
from prex.db.uow import SqlUnitOfWork
from prex.identity.orm import organisations, users
from prex.identity.policy import Action, Resource, authorize
from prex.pki.certs import Certificate, load_certificate, parse_certificates
from prex.pki.holder import require_organisation
from prex.pki.service import Pki
from prex.pki.trust import Purpose
from prex.shared.errors import Conflict, InvalidInput, NotFound
from prex.shared.ids import new_id

#: Key kinds a share can be encrypted to (prex.envelope.ecies.wrap_for_certificate).
WRAPPABLE = ("rsa-2048", "rsa-3072", "rsa-4096", "ec-p256", "ec-p384", "sm2")


@dataclass(frozen=True)
class Custodian:
    id: str
    centre_id: str
    user_id: str
    username: str
    display_name: str
    certificate: Certificate
    not_after: datetime
    added_at: datetime


def register_custodian(
    uow: SqlUnitOfWork, pki: Pki, *, centre_id: str, user_id: str, certificate_data: bytes
) -> str:
    """Register a user of the centre as an opening custodian with its encryption certificate,
    which must be trusted for encryption now (path, revocation, key usage)."""
    authorize(uow.actor, Action.CUSTODIAN_MANAGE, Resource("centre", centre_id=centre_id))
    certificate, *chain = parse_certificates(certificate_data)
    if certificate.public_key.kind not in WRAPPABLE:
        raise InvalidInput(
            f"a share cannot be encrypted to a {certificate.public_key.kind} key",
            field="certificate",
        )
    _, holder = pki.verify(certificate, purpose=Purpose.ENCRYPTION, intermediates=chain)
    with uow:
        user = uow.session.execute(
            select(
                users.c.id,
                users.c.centre_id,
                users.c.active,
                organisations.c.uscc,
                organisations.c.name,
            )
            .outerjoin(organisations, organisations.c.id == users.c.org_id)
            .where(users.c.id == user_id)
        ).first()
        if user is None or user.centre_id != centre_id:
            raise NotFound(f"no user '{user_id}' at this centre", user_id=user_id)
        if not user.active:
            raise InvalidInput("a disabled account cannot be a custodian", field="user_id")
        if holder.kind == "organisation":
            require_organisation(holder, user.uscc or "", user.name or "")
        existing = uow.session.execute(
            select(opening_custodians.c.id, opening_custodians.c.active).where(
                opening_custodians.c.centre_id == centre_id,
                opening_custodians.c.fingerprint == certificate.fingerprint,
            )
        ).first()
        if existing is not None and existing.active:
            raise Conflict("this certificate is a custodian's of this centre already")
        now = uow.clock.now()
        values: dict[str, Any] = {
            "user_id": user_id,
            "certificate": certificate.der,
            "subject": certificate.subject_text,
            "key_kind": certificate.public_key.kind,
            "not_after": certificate.not_after,
            "active": True,
            "added_at": now,
            "removed_at": None,
        }
        if existing is None:
            custodian_id = new_id()
            uow.session.execute(
                insert(opening_custodians).values(
                    id=custodian_id,
                    centre_id=centre_id,
                    fingerprint=certificate.fingerprint,
                    **values,
                )
            )
        else:
            custodian_id = existing.id
            uow.session.execute(
                update(opening_custodians)
                .where(opening_custodians.c.id == custodian_id)
                .values(**values)
            )
        uow.record(
            ev.CustodianRegistered(
                "custodian",
                custodian_id,
                now,
                centre_id=centre_id,
                user_id=user_id,
                fingerprint=certificate.fingerprint,
                subject=certificate.subject_text,
            )
        )
        uow.commit()
    return custodian_id


def remove_custodian(uow: SqlUnitOfWork, custodian_id: str) -> None:
    """Stop giving shares of new opening keys to this custodian (shares already given stay)."""
    with uow:
        row = uow.session.execute(
            select(
                opening_custodians.c.centre_id,
                opening_custodians.c.user_id,
                opening_custodians.c.fingerprint,
            ).where(opening_custodians.c.id == custodian_id, opening_custodians.c.active)
        ).first()
        if row is None:
            raise NotFound(f"no active custodian '{custodian_id}'")
        authorize(uow.actor, Action.CUSTODIAN_MANAGE, Resource("centre", centre_id=row.centre_id))
        now = uow.clock.now()
        uow.session.execute(
            update(opening_custodians)
            .where(opening_custodians.c.id == custodian_id)
            .values(active=False, removed_at=now)
        )
        uow.record(
            ev.CustodianRemoved(
                "custodian",
                custodian_id,
                now,
                centre_id=row.centre_id,
                user_id=row.user_id,
                fingerprint=row.fingerprint,
            )
        )
        uow.commit()


def custodians_of(session: Any, centre_id: str) -> list[Custodian]:
    """The centre's active custodians, oldest first (the order shares are dealt in)."""
    rows = session.execute(
        select(opening_custodians, users.c.username, users.c.display_name)
        .join(users, users.c.id == opening_custodians.c.user_id)
        .where(opening_custodians.c.centre_id == centre_id, opening_custodians.c.active)
        .order_by(opening_custodians.c.added_at, opening_custodians.c.id)
    ).all()
    return [
        Custodian(
            id=r.id,
            centre_id=r.centre_id,
            user_id=r.user_id,
            username=r.username,
            display_name=r.display_name,
            certificate=load_certificate(r.certificate),
            not_after=r.not_after,
            added_at=r.added_at,
        )
        for r in rows
    ]
