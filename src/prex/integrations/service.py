"""Use cases of the integrations context: clients, their secrets and tokens, bidders' consents.

A client (a broker's portal, a bank, a CA's status service …) is registered for an owning
organisation with a set of scopes. It authenticates with a client secret (RFC 6749 §2.3.1) and
exchanges it for a short-lived opaque bearer token (client credentials, §4.4). Rotation: a client
holds at most two active secrets, so the successor is added, deployed, and the old one revoked
(with every token issued under it). A bidder lets a client act for it by signing a consent act
with its organisation's certificate; the consent is scoped, dated and revocable by the bidder.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, and_, insert, select, update
from sqlalchemy.orm import Session

from prex.award import acts
from prex.db.uow import SqlUnitOfWork
from prex.identity.orm import organisations, users
from prex.identity.passwords import dummy_hash, hash_password, verify_password
from prex.identity.policy import Action, Actor, Resource, Role, authorize
from prex.integrations import events as ev
from prex.integrations.errors import ConsentRequired
from prex.integrations.model import (
    ACTING_SCOPES,
    MAX_ACTIVE_SECRETS,
    SCOPES,
    TOKEN_LIFETIME_SECONDS,
    TOKEN_PREFIX,
    consent_bytes,
    public_view,
)
from prex.integrations.orm import (
    integration_calls,
    integration_clients,
    integration_consents,
    integration_secrets,
    integration_tokens,
)
from prex.shared.clock import ensure_utc
from prex.shared.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound
from prex.shared.ids import new_id

if TYPE_CHECKING:
    from prex.bootstrap import Services


@dataclass(frozen=True)
class IssuedSecret:
    """A client secret just made: shown once, only its argon2id hash is kept."""

    client_id: str
    secret_id: str
    secret: str


@dataclass(frozen=True)
class AccessToken:
    """An access token just issued (RFC 6749 §5.1); only its SHA-256 is kept."""

    token: str
    expires_in: int
    scopes: list[str]


@dataclass(frozen=True)
class MachineCaller:
    """A resolved access token: who the client is, which scopes, its rate budget."""

    client_id: str
    name: str
    org_id: str
    scopes: frozenset[str]
    rate_per_minute: int
    burst: int


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _scopes(values: list[str], allowed: frozenset[str], field: str) -> list[str]:
    chosen = sorted(set(values))
    unknown = set(chosen) - allowed
    if not chosen or unknown:
        raise InvalidInput(
            f"scopes are one or more of {sorted(allowed)}; not {sorted(unknown)}", field=field
        )
    return chosen


# -- clients and secrets ------------------------------------------------------------------------


def register_client(
    uow: SqlUnitOfWork,
    *,
    name: str,
    org_id: str,
    scopes: list[str],
    rate_per_minute: int = 120,
    burst: int = 20,
) -> IssuedSecret:
    """Register a machine client for organisation ``org_id``; returns its first secret."""
    if not name.strip() or len(name) > 200:
        raise InvalidInput("a client needs a name of 1–200 characters", field="name")
    chosen = _scopes(scopes, SCOPES, "scopes")
    if not 1 <= rate_per_minute <= 100_000 or not 1 <= burst <= 10_000:
        raise InvalidInput("rate_per_minute is 1–100000 and burst 1–10000", field="rate")
    authorize(uow.actor, Action.INTEGRATION_MANAGE)
    client_id = new_id()
    with uow:
        org = uow.session.execute(
            select(organisations.c.id, organisations.c.centre_id).where(
                organisations.c.id == org_id
            )
        ).first()
        if org is None:
            raise NotFound(f"no organisation '{org_id}'", org_id=org_id)
        authorize(uow.actor, Action.INTEGRATION_MANAGE, Resource("client", centre_id=org.centre_id))
        now = uow.clock.now()
        uow.session.execute(
            insert(integration_clients).values(
                client_id=client_id,
                name=name.strip(),
                org_id=org_id,
                centre_id=org.centre_id,
                scopes=chosen,
                rate_per_minute=rate_per_minute,
                burst=burst,
                created_at=now,
                created_by=uow.actor.user_id,
            )
        )
        uow.record(
            ev.ClientRegistered(
                "client",
                client_id,
                now,
                name=name.strip(),
                org_id=org_id,
                scopes=chosen,
                rate_per_minute=rate_per_minute,
                burst=burst,
            )
        )
        issued = _add_secret(uow, client_id)
        uow.commit()
    return issued


def _add_secret(uow: SqlUnitOfWork, client_id: str) -> IssuedSecret:
    secret_id = new_id()
    secret = secrets.token_urlsafe(32)
    uow.session.execute(
        insert(integration_secrets).values(
            id=secret_id,
            client_id=client_id,
            secret_hash=hash_password(secret),
            created_at=uow.clock.now(),
        )
    )
    uow.record(ev.ClientSecretAdded("client", client_id, uow.clock.now(), secret_id=secret_id))
    return IssuedSecret(client_id, secret_id, secret)


def _managed(uow: SqlUnitOfWork, client_id: str) -> Any:
    """The client's row, once the actor may manage it (within the 'with' block)."""
    row = uow.session.execute(
        select(integration_clients).where(integration_clients.c.client_id == client_id)
    ).first()
    if row is None:
        raise NotFound(f"no client '{client_id}'", client_id=client_id)
    authorize(
        uow.actor,
        Action.INTEGRATION_MANAGE,
        Resource("client", client_id, centre_id=row.centre_id),
    )
    return row


