"""Errors of the complaints context.

DomainError
├── NotFound
│   └── ComplaintNotFound        names the complaint (or challenge) id; also what a
│                                non-party is told, so that a complaint's existence leaks not
├── InvalidInput                 (shared) a malformed field (the knowing date, evidence …)
├── Conflict
│   └── InvalidTransition        (shared) a status move not in the complaint's table
└── RuleViolation                (shared) a period of the rule pack refuses the act; the
                                 message quotes the rule and its source, e.g. a late filing
"""

from __future__ import annotations

from prex.shared.errors import NotFound


class ComplaintNotFound(NotFound):
    def __init__(self, kind: str, object_id: str) -> None:
        super().__init__(f"no {kind} '{object_id}'", **{f"{kind}_id": object_id})
