"""Types shared by the API schemas."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, StringConstraints

from prex.identity.uscc import validate_uscc
from prex.shared.clock import ensure_utc
from prex.shared.money import yuan


def _yuan(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError('an amount in yuan, as a string such as "1250000.00"')
    if isinstance(value, float):
        raise ValueError('give amounts as strings ("1250000.00"), never as floating point')
    try:
        return yuan(value)
    except Exception as exc:
        raise ValueError(str(exc)) from exc


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("times need a UTC offset, e.g. 2026-12-20T09:30:00+08:00")
    return ensure_utc(value)


def _uscc(value: str) -> str:
    try:
        return validate_uscc(value)
    except Exception as exc:
        raise ValueError(str(exc)) from exc


Yuan = Annotated[
    Decimal,
    BeforeValidator(_yuan),
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json"),
]
AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
Uscc = Annotated[str, AfterValidator(_uscc)]
Text300 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(max_length=20000)]
Id = Annotated[str, StringConstraints(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]
Division = Annotated[str, StringConstraints(pattern=r"^[1-9]\d{5}$")]