def rotate_secret(uow: SqlUnitOfWork, client_id: str) -> IssuedSecret:
    """Add the successor secret; both work until the old one is revoked."""
    with uow:
        row = _managed(uow, client_id)
        if row.revoked_at is not None:
            raise Conflict(f"client {client_id} is revoked", client_id=client_id)
        active = uow.session.execute(
            select(integration_secrets.c.id).where(
                integration_secrets.c.client_id == client_id,
                integration_secrets.c.revoked_at.is_(None),
            )
        ).all()
        if len(active) >= MAX_ACTIVE_SECRETS:
            raise Conflict(
                f"client {client_id} has {len(active)} active secrets already: revoke the old "
                "one before adding another",
                client_id=client_id,
            )
        issued = _add_secret(uow, client_id)
        uow.commit()
    return issued


def revoke_secret(uow: SqlUnitOfWork, client_id: str, secret_id: str) -> None:
    """Revoke one secret and every token issued under it."""
    with uow:
        _managed(uow, client_id)
        now = uow.clock.now()
        done = uow.session.execute(
            update(integration_secrets)
            .where(
                integration_secrets.c.id == secret_id,
                integration_secrets.c.client_id == client_id,
                integration_secrets.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        if cast(CursorResult[Any], done).rowcount != 1:
            raise NotFound(f"client {client_id} has no active secret '{secret_id}'")
        tokens = uow.session.execute(
            update(integration_tokens)
            .where(
                integration_tokens.c.secret_id == secret_id,
                integration_tokens.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        uow.record(
            ev.ClientSecretRevoked(
                "client",
                client_id,
                now,
                secret_id=secret_id,
                tokens_revoked=cast(CursorResult[Any], tokens).rowcount,
            )
        )
        uow.commit()


def revoke_client(uow: SqlUnitOfWork, client_id: str, reason: str = "") -> None:
    """End a client: its secrets, tokens and consents stop working at once."""
    with uow:
        row = _managed(uow, client_id)
        if row.revoked_at is not None:
            return
        now = uow.clock.now()
        uow.session.execute(
            update(integration_clients)
            .where(integration_clients.c.client_id == client_id)
            .values(revoked_at=now)
        )
        for table in (integration_secrets, integration_tokens, integration_consents):
            uow.session.execute(
                update(table)
                .where(table.c.client_id == client_id, table.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        uow.record(ev.ClientRevoked("client", client_id, now, reason=reason[:500]))
        uow.commit()


def list_clients(services: Services, actor: Actor) -> list[dict[str, Any]]:
    """The clients the actor may manage (all for the administrator, its centre's for an
    operator), each with its secrets' ids and dates."""
    authorize(actor, Action.INTEGRATION_MANAGE)
    with services.read_session() as session:
        query = select(integration_clients).order_by(integration_clients.c.created_at)
        if Role.ADMIN not in actor.roles:
            query = query.where(integration_clients.c.centre_id == actor.centre_id)
        rows = session.execute(query).mappings().all()
        found = session.execute(
            select(integration_secrets).where(
                integration_secrets.c.client_id.in_([r["client_id"] for r in rows])
            )
        ).mappings()
        by_client: dict[str, list[dict[str, Any]]] = {}
        for s in found:
            by_client.setdefault(s["client_id"], []).append(
                {"id": s["id"], "created_at": s["created_at"], "revoked_at": s["revoked_at"]}
            )
    return [{**public_view(r), "secrets": by_client.get(r["client_id"], [])} for r in rows]


# -- tokens ---------------------------------------------------------------------------------------


def authenticate_client(uow: SqlUnitOfWork, client_id: str, secret: str) -> tuple[Any, str]:
    """The client's row and the id of the secret that matched; a refusal is audited.

    Every active secret is tried (two during a rotation); an unknown client still costs one
    hash, so that timing does not tell which clients exist."""
    with uow:
        row = uow.session.execute(
            select(integration_clients).where(integration_clients.c.client_id == client_id[:26])
        ).first()
        active = (
            uow.session.execute(
                select(integration_secrets.c.id, integration_secrets.c.secret_hash).where(
                    integration_secrets.c.client_id == row.client_id,
                    integration_secrets.c.revoked_at.is_(None),
                )
            ).all()
            if row is not None and row.revoked_at is None
            else []
        )
        matched = next((s.id for s in active if verify_password(s.secret_hash, secret)), None)
        if not active:
            verify_password(dummy_hash(), secret)
        if row is None or matched is None:
            reason = "unknown client" if row is None else "wrong or revoked secret"
            uow.record(
                ev.ClientTokenRefused(
                    "client", row.client_id if row else "-", uow.clock.now(), reason=reason
                )
            )
            uow.commit()
            raise AuthenticationFailed("client authentication failed", client_id=client_id[:26])
    return row, matched


def issue_token(
    uow: SqlUnitOfWork, client: Any, secret_id: str, requested: list[str] | None
) -> AccessToken:
    """Issue an access token for an authenticated client (RFC 6749 §4.4.3), with the requested
    scopes (all of the client's when none are asked for); ``InvalidInput`` names extra ones."""
    granted = frozenset(client.scopes)
    scopes = sorted(set(requested) if requested else granted)
    if not set(scopes) <= granted:
        raise InvalidInput(
            f"client {client.client_id} may not ask for {sorted(set(scopes) - granted)}",
            field="scope",
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = new_id()
    with uow:
        now = uow.clock.now()
        expires = now + timedelta(seconds=TOKEN_LIFETIME_SECONDS)
        uow.session.execute(
            insert(integration_tokens).values(
                id=token_id,
                client_id=client.client_id,
                secret_id=secret_id,
                token_sha256=_sha(token),
                scopes=scopes,
                created_at=now,
                expires_at=expires,
                address=uow.actor.address,
            )
        )
        uow.record(
            ev.ClientTokenIssued(
                "client",
                client.client_id,
                now,
                token_id=token_id,
                secret_id=secret_id,
                scopes=scopes,
                expires_at=expires.isoformat(),
            )
        )
        uow.commit()
    return AccessToken(token, TOKEN_LIFETIME_SECONDS, scopes)


def caller_for_token(session: Session, token: str, now: datetime) -> MachineCaller:
    """Resolve a bearer access token (read-only); unknown, expired or revoked → 401."""
    row = session.execute(
        select(
            integration_clients.c.client_id,
            integration_clients.c.name,
            integration_clients.c.org_id,
            integration_clients.c.rate_per_minute,
            integration_clients.c.burst,
            integration_tokens.c.scopes,
        )
        .join(
            integration_clients,
            integration_clients.c.client_id == integration_tokens.c.client_id,
        )
        .where(
            and_(
                integration_tokens.c.token_sha256 == _sha(token),
                integration_tokens.c.revoked_at.is_(None),
                integration_tokens.c.expires_at > now,
                integration_clients.c.revoked_at.is_(None),
            )
        )
    ).first()
    if row is None:
        raise AuthenticationFailed("the access token is unknown, revoked or expired")
    return MachineCaller(
        row.client_id,
        row.name,
        row.org_id,
        frozenset(row.scopes),
        row.rate_per_minute,
        row.burst,
    )


def machine_actor(
    session: Session,
    caller: MachineCaller,
    *,
    address: str | None,
    now: datetime,
    on_behalf_of: str | None,
    scope: str | None,
) -> Actor:
    """The actor of a machine call: the client itself (anonymous to the policy, so it can only
    do what the public may), or — with ``on_behalf_of`` — the bidder organisation that gave the
    client a valid consent covering ``scope``, acting as the member who signed that consent."""
    if on_behalf_of is None:
        # No organisation either: no service may mistake the client for a member of its owner.
        return Actor(
            label=f"client {caller.name} ({caller.client_id})",
            address=address,
            client_id=caller.client_id,
        )
    consent = session.execute(
        select(
            integration_consents.c.id,
            integration_consents.c.scopes,
            users.c.id.label("user_id"),
            users.c.display_name,
            users.c.roles,
            users.c.centre_id,
            users.c.active,
            users.c.org_id.label("user_org_id"),
        )
        .join(users, users.c.id == integration_consents.c.granted_by)
        .where(
            integration_consents.c.client_id == caller.client_id,
            integration_consents.c.org_id == on_behalf_of,
            integration_consents.c.revoked_at.is_(None),
            integration_consents.c.valid_until > now,
        )
        .order_by(integration_consents.c.granted_at.desc())
    ).first()
    if consent is None:
        raise ConsentRequired(
            f"client {caller.client_id} has no valid consent of organisation {on_behalf_of}",
            client_id=caller.client_id,
            org_id=on_behalf_of,
        )
    if scope in ACTING_SCOPES and scope not in consent.scopes:
        raise ConsentRequired(
            f"organisation {on_behalf_of} did not consent to '{scope}' for client "
            f"{caller.client_id}",
            client_id=caller.client_id,
            org_id=on_behalf_of,
            scope=scope,
        )
    if (
        not consent.active
        or consent.user_org_id != on_behalf_of
        or Role.BIDDER.value not in consent.roles
    ):
        raise ConsentRequired(
            f"the member who signed consent {consent.id} no longer acts for {on_behalf_of}",
            client_id=caller.client_id,
            org_id=on_behalf_of,
        )
    return Actor(
        user_id=consent.user_id,
        label=f"client {caller.name} ({caller.client_id}) for {consent.display_name}",
        org_id=on_behalf_of,
        centre_id=consent.centre_id,
        roles=frozenset({Role.BIDDER}),
        address=address,
        client_id=caller.client_id,
    )


def record_call(
    services: Services,
    caller: MachineCaller,
    *,
    method: str,
    path: str,
    action: str | None,
    on_behalf_of: str | None,
    address: str | None,
    outcome: str,
) -> None:
    """Log one API call of a client (its own short transaction, before the route runs)."""
    with services.writer_session() as session:
        session.execute(
            insert(integration_calls).values(
                client_id=caller.client_id,
                at=services.clock.now(),
                method=method[:8],
                path=path[:500],
                action=action,
                on_behalf_of=(on_behalf_of or None) and on_behalf_of[:26],
                address=address,
                outcome=outcome[:32],
            )
        )
        session.commit()


def calls_of(
    services: Services, actor: Actor, client_id: str, limit: int = 100
) -> list[dict[str, Any]]:
    """A client's latest API calls, newest first, for those who manage it."""
    with services.read_session() as session:
        row = session.execute(
            select(integration_clients.c.centre_id).where(
                integration_clients.c.client_id == client_id
            )
        ).first()
        if row is None:
            raise NotFound(f"no client '{client_id}'", client_id=client_id)
        authorize(
            actor, Action.INTEGRATION_MANAGE, Resource("client", client_id, centre_id=row.centre_id)
        )
        rows = session.execute(
            select(integration_calls)
            .where(integration_calls.c.client_id == client_id)
            .order_by(integration_calls.c.id.desc())
            .limit(limit)
        ).mappings()
        return [{k: v for k, v in r.items() if k != "client_id"} for r in rows]


# -- consents -------------------------------------------------------------------------------------


def _consenting_org(services: Services, actor: Actor) -> Any:
    authorize(actor, Action.CONSENT_GRANT)
    if actor.org_id is None:
        raise ConsentRequired("only a member of a bidding organisation gives consent")
    with services.read_session() as session:
        return session.execute(
            select(organisations.c.id, organisations.c.uscc, organisations.c.name).where(
                organisations.c.id == actor.org_id
            )
        ).one()


def _active_client(services: Services, client_id: str) -> Any:
    with services.read_session() as session:
        row = session.execute(
            select(integration_clients).where(integration_clients.c.client_id == client_id)
        ).first()
    if row is None or row.revoked_at is not None:
        raise NotFound(f"no active client '{client_id}'", client_id=client_id)
    return row


def consent_to_sign(
    services: Services, actor: Actor, client_id: str, scopes: list[str], valid_until: datetime
) -> bytes:
    """The exact bytes the actor's organisation signs to consent (see :func:`consent_bytes`)."""
    org = _consenting_org(services, actor)
    client = _active_client(services, client_id)
    chosen = _scopes(scopes, ACTING_SCOPES & frozenset(client.scopes), "scopes")
    return consent_bytes(client_id, org.uscc, chosen, ensure_utc(valid_until))


def grant_consent(
    uow: SqlUnitOfWork,
    services: Services,
    *,
    client_id: str,
    scopes: list[str],
    valid_until: datetime,
    signature: str,
) -> str:
    """Record the actor's organisation's signed consent that ``client_id`` acts for it."""
    org = _consenting_org(services, uow.actor)
    client = _active_client(services, client_id)
    chosen = _scopes(scopes, ACTING_SCOPES & frozenset(client.scopes), "scopes")
    until = ensure_utc(valid_until).replace(microsecond=0)
    if until <= services.clock.now():
        raise InvalidInput("valid_until lies in the past", field="valid_until")
    data = consent_bytes(client_id, org.uscc, chosen, until)
    der = acts.signature_der(signature)
    verdict = acts.verify_organisation(services, data, der, uscc=org.uscc, name=org.name)
    consent_id = new_id()
    with uow:
        now = uow.clock.now()
        uow.session.execute(
            insert(integration_consents).values(
                id=consent_id,
                client_id=client_id,
                org_id=org.id,
                scopes=chosen,
                valid_until=until,
                act=data.decode(),
                signature=der,
                signer_fingerprint=verdict.check.signer.fingerprint,
                granted_by=uow.actor.user_id,
                granted_at=now,
            )
        )
        uow.record(
            ev.ConsentGranted(
                "consent",
                consent_id,
                now,
                client_id=client_id,
                org_id=org.id,
                scopes=chosen,
                valid_until=until.isoformat(),
                signer_fingerprint=verdict.check.signer.fingerprint,
                act_sha256=hashlib.sha256(data).hexdigest(),
            )
        )
        uow.commit()
    return consent_id


def revoke_consent(uow: SqlUnitOfWork, consent_id: str) -> None:
    """The consenting organisation withdraws its consent; the client's next call is refused."""
    with uow:
        row = uow.session.execute(
            select(integration_consents).where(integration_consents.c.id == consent_id)
        ).first()
        if row is None:
            raise NotFound(f"no consent '{consent_id}'", consent_id=consent_id)
        authorize(
            uow.actor,
            Action.CONSENT_GRANT,
            Resource("consent", consent_id, party_org_ids=frozenset({row.org_id})),
        )
        if row.revoked_at is not None:
            return
        now = uow.clock.now()
        uow.session.execute(
            update(integration_consents)
            .where(integration_consents.c.id == consent_id)
            .values(revoked_at=now, revoked_by=uow.actor.user_id)
        )
        uow.record(
            ev.ConsentRevoked(
                "consent", consent_id, now, client_id=row.client_id, org_id=row.org_id
            )
        )
        uow.commit()


def list_consents(services: Services, actor: Actor) -> list[dict[str, Any]]:
    """The consents the actor's organisation gave, newest first, with the signed act."""
    org = _consenting_org(services, actor)
    with services.read_session() as session:
        rows = session.execute(
            select(integration_consents)
            .where(integration_consents.c.org_id == org.id)
            .order_by(integration_consents.c.granted_at.desc())
        ).mappings()
        return [
            {
                "id": r["id"],
                "client_id": r["client_id"],
                "org_id": r["org_id"],
                "scopes": list(r["scopes"]),
                "valid_until": r["valid_until"],
                "act": r["act"],
                "signature": base64.b64encode(r["signature"]).decode(),
                "signer_fingerprint": r["signer_fingerprint"],
                "granted_at": r["granted_at"],
                "revoked_at": r["revoked_at"],
            }
            for r in rows
        ]
