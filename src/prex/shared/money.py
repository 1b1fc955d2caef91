"""Money: ``Decimal`` yuan with two places in the domain, integer fen in storage; never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from prex.shared.errors import InvalidInput

CENT = Decimal("0.01")
MAX_YUAN = Decimal("1000000000000")  # one trillion yuan: above any single public contract


def yuan(value: str | int | Decimal, *, field: str = "amount") -> Decimal:
    """Parse an amount in yuan; refuses floats' imprecision, negatives, and more than 2 places."""
    if isinstance(value, float):
        raise InvalidInput("amounts must be given as strings or integers, not floats", field=field)
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise InvalidInput(f"'{value}' is not an amount in yuan", field=field) from exc
    if not amount.is_finite():
        raise InvalidInput(f"'{value}' is not an amount in yuan", field=field)
    if amount < 0:
        raise InvalidInput("amounts cannot be negative", field=field)
    if amount > MAX_YUAN:
        raise InvalidInput("amount is larger than any contract prex accepts", field=field)
    if amount != amount.quantize(CENT):
        raise InvalidInput("amounts have at most two decimal places (fen)", field=field)
    return amount.quantize(CENT)


def to_fen(amount: Decimal) -> int:
    """Yuan → integer fen for storage."""
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def from_fen(fen: int) -> Decimal:
    """Integer fen → yuan with two places."""
    return (Decimal(fen) / 100).quantize(CENT)


def to_wan(amount: Decimal) -> Decimal:
    """Yuan → 万元 (10,000 yuan), six places, as the national data specification wants."""
    return (amount / Decimal(10000)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
