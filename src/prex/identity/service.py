"""Use cases of the identity context: centres, organisations, users, sign-in, credentials."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from prex.db.uow import SqlUnitOfWork
from prex.identity import events as ev
from prex.identity import lockout
from prex.identity.divisions import validate_division
from prex.identity.lockout import LoginLimits, SignInThrottled
from prex.identity.orm import (
    centres,
    credentials,
    login_failures,
    organisations,
    users,
)
from prex.identity.passwords import dummy_hash, hash_password, verify_password
from prex.identity.policy import Action, Actor, Resource, Role, authorize
from prex.identity.uscc import validate_uscc
from prex.shared.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound
from prex.shared.ids import new_id
from prex.shared.phones import normalise_mobile

ORG_KINDS = frozenset({"tenderer", "agency", "bidder", "centre", "supervisor", "expert_employer"})


@dataclass(frozen=True)
class Credential:
    """A freshly issued secret; only its SHA-256 is stored, so show it once."""

    id: str
    secret: str
    expires_at: datetime


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_centre(
    uow: SqlUnitOfWork,
    *,
    name: str,
    division_code: str,
    parent_id: str | None,
    platform_code: str,
) -> str:
    authorize(uow.actor, Action.CENTRE_MANAGE)
    code = validate_division(division_code)
    centre_id = new_id()
    with uow:
        parent = select(centres.c.id).where(centres.c.id == parent_id)
        if parent_id is not None and uow.session.execute(parent).first() is None:
            # Found by the API fuzz profile: the foreign key answered 500 before.
            raise NotFound(f"no centre '{parent_id}'", field="parent_id")
        exists = f"a centre for division {code} exists already"
        # The unique index refuses at the insert, not only at the commit (the insert's refusal
        # answered 500 before: found by the API fuzz profile).
        with _unique(exists):
            uow.session.execute(
                insert(centres).values(
                    id=centre_id,
                    name=name,
                    division_code=code,
                    parent_id=parent_id,
                    platform_code=platform_code,
                    created_at=uow.clock.now(),
                )
            )
            uow.record(
                ev.CentreCreated(
                    "centre",
                    centre_id,
                    uow.clock.now(),
                    name=name,
                    division_code=code,
                    parent_id=parent_id,
                )
            )
            uow.commit()
    return centre_id


def register_organisation(
    uow: SqlUnitOfWork,
    *,
    uscc: str,
    name: str,
    centre_id: str,
    kinds: list[str],
    contact_email: str | None = None,
) -> str:
    """Register an organisation under its credit code (check digit verified)."""
    code = validate_uscc(uscc)
    unknown = set(kinds) - ORG_KINDS
    if unknown or not kinds:
        raise InvalidInput(f"organisation kinds are {sorted(ORG_KINDS)}", field="kinds")
    if not name.strip():
        raise InvalidInput("an organisation needs a name", field="name")
    authorize(uow.actor, Action.ORG_REGISTER, Resource("organisation", centre_id=centre_id))
    org_id = new_id()
    with uow:
        if (
            uow.session.execute(select(centres.c.id).where(centres.c.id == centre_id)).first()
            is None
        ):
            raise NotFound(f"no centre '{centre_id}'", centre_id=centre_id)
        registered = f"an organisation with credit code {code} is registered already"
        with _unique(registered):
            uow.session.execute(
                insert(organisations).values(
                    id=org_id,
                    uscc=code,
                    name=name.strip(),
                    division_code=code[2:8],
                    centre_id=centre_id,
                    kinds=sorted(set(kinds)),
                    contact_email=contact_email,
                    created_at=uow.clock.now(),
                )
            )
            uow.record(
                ev.OrganisationRegistered(
                    "organisation",
                    org_id,
                    uow.clock.now(),
                    uscc=code,
                    name=name.strip(),
                    division_code=code[2:8],
                    kinds=sorted(set(kinds)),
                )
            )
            uow.commit()
    return org_id


def create_user(
    uow: SqlUnitOfWork,
    *,
    username: str,
    password: str,
    display_name: str,
    roles: list[str],
    org_id: str | None,
    centre_id: str | None,
    email: str | None = None,
    mobile: str | None = None,
) -> str:
    mobile = normalise_mobile(mobile) if mobile else None
    try:
        role_set = sorted({Role(r) for r in roles})
    except ValueError as exc:
        raise InvalidInput(f"roles are {[r.value for r in Role]}", field="roles") from exc
    if not role_set:
        raise InvalidInput("a user needs at least one role", field="roles")
    if (
        not username
        or len(username) > 64
        or not username.replace("_", "").replace(".", "").isalnum()
    ):
        raise InvalidInput("user names are 1–64 letters, digits, '.' or '_'", field="username")
    authorize(uow.actor, Action.USER_MANAGE, Resource("user", centre_id=centre_id))
    password_hash = hash_password(password)
    user_id = new_id()
    with uow:
        taken = select(users.c.id).where(users.c.username == username)
        if uow.session.execute(taken).first() is not None:
            # Found by the API fuzz profile: the unique index answered 500 before.
            raise Conflict(f"user name '{username}' is taken", field="username")
        uow.session.execute(
            insert(users).values(
                id=user_id,
                username=username,
                display_name=display_name,
                email=email,
                mobile=mobile,
                password_hash=password_hash,
                roles=[r.value for r in role_set],
                org_id=org_id,
                centre_id=centre_id,
                active=True,
                created_at=uow.clock.now(),
            )
        )
        uow.record(
            ev.UserCreated(
                "user",
                user_id,
                uow.clock.now(),
                username=username,
                roles=[r.value for r in role_set],
                org_id=org_id,
            )
        )
        _commit_unique(uow, f"user name '{username}' is taken")
    return user_id


def set_mobile(uow: SqlUnitOfWork, mobile: str | None) -> str | None:
    """The signed-in user sets (or, with None or "", removes) the mobile number SMS
    notifications go to; it is kept in E.164 (``+86…``). Returns it as stored."""
    actor = uow.actor
    authorize(actor, Action.ACCOUNT_EDIT, Resource("user", user_id=actor.user_id))
    number = normalise_mobile(mobile) if mobile and mobile.strip() else None
    with uow:
        exists = uow.session.execute(
            select(users.c.id).where(users.c.id == actor.user_id)
        ).scalar_one_or_none()
        if exists is None:
            raise NotFound(f"no user '{actor.user_id}'", user_id=actor.user_id)
        uow.session.execute(update(users).where(users.c.id == actor.user_id).values(mobile=number))
        now = uow.clock.now()
        # The number itself stays out of the audit trail (personal data): only that it changed.
        uow.record(
            ev.ContactChanged("user", str(actor.user_id), now, mobile_set=number is not None)
        )
        uow.commit()
    return number


def sign_in(
    uow: SqlUnitOfWork,
    *,
    username: str,
    password: str,
    kind: str,
    lifetime: timedelta,
    label: str = "",
    limits: LoginLimits | None = None,
) -> Credential:
    """Check a password and issue a session (web) or bearer token (API).

    Guarded by :mod:`prex.identity.lockout` (``limits``; its defaults when None): a locked name
    or a throttled address is refused with :class:`SignInThrottled` before the password is
    checked, so the answer is the same whether it was right. An unknown name costs a hash of a
    dummy password, so timing does not tell whether the user exists."""
    if kind not in ("session", "token"):
        raise InvalidInput("credential kind is 'session' or 'token'", field="kind")
    limits = limits or LoginLimits()
    address = uow.actor.address
    account = lockout.account_key(username)
    with uow:
        now = uow.clock.now()
        wait = lockout.refusal(uow.session, limits, account, address, now)
        row = uow.session.execute(
            select(users.c.id, users.c.password_hash, users.c.active).where(
                users.c.username == username
            )
        ).first()
        if wait:
            _refuse(uow, row, username, "throttled", now)
            uow.commit()
            raise SignInThrottled(wait)
        ok = verify_password(row.password_hash if row else dummy_hash(), password)
        if row is None or not ok or not row.active:
            reason = "unknown user" if row is None else ("wrong password" if not ok else "disabled")
            _refuse(uow, row, username, reason, now)
            locked = lockout.record_failure(uow.session, limits, account, address, now)
            if locked is not None:
                guard = lockout.locked_until(uow.session, account, now)
                uow.record(
                    ev.AccountLocked(
                        "user",
                        row.id if row else "-",
                        now,
                        username=username[:64],
                        until=(guard or now + locked).isoformat(timespec="seconds"),
                        lockout=lockout.lockouts(uow.session, account),
                    )
                )
            uow.commit()
            raise AuthenticationFailed("wrong user name or password")
        lockout.clear(uow.session, account)
        credential = issue_credential(uow, row.id, kind=kind, lifetime=lifetime, label=label)
        uow.record(ev.SignedIn("user", row.id, now, kind=kind, credential_id=credential.id))
        uow.commit()
    return credential


def _refuse(uow: SqlUnitOfWork, row: Any, username: str, reason: str, now: datetime) -> None:
    uow.session.execute(
        insert(login_failures).values(
            username=username[:64], address=uow.actor.address, at=now, reason=reason
        )
    )
    uow.record(
        ev.SignInRefused("user", row.id if row else "-", now, username=username[:64], reason=reason)
    )


def unlock_account(uow: SqlUnitOfWork, username: str) -> bool:
    """An administrator (or the user's centre's operator) lifts a name's lock-out and forgets its
    failures; returns whether the name was locked. Audited as ``AccountUnlocked``."""
    with uow:
        row = uow.session.execute(
            select(users.c.id, users.c.centre_id).where(users.c.username == username)
        ).first()
        if row is None:
            authorize(uow.actor, Action.ACCOUNT_UNLOCK)
            raise NotFound(f"no user '{username}'", username=username)
        authorize(uow.actor, Action.ACCOUNT_UNLOCK, Resource("user", centre_id=row.centre_id))
        now = uow.clock.now()
        account = lockout.account_key(username)
        was_locked = lockout.locked_until(uow.session, account, now) is not None
        lockout.clear(uow.session, account)
        uow.record(ev.AccountUnlocked("user", row.id, now, username=username))
        uow.commit()
    return was_locked


def issue_credential(
    uow: SqlUnitOfWork, user_id: str, *, kind: str, lifetime: timedelta, label: str = ""
) -> Credential:
    """Insert a session or token for a user whose identity was just proven (password or
    certificate); the caller records the sign-in event and commits."""
    if kind not in ("session", "token"):
        raise InvalidInput("credential kind is 'session' or 'token'", field="kind")
    now = uow.clock.now()
    secret = secrets.token_urlsafe(32)
    credential_id = new_id()
    expires = now + lifetime
    uow.session.execute(
        insert(credentials).values(
            id=credential_id,
            kind=kind,
            secret_sha256=_sha(secret),
            user_id=user_id,
            label=label[:100],
            created_at=now,
            expires_at=expires,
            address=uow.actor.address,
        )
    )
    return Credential(credential_id, secret, expires)


def sign_out(uow: SqlUnitOfWork, secret: str) -> None:
    with uow:
        row = uow.session.execute(
            select(credentials.c.id, credentials.c.user_id).where(
                credentials.c.secret_sha256 == _sha(secret)
            )
        ).first()
        if row is None:
            return
        now = uow.clock.now()
        uow.session.execute(
            update(credentials).where(credentials.c.id == row.id).values(revoked_at=now)
        )
        uow.record(ev.SignedOut("user", row.user_id, now, credential_id=row.id))
        uow.commit()


def actor_for_secret(session: Any, secret: str, now: datetime, address: str | None) -> Actor:
    """Resolve a session cookie or bearer token into an :class:`Actor` (read-only)."""
    row = session.execute(
        select(
            users.c.id,
            users.c.username,
            users.c.display_name,
            users.c.roles,
            users.c.org_id,
            users.c.centre_id,
            users.c.active,
        )
        .join(credentials, credentials.c.user_id == users.c.id)
        .where(
            and_(
                credentials.c.secret_sha256 == _sha(secret),
                credentials.c.revoked_at.is_(None),
                credentials.c.expires_at > now,
            )
        )
    ).first()
    if row is None or not row.active:
        raise AuthenticationFailed("the session or token is unknown, revoked or expired")
    return Actor(
        user_id=row.id,
        label=f"{row.display_name} ({row.username})",
        org_id=row.org_id,
        centre_id=row.centre_id,
        roles=frozenset(Role(r) for r in row.roles),
        address=address,
    )


@contextmanager
def _unique(message: str) -> Iterator[None]:
    """A unique index's refusal (at the statement, or at the commit) as a 409."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(message) from exc


def _commit_unique(uow: SqlUnitOfWork, message: str) -> None:
    with _unique(message):
        uow.commit()
