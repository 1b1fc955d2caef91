"""Domain errors shared by every context.

The tree (each context's ``errors.py`` subclasses these)::

    DomainError                      anything a user did that the domain refuses (4xx)
    ├── NotFound                     the object does not exist or is not visible to the actor
    ├── PermissionDenied             the policy table does not allow this action
    ├── AuthenticationFailed         credentials missing, wrong or expired
    ├── InvalidInput                 a value is malformed (a credit code, a file name …)
    ├── Conflict                     the object changed meanwhile, or already exists
    │   └── InvalidTransition        the status table does not allow this move
    └── RuleViolation                a statutory rule of the rule pack refuses the action

The web layer maps each class to one problem ``type`` slug in one place (``web/errors.py``).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every refusal the domain gives; carries a human message and diagnostic ids."""

    slug = "domain-error"
    status = 400

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context


class NotFound(DomainError):
    slug = "not-found"
    status = 404


class PermissionDenied(DomainError):
    slug = "forbidden"
    status = 403


class AuthenticationFailed(DomainError):
    slug = "unauthenticated"
    status = 401


class InvalidInput(DomainError):
    slug = "invalid-input"
    status = 422

    def __init__(self, message: str, *, field: str | None = None, **context: Any) -> None:
        super().__init__(message, field=field, **context)
        self.field = field


class Conflict(DomainError):
    slug = "conflict"
    status = 409


class InvalidTransition(Conflict):
    """A status move not in the aggregate's transition table; names both states."""

    slug = "invalid-transition"

    def __init__(self, kind: str, object_id: str, current: str, target: str) -> None:
        super().__init__(
            f"{kind} {object_id} cannot go from '{current}' to '{target}'",
            object_id=object_id,
            current=current,
            target=target,
        )


class RuleViolation(DomainError):
    """A rule of the rule pack refuses the action; the message quotes the rule and its source."""

    slug = "rule-violation"
    status = 422

    def __init__(self, rule: str, message: str, **context: Any) -> None:
        super().__init__(message, rule=rule, **context)
        self.rule = rule
