"""Exact rounding for the evaluation arithmetic.

Scores are rounded to two places, half up (四舍五入, ``ROUND_HALF_UP``), and only at the points
``docs/evaluation-methods.md`` names. Everything before a rounding point is exact: integers and
``Fraction``\\ s, never a ``Decimal`` division (which rounds to the context's precision and could
round twice: ``x.xx4999…`` first to ``x.xx5`` at 28 digits, then up) and never a float.
Nothing here reads the thread's decimal context, so a caller's context cannot change a score.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

ZERO = Decimal("0.00")
PLACES = 2  # every rounded figure (points, yuan) has two decimal places


def round_half_up(numerator: int, denominator: int) -> Decimal:
    """``numerator / denominator`` to two places, halves away from zero, computed exactly."""
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    whole, rest = divmod(abs(numerator) * 10**PLACES, denominator)
    if 2 * rest >= denominator:
        whole += 1
    return Decimal(f"{-whole if numerator < 0 else whole}E-{PLACES}")


def round_fraction(value: Fraction) -> Decimal:
    """An exact rational value to two places, half up."""
    return round_half_up(value.numerator, value.denominator)


def exact(value: Decimal | int) -> Fraction:
    """The exact rational value of a finite decimal (``Fraction(Decimal)`` is exact)."""
    return Fraction(value)


def places_of(value: Decimal) -> int:
    """How many decimal places a finite decimal is written with (``Decimal("0.50")`` → 2)."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int), "only finite decimals have places"
    return max(0, -exponent)


def to_units(value: Decimal, places: int) -> int | None:
    """``value × 10**places`` as an integer, or None when ``value`` has more places than that."""
    numerator, denominator = value.as_integer_ratio()
    units, rest = divmod(numerator * 10**places, denominator)
    return None if rest else units


def from_units(units: int, places: int) -> Decimal:
    """The decimal that ``to_units`` turned into ``units`` (built from text: exact, whatever
    the context's precision)."""
    return Decimal(f"{units}E-{places}")
