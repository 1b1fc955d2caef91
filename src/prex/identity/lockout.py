"""Login protection: lock an account after consecutive failures, throttle an address's failures.

Three kinds of row in ``login_guards``, all in the database so that every web process sees them:

* ``account:<user name>`` — consecutive failed sign-ins. The ``login_max_failures``-th locks the
  name for ``login_lock_minutes``, doubled on each further lock-out up to
  ``login_lock_max_minutes``; a successful sign-in clears the row. The key is the *name typed*,
  not the user id, so that an unknown name locks exactly like a real one: the answers never tell
  whether an account exists.
* ``certificate:<SHA-256 of the certificate>`` — the same count and lock for sign-ins by
  certificate (:func:`prex.pki.login.login_with_certificate`): a bad signature, an unknown,
  unbound, untrusted or revoked certificate counts against the certificate presented.
* ``address:<ip>`` — a token bucket of failed sign-ins (``login_address_burst`` at once,
  refilled at ``login_address_per_minute``), against password spraying across many accounts;
  password and certificate failures spend from the same bucket.

While either refuses, the password (or the signature and the certificate) is not even checked:
the answer is the same 429 ``/problems/sign-in-throttled`` with ``Retry-After`` whether the
password was right or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, insert, select, update
from sqlalchemy.orm import Session

from prex.identity.orm import login_guards
from prex.shared.errors import DomainError
from prex.shared.ratelimit import TokenBucket, whole_seconds


class SignInThrottled(DomainError):
    """Too many failed sign-ins for this name or from this address; ``retry_after`` seconds."""

    slug = "sign-in-throttled"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed sign-ins; try again in {retry_after} s", retry_after=retry_after
        )


@dataclass(frozen=True)
class LoginLimits:
    max_failures: int = 5
    lock_minutes: float = 15.0
    lock_max_minutes: float = 24 * 60.0
    address_burst: int = 20
    address_per_minute: float = 5.0

    @classmethod
    def from_settings(cls, settings: Any) -> LoginLimits:
        return cls(
            settings.login_max_failures,
            settings.login_lock_minutes,
            settings.login_lock_max_minutes,
            settings.login_address_burst,
            settings.login_address_per_minute,
        )

    def lock_for(self, lockouts: int) -> timedelta:
        """The ``lockouts``-th lock-out's length (1 → ``lock_minutes``, doubling, capped)."""
        minutes = min(self.lock_max_minutes, self.lock_minutes * 2 ** min(lockouts - 1, 40))
        return timedelta(minutes=minutes)


def account_key(username: str) -> str:
    return f"account:{username.strip().lower()[:64]}"


def certificate_key(fingerprint: str) -> str:
    return f"certificate:{fingerprint[:64]}"


def address_key(address: str) -> str:
    return f"address:{address[:64]}"


def _row(session: Session, key: str) -> Any:
    return session.execute(select(login_guards).where(login_guards.c.key == key)).first()


def _bucket(row: Any, limits: LoginLimits, now: datetime) -> TokenBucket:
    rate = limits.address_per_minute / 60.0
    if row is None:
        return TokenBucket(float(limits.address_burst), rate, float(limits.address_burst), 0.0)
    bucket = TokenBucket(float(limits.address_burst), rate, row.tokens, 0.0)
    bucket.refill((now - row.stamp).total_seconds())
    return bucket


def refusal(
    session: Session, limits: LoginLimits, subject: str | None, address: str | None, now: datetime
) -> int:
    """0 when a sign-in may be tried, else the whole seconds until it may. ``subject`` is an
    :func:`account_key` or a :func:`certificate_key` (None: the address alone)."""
    wait = 0.0
    account = None if subject is None else _row(session, subject)
    if account is not None and account.locked_until is not None and account.locked_until > now:
        wait = (account.locked_until - now).total_seconds()
    if address:
        wait = max(wait, _bucket(_row(session, address_key(address)), limits, now).wait())
    return whole_seconds(wait)


def record_failure(
    session: Session, limits: LoginLimits, subject: str | None, address: str | None, now: datetime
) -> timedelta | None:
    """Count a failed sign-in against the subject key and the address (``subject`` None: the
    address only); returns the lock-out's length when this failure locked the subject."""
    if address:
        key = address_key(address)
        row = _row(session, key)
        bucket = _bucket(row, limits, now)
        bucket.tokens = max(0.0, bucket.tokens - 1)
        _upsert(session, key, row, tokens=bucket.tokens, stamp=now)
    if subject is None:
        return None
    row = _row(session, subject)
    failures = (row.failures if row else 0) + 1
    lockouts = row.lockouts if row else 0
    locked_until = row.locked_until if row else None
    locked: timedelta | None = None
    if failures >= limits.max_failures:
        lockouts += 1
        locked = limits.lock_for(lockouts)
        locked_until = now + locked
        failures = 0
    _upsert(
        session,
        subject,
        row,
        failures=failures,
        lockouts=lockouts,
        locked_until=locked_until,
        stamp=now,
    )
    return locked


def clear(session: Session, subject: str) -> bool:
    """Forget a subject's failures and lock-outs (a success, or an operator's unlock); whether
    a lock was in force is not the question — returns whether there was anything to forget."""
    result = session.execute(delete(login_guards).where(login_guards.c.key == subject))
    return bool(cast(CursorResult[Any], result).rowcount)


def lockouts(session: Session, subject: str) -> int:
    """How many lock-outs the subject had since its last success."""
    row = _row(session, subject)
    return int(row.lockouts) if row is not None else 0


def locked_until(session: Session, subject: str, now: datetime) -> datetime | None:
    row = _row(session, subject)
    if row is None or row.locked_until is None or row.locked_until <= now:
        return None
    return row.locked_until  # type: ignore[no-any-return]


def _upsert(session: Session, key: str, row: Any, **values: Any) -> None:
    if row is None:
        defaults: dict[str, Any] = {"failures": 0, "lockouts": 0, "tokens": 0.0}
        session.execute(insert(login_guards).values(key=key, **{**defaults, **values}))
    else:
        session.execute(update(login_guards).where(login_guards.c.key == key).values(**values))
