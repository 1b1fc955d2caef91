"""The unified deal code (统一交易标识码) that follows a deal through every dataset.

The national specification's exact format is **unverified**; this follows one open
implementation: the tenderer's 18-character credit code + ``yyyyMMdd`` + a 6-digit serial +
one check character (the credit code's mod-31 scheme over the 32 preceding characters). Keep
every use behind :func:`make_deal_code` so that a correction is a one-function change.
"""

from __future__ import annotations

from datetime import date

from prex.identity.uscc import ALPHABET, validate_uscc

_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def _check(body: str) -> str:
    total = sum(_VALUE[ch] * pow(3, i, 31) for i, ch in enumerate(body))
    return ALPHABET[(31 - total % 31) % 31]


def make_deal_code(tenderer_uscc: str, on: date, serial: int) -> str:
    """Build the code for the ``serial``-th deal of a tenderer on day ``on`` (1-based)."""
    if not 1 <= serial <= 999_999:
        raise ValueError("the deal serial is 1…999999 per tenderer and day")
    body = f"{validate_uscc(tenderer_uscc)}{on:%Y%m%d}{serial:06d}"
    return body + _check(body)


def is_valid_deal_code(code: str) -> bool:
    """Whether ``code`` has the shape and check character :func:`make_deal_code` gives."""
    if len(code) != 33 or not code[18:32].isdigit() or any(ch not in _VALUE for ch in code):
        return False
    return _check(code[:32]) == code[32]
