"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from prex.shared.errors import InvalidInput

MIN_LENGTH = 10
# Argon2id per RFC 9106's second recommended option (argon2-cffi's default: 64 MiB, t=3).
STANDARD = PasswordHasher()
# Minimal cost, for test suites only; settings refuse it in production.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_hasher = STANDARD


def configure_hashing(profile: str) -> None:
    """Choose the cost of new hashes ('standard' or 'fast'); verification reads the parameters
    from each stored hash, so hashes made under either profile keep verifying."""
    global _hasher
    _hasher = FAST if profile == "fast" else STANDARD


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"passwords have at least {MIN_LENGTH} characters", field="password")
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the user does not exist, so that timing does not tell.
DUMMY_HASH = STANDARD.hash("prex-dummy-password-for-timing")


def dummy_hash() -> str:
    return DUMMY_HASH if _hasher is STANDARD else FAST_DUMMY


FAST_DUMMY = FAST.hash("prex-dummy-password-for-timing")
