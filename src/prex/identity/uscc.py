"""The unified social credit code (统一社会信用代码, GB 32100-2015).

18 characters from ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (I, O, Z, S, V excluded). Position 1 is
the registration authority, 2 the organisation type, 3–8 the administrative division (GB/T
2260), 9–17 the organisation code, 18 a check character:
C18 = (31 − Σ value(Ci)·Wi mod 31) mod 31.
"""

from __future__ import annotations

from prex.shared.errors import InvalidInput

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    if len(first17) != 17:
        raise InvalidInput("the check character is computed over exactly 17 characters")
    total = 0
    for ch, weight in zip(first17, WEIGHTS, strict=True):
        if ch not in _VALUE:
            raise InvalidInput(f"'{ch}' is not allowed in a unified social credit code")
        total += _VALUE[ch] * weight
    return ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code: str, *, field: str = "uscc") -> str:
    """Return the normalised (upper-case, trimmed) code, or raise :class:`InvalidInput`
    with a message that says exactly what is wrong."""
    if not isinstance(code, str):
        raise InvalidInput("a unified social credit code is a string of 18 characters", field=field)
    normalised = code.strip().upper()
    if len(normalised) != 18:
        raise InvalidInput(
            f"a unified social credit code has 18 characters, '{code}' has {len(normalised)}",
            field=field,
        )
    for position, ch in enumerate(normalised, start=1):
        if ch not in _VALUE:
            raise InvalidInput(
                f"character {position} of '{normalised}' is '{ch}', which a unified social "
                "credit code never contains (I, O, Z, S and V are excluded)",
                field=field,
            )
    if not normalised[2:8].isdigit():
        raise InvalidInput(
            f"characters 3–8 of '{normalised}' must be a GB/T 2260 division code", field=field
        )
    expected = check_character(normalised[:17])
    if normalised[17] != expected:
        raise InvalidInput(
            f"'{normalised}' fails the check digit: the 18th character should be "
            f"'{expected}', not '{normalised[17]}'",
            field=field,
        )
    return normalised


def division_of(code: str) -> str:
    """The 6-digit GB/T 2260 division code inside a (valid) credit code."""
    return validate_uscc(code)[2:8]


def make_uscc(first17: str) -> str:
    """Complete 17 characters into a valid code; used by the demo seed and by tests."""
    return first17 + check_character(first17)
