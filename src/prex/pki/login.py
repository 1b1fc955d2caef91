"""Certificate login and binding a certificate to an account (CA锁登录 / CA锁绑定).

Challenge–response: the server issues a single-use nonce; the client signs the exact bytes of
:func:`challenge_message` with its certificate's key (RSA, ECDSA or SM2 with SM3) and sends the
signature with the certificate. The server checks the nonce, the signature, the certificate's
path, revocation and holder, and that the certificate was bound to the account beforehand by its
signed-in owner — so a valid certificate alone never opens somebody else's account.

Sign-in by certificate is guarded like sign-in by password (:mod:`prex.identity.lockout`):
every refusal counts against the certificate presented (``certificate:<SHA-256>``, locked after
``login_max_failures``) and against the caller's address (the bucket password failures spend
from too). While either refuses, the answer is 429 ``/problems/sign-in-throttled`` with
``Retry-After`` before the signature or the certificate's path is looked at.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update

from prex.db.uow import SqlUnitOfWork
from prex.identity import events as identity_events
from prex.identity import lockout
from prex.identity.lockout import LoginLimits, SignInThrottled
from prex.identity.orm import login_failures, organisations, users
from prex.identity.policy import Action, Resource, authorize
from prex.identity.service import Credential, issue_credential
from prex.pki import events as ev
from prex.pki.certs import Certificate, parse_certificates, pem_or_base64
from prex.pki.holder import Holder, IdentityMismatch, require_organisation
from prex.pki.keys import Scheme
from prex.pki.orm import cert_challenges, user_certificates
from prex.pki.path import CertificateRefused, ValidatedPath
from prex.pki.service import Pki
from prex.pki.trust import Purpose
from prex.shared.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound
from prex.shared.ids import new_id

SCHEMES = {
    "rsa-pkcs1-sha256": Scheme("rsa-pkcs1", "sha256"),
    "rsa-pkcs1-sha384": Scheme("rsa-pkcs1", "sha384"),
    "rsa-pss-sha256": Scheme("rsa-pss", "sha256"),
    "ecdsa-sha256": Scheme("ecdsa", "sha256"),
    "ecdsa-sha384": Scheme("ecdsa", "sha384"),
    "sm2-sm3": Scheme("sm2", "sm3"),
}
PURPOSES = ("login", "bind")


@dataclass(frozen=True)
class Challenge:
    id: str
    nonce: str
    purpose: str
    expires_at: datetime
    message: str  # exactly what the client signs (UTF-8)


@dataclass(frozen=True)
class SignedChallenge:
    """What a client sends back: its certificate (and chain), the scheme and the signature."""

    challenge_id: str
    certificate: str  # PEM, or base64 DER
    signature: str  # base64
    algorithm: str  # a key of SCHEMES
    chain: Sequence[str] = ()


def challenge_message(platform_code: str, challenge_id: str, nonce: str, purpose: str) -> str:
    """The signed text names the platform and the purpose, so a signature made for one platform
    or for binding cannot be replayed to log in elsewhere."""
    return f"prex-{purpose}\n{platform_code}\n{challenge_id}\n{nonce}\n"


def issue_challenge(
    uow: SqlUnitOfWork, purpose: str, *, lifetime: timedelta, platform_code: str
) -> Challenge:
    if purpose not in PURPOSES:
        raise InvalidInput(f"purpose is one of {', '.join(PURPOSES)}", field="purpose")
    challenge_id, nonce = new_id(), secrets.token_hex(32)
    with uow:
        now = uow.clock.now()
        uow.session.execute(
            insert(cert_challenges).values(
                id=challenge_id,
                nonce=nonce,
                purpose=purpose,
                created_at=now,
                expires_at=now + lifetime,
                address=uow.actor.address,
            )
        )
        uow.session.commit()  # a nonce is not a state change of the domain: no audit entry
    return Challenge(
        challenge_id,
        nonce,
        purpose,
        now + lifetime,
        challenge_message(platform_code, challenge_id, nonce, purpose),
    )


def _nonce_of(pki: Pki, challenge_id: str, purpose: str) -> str:
    with pki.services.read_session() as session:
        row = session.execute(
            select(cert_challenges.c.nonce).where(
                cert_challenges.c.id == challenge_id, cert_challenges.c.purpose == purpose
            )
        ).first()
    if row is None:
        raise AuthenticationFailed("the challenge is unknown, used already or expired; ask again")
    return str(row.nonce)


def _consume(uow: SqlUnitOfWork, challenge_id: str) -> None:
    """Mark the challenge used, atomically: of two racing requests only one succeeds."""
    now = uow.clock.now()
    used = uow.session.execute(
        update(cert_challenges)
        .where(
            cert_challenges.c.id == challenge_id,
            cert_challenges.c.used_at.is_(None),
            cert_challenges.c.expires_at > now,
        )
        .values(used_at=now)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise AuthenticationFailed("the challenge is unknown, used already or expired; ask again")


def _verify_proof(
    pki: Pki, proof: SignedChallenge, purpose: str, platform_code: str
) -> tuple[Certificate, ValidatedPath, Holder]:
    """Check signature and certificate before any write transaction opens: validation may
    fetch CRLs and ask OCSP responders, and stores what it fetched."""
    if proof.algorithm not in SCHEMES:
        raise InvalidInput(f"algorithm is one of {', '.join(SCHEMES)}", field="algorithm")
    # The certificate field may carry the issuing CAs after the holder's certificate.
    certificate, *chain = parse_certificates(pem_or_base64(proof.certificate, "certificate"))
    chain += [c for text in proof.chain for c in parse_certificates(pem_or_base64(text, "chain"))]
    signature = pem_or_base64(proof.signature, "signature")
    nonce = _nonce_of(pki, proof.challenge_id, purpose)
    message = challenge_message(platform_code, proof.challenge_id, nonce, purpose).encode()
    if not certificate.public_key.verify(SCHEMES[proof.algorithm], signature, message):
        raise AuthenticationFailed("the signature over the challenge does not verify")
    path, holder = pki.verify(certificate, purpose=Purpose.LOGIN, intermediates=chain)
    return certificate, path, holder


def _presented_fingerprint(proof: SignedChallenge) -> str:
    """The SHA-256 of the certificate presented: the identity failures count against. Only
    parsed (no signature, no path), so that a throttled caller costs no verification."""
    if proof.algorithm not in SCHEMES:
        raise InvalidInput(f"algorithm is one of {', '.join(SCHEMES)}", field="algorithm")
    return parse_certificates(pem_or_base64(proof.certificate, "certificate"))[0].fingerprint


def _throttled(
    uow: SqlUnitOfWork, limits: LoginLimits, challenge_id: str, fingerprint: str
) -> None:
    """Refuse with :class:`SignInThrottled` (recorded, the nonce burnt, no failure counted)
    while the certificate is locked or the address throttled."""
    with uow:
        now = uow.clock.now()
        wait = lockout.refusal(
            uow.session, limits, lockout.certificate_key(fingerprint), uow.actor.address, now
        )
        if not wait:
            return
        _record_refusal_in(uow, challenge_id, fingerprint, "throttled", None)
    raise SignInThrottled(wait)


def login_with_certificate(
    uow: SqlUnitOfWork,
    pki: Pki,
    proof: SignedChallenge,
    *,
    platform_code: str,
    kind: str,
    lifetime: timedelta,
    limits: LoginLimits | None = None,
) -> Credential:
    """Open a session or token for the account the certificate is bound to; throttled and
    locked out as the module docstring says (``limits``: its defaults when None)."""
    limits = limits or LoginLimits()
    fingerprint = "-"
    try:
        fingerprint = _presented_fingerprint(proof)
        _throttled(uow, limits, proof.challenge_id, fingerprint)
        certificate, _, holder = _verify_proof(pki, proof, "login", platform_code)
        fingerprint = certificate.fingerprint
        with uow:
            _consume(uow, proof.challenge_id)
            binding = uow.session.execute(
                select(user_certificates.c.user_id, user_certificates.c.identity_hash).where(
                    user_certificates.c.fingerprint == fingerprint,
                    user_certificates.c.unbound_at.is_(None),
                )
            ).first()
            if binding is None:
                raise AuthenticationFailed(
                    "this certificate is not bound to an account: sign in with your password "
                    "and bind it first"
                )
            user = uow.session.execute(
                select(users.c.id, users.c.active, organisations.c.uscc, organisations.c.name)
                .outerjoin(organisations, organisations.c.id == users.c.org_id)
                .where(users.c.id == binding.user_id)
            ).one()
            if not user.active:
                raise AuthenticationFailed("the account is disabled")
            if holder.kind == "organisation":
                require_organisation(holder, user.uscc or "", user.name or "")
            lockout.clear(uow.session, lockout.certificate_key(fingerprint))
            credential = issue_credential(
                uow, user.id, kind=kind, lifetime=lifetime, label="certificate"
            )
            now = uow.clock.now()
            uow.record(
                ev.CertificateSignedIn(
                    "user",
                    user.id,
                    now,
                    fingerprint=fingerprint,
                    credential_id=credential.id,
                    kind=kind,
                )
            )
            uow.record(
                identity_events.SignedIn(
                    "user", user.id, now, kind=kind, credential_id=credential.id
                )
            )
            uow.commit()
            return credential
    except (AuthenticationFailed, CertificateRefused, IdentityMismatch, InvalidInput) as exc:
        _record_refusal(uow, proof.challenge_id, fingerprint, exc, limits)
        if isinstance(exc, AuthenticationFailed):
            raise
        reason = getattr(exc, "reason", None)
        raise AuthenticationFailed(
            f"certificate login refused: {exc.message}",
            reason=getattr(reason, "value", exc.slug),
        ) from exc


def _record_refusal(
    uow: SqlUnitOfWork,
    challenge_id: str,
    fingerprint: str,
    exc: InvalidInput | Exception,
    limits: LoginLimits,
) -> None:
    """Record the refusal, count it against the certificate and the address, and burn the
    nonce, so one challenge allows one attempt only."""
    with uow:
        _record_refusal_in(
            uow, challenge_id, fingerprint, getattr(exc, "message", str(exc)), limits
        )


def _record_refusal_in(
    uow: SqlUnitOfWork,
    challenge_id: str,
    fingerprint: str,
    reason: str,
    limits: LoginLimits | None,
) -> None:
    """``limits`` None: a throttled attempt, recorded but not counted as a failure."""
    now = uow.clock.now()
    uow.session.execute(
        update(cert_challenges)
        .where(cert_challenges.c.id == challenge_id, cert_challenges.c.used_at.is_(None))
        .values(used_at=now)
    )
    message = reason[:500]
    uow.session.execute(
        insert(login_failures).values(
            username=f"cert:{fingerprint[:16]}", address=uow.actor.address, at=now, reason=message
        )
    )
    uow.record(
        ev.CertificateSignInRefused(
            "certificate", fingerprint[:26], now, fingerprint=fingerprint, reason=message
        )
    )
    if limits is not None:
        known = fingerprint != "-"  # an unreadable certificate counts against the address only
        subject = lockout.certificate_key(fingerprint) if known else None
        locked = lockout.record_failure(uow.session, limits, subject, uow.actor.address, now)
        if locked is not None and subject is not None:
            _record_lock(uow, fingerprint, subject, now + locked)
    uow.commit()


def _record_lock(uow: SqlUnitOfWork, fingerprint: str, subject: str, until: datetime) -> None:
    """``AccountLocked`` for the certificate: on the account it is bound to (whose holder is
    told, as for a password lock-out), else on the certificate."""
    bound = uow.session.execute(
        select(user_certificates.c.user_id).where(
            user_certificates.c.fingerprint == fingerprint,
            user_certificates.c.unbound_at.is_(None),
        )
    ).first()
    aggregate, aggregate_id = (
        ("user", bound.user_id) if bound else ("certificate", fingerprint[:26])
    )
    uow.record(
        identity_events.AccountLocked(
            aggregate,
            aggregate_id,
            uow.clock.now(),
            username=f"cert:{fingerprint[:16]}",
            until=until.isoformat(timespec="seconds"),
            lockout=lockout.lockouts(uow.session, subject),
        )
    )


@dataclass(frozen=True)
class Binding:
    id: str
    fingerprint: str
    subject: str
    identity_kind: str
    identity_display: str
    not_after: datetime
    bound_at: datetime


def bind_certificate(
    uow: SqlUnitOfWork, pki: Pki, proof: SignedChallenge, *, platform_code: str, secret: str
) -> Binding:
    """Bind a certificate the signed-in user proves to hold. An organisation certificate must
    carry the user's organisation's credit code; a person's identity binds to one account only."""
    actor = uow.actor
    if actor.user_id is None:
        raise AuthenticationFailed("sign in first")
    authorize(actor, Action.CERT_BIND, Resource("user", user_id=actor.user_id))
    certificate, path, holder = _verify_proof(pki, proof, "bind", platform_code)
    with uow:
        _consume(uow, proof.challenge_id)
        if holder.kind == "organisation":
            org = uow.session.execute(
                select(organisations.c.uscc, organisations.c.name).where(
                    organisations.c.id == actor.org_id
                )
            ).first()
            if org is None:
                raise IdentityMismatch(
                    "an organisation's certificate can only be bound by a member of it"
                )
            require_organisation(holder, org.uscc, org.name)
        identity_hash = holder.fingerprint(secret)
        other = uow.session.execute(
            select(user_certificates.c.user_id).where(
                user_certificates.c.identity_hash == identity_hash,
                user_certificates.c.identity_kind == "person",
                user_certificates.c.unbound_at.is_(None),
                user_certificates.c.user_id != actor.user_id,
            )
        ).first()
        if holder.kind == "person" and other is not None:
            raise Conflict("this person's certificate is bound to another account already")
        existing = uow.session.execute(
            select(
                user_certificates.c.id, user_certificates.c.user_id, user_certificates.c.unbound_at
            ).where(user_certificates.c.fingerprint == certificate.fingerprint)
        ).first()
        if existing is not None and existing.unbound_at is None:
            raise Conflict("this certificate is bound already")
        now = uow.clock.now()
        values = {
            "user_id": actor.user_id,
            "subject": certificate.subject_text,
            "ca_id": path.issuing_ca.id,
            "identity_kind": holder.kind,
            "identity_display": holder.display,
            "identity_hash": identity_hash,
            "not_after": certificate.not_after,
            "bound_at": now,
            "unbound_at": None,
        }
        if existing is None:
            binding_id = new_id()
            uow.session.execute(
                insert(user_certificates).values(
                    id=binding_id, fingerprint=certificate.fingerprint, **values
                )
            )
        else:
            binding_id = existing.id
            uow.session.execute(
                update(user_certificates)
                .where(user_certificates.c.id == binding_id)
                .values(**values)
            )
        uow.record(
            ev.CertificateBound(
                "user",
                actor.user_id,
                now,
                fingerprint=certificate.fingerprint,
                subject=certificate.subject_text,
                identity_kind=holder.kind,
                identity_display=holder.display,
            )
        )
        uow.commit()
    return Binding(
        binding_id,
        certificate.fingerprint,
        certificate.subject_text,
        holder.kind,
        holder.display,
        certificate.not_after,
        now,
    )


