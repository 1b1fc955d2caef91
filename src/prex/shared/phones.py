"""Mainland China mobile numbers (手机号), normalised to E.164: ``+86`` and eleven digits
starting ``1`` then ``3``–``9`` (the ranges the MIIT numbering plan gives mobile networks).

People write them many ways — ``138 1234 5678``, ``138-1234-5678``, ``+86 13812345678``,
``0086 13812345678``, ``(+86)138…`` — so spaces, hyphens, dots and brackets are dropped and an
international prefix is taken off before the number is checked. Pure: the standard library and
``prex.shared.errors`` only.
"""

from __future__ import annotations

import re

from prex.shared.errors import InvalidInput

_SEPARATORS = re.compile(r"[\s\-.()\u3000]")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
MAX_INPUT = 32


def normalise_mobile(value: str, *, field: str = "mobile") -> str:
    """``value`` as ``+861xxxxxxxxxx``, or InvalidInput saying what a mobile number is."""
    text = _SEPARATORS.sub("", value or "") if len(value or "") <= MAX_INPUT else ""
    for prefix in ("+86", "0086", "86"):
        if text.startswith(prefix) and len(text) == len(prefix) + 11:
            text = text[len(prefix) :]
            break
    if not _MOBILE.match(text):
        raise InvalidInput(
            f"'{(value or '')[:MAX_INPUT]}' is not a mainland mobile number "
            "(11 digits starting 13–19, optionally after +86)",
            field=field,
        )
    return "+86" + text
