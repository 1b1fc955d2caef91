"""Errors of the experts context.

DomainError
├── NotFound
│   └── ExpertNotFound            names the expert id
├── InvalidInput                  (shared) a malformed field, a bad CSV file
├── Conflict
│   └── ExpertExists              the identity number or account belongs to another expert
└── RuleViolation                 (shared) the entry rule (8 years, a senior title)
"""

from __future__ import annotations

from prex.shared.errors import Conflict, NotFound


class ExpertNotFound(NotFound):
    def __init__(self, expert_id: str) -> None:
        super().__init__(f"no expert '{expert_id}'", expert_id=expert_id)


class ExpertExists(Conflict):
    slug = "expert-exists"
