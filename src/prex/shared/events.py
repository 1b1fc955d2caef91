"""Domain events: facts in the past tense, recorded by aggregates and persisted by the unit of work
into the audit log and the outbox within the same transaction."""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

_raised = itertools.count()


@dataclass(frozen=True)
class DomainEvent:
    """Base event. ``object_type``/``object_id`` name the aggregate it happened to; ``seq``
    orders events raised in one process, so that a unit of work logs them as they happened."""

    object_type: str
    object_id: str
    at: datetime
    seq: int = field(default_factory=lambda: next(_raised), kw_only=True, compare=False)

    @property
    def event_name(self) -> str:
        """Event type as written to the log, e.g. ``TenderPublished``."""
        return type(self).__name__

    def payload(self) -> dict[str, Any]:
        """The event's own fields (without the envelope) in JSON-safe form."""
        skip = {"object_type", "object_id", "at", "seq"}
        return {
            f.name: to_jsonable(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.name not in skip
        }


def to_jsonable(value: Any) -> Any:
    """Convert dates, decimals, enums and containers into JSON-compatible values, canonically."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value