def bindings_of(session: object, user_id: str) -> list[Binding]:
    rows = session.execute(  # type: ignore[attr-defined]
        select(user_certificates)
        .where(user_certificates.c.user_id == user_id, user_certificates.c.unbound_at.is_(None))
        .order_by(user_certificates.c.bound_at)
    ).all()
    return [
        Binding(
            r.id,
            r.fingerprint,
            r.subject,
            r.identity_kind,
            r.identity_display,
            r.not_after,
            r.bound_at,
        )
        for r in rows
    ]


def unbind_certificate(uow: SqlUnitOfWork, binding_id: str) -> None:
    actor = uow.actor
    with uow:
        row = uow.session.execute(
            select(user_certificates.c.user_id, user_certificates.c.fingerprint).where(
                user_certificates.c.id == binding_id, user_certificates.c.unbound_at.is_(None)
            )
        ).first()
        if row is None:
            raise NotFound(f"no bound certificate '{binding_id}'")
        authorize(actor, Action.CERT_BIND, Resource("user", user_id=row.user_id))
        now = uow.clock.now()
        uow.session.execute(
            update(user_certificates)
            .where(user_certificates.c.id == binding_id)
            .values(unbound_at=now)
        )
        uow.record(ev.CertificateUnbound("user", row.user_id, now, fingerprint=row.fingerprint))
        uow.commit()
