"""Reading typed values out of a parsed TOML table, with refusals that name the file and the key.

Used by :mod:`prex.evaluation.method_toml`; kept apart so the method's own rules read on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from prex.evaluation.arithmetic import places_of
from prex.shared.errors import InvalidInput

E = TypeVar("E", bound=StrEnum)
ZERO = Decimal(0)


class TableReader:
    """Reads values out of parsed TOML tables; every refusal names the rule pack file and the
    dotted key, e.g. ``rule pack x.toml: evaluation.criteria.tech.step must …``."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, key: str, message: str) -> InvalidInput:
        return InvalidInput(
            f"rule pack {self.origin}: {key} {message}", field=key, rule_pack=self.origin
        )

    def table(self, raw: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(raw, Mapping):
            raise self.fail(where, "must be a table")
        return raw

    def tables(
        self, parent: Mapping[str, Any], where: str, key: str
    ) -> dict[str, Mapping[str, Any]]:
        """A table of sub-tables keyed by id, in the order written."""
        raw = self.table(parent.get(key, {}), f"{where}.{key}")
        for item_id, item in raw.items():
            self.table(item, f"{where}.{key}.{item_id}")
        return dict(raw)

    def known(self, raw: Mapping[str, Any], where: str, allowed: set[str]) -> None:
        """Refuse keys outside ``allowed``: a misspelt key must not be silently ignored."""
        unknown = sorted(set(raw) - allowed)
        if unknown:
            raise self.fail(
                where, f"has unknown key '{unknown[0]}' (known: {', '.join(sorted(allowed))})"
            )

    def text(self, raw: Mapping[str, Any], where: str, key: str, default: str | None = None) -> str:
        value = raw.get(key, default)
        if value is None:
            raise self.fail(f"{where}.{key}", "is missing")
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise self.fail(f"{where}.{key}", "must be a non-empty string")
        return value

    def choice(
        self,
        raw: Mapping[str, Any],
        where: str,
        key: str,
        enum: type[E],
        default: E | None = None,
    ) -> E:
        value = raw.get(key, default)
        if value is None:
            raise self.fail(f"{where}.{key}", f"is missing (one of {_options(enum)})")
        try:
            return enum(value)
        except ValueError:
            raise self.fail(
                f"{where}.{key}", f"is one of {_options(enum)}, not {value!r}"
            ) from None

    def integer(
        self, raw: Mapping[str, Any], where: str, key: str, *, default: int, minimum: int
    ) -> int:
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(f"{where}.{key}", f"must be a whole number ≥ {minimum}, not {value!r}")
        return value

    def number(
        self, raw: Mapping[str, Any], where: str, key: str, default: Decimal | None = None
    ) -> Decimal:
        value = raw.get(key, default)
        if value is None:
            raise self.fail(f"{where}.{key}", "is missing")
        return _decimal(
            value, lambda: self.fail(f"{where}.{key}", f"must be a number, not {value!r}")
        )

    def points(
        self, raw: Mapping[str, Any], where: str, key: str, default: Decimal | None = None
    ) -> Decimal:
        """Points or a score bound: non-negative, at most two decimal places (so that a mean
        rounded to two places never exceeds it)."""
        value = self.number(raw, where, key, default)
        if value < 0 or places_of(value) > 2:
            raise self.fail(f"{where}.{key}", "must be ≥ 0 with at most two decimal places")
        return value

    def percent(
        self, raw: Mapping[str, Any], where: str, key: str, default: Decimal | None = None
    ) -> Decimal:
        value = self.number(raw, where, key, default)
        if not ZERO <= value <= 100:
            raise self.fail(f"{where}.{key}", f"is a percentage from 0 to 100, not {value}")
        return value


def _decimal(value: Any, fail: Callable[[], InvalidInput]) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise fail()
    try:
        number = Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation:
        raise fail() from None
    if not number.is_finite():
        raise fail()
    return number


def _options(enum: type[StrEnum]) -> str:
    return ", ".join(repr(member.value) for member in enum)
