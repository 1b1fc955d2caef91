"""Checking one field of an expert's record, with a message that says exactly what is wrong.

The CSV import, the API schemas and the registry use the same functions, so that a value is
refused for the same reason whichever way it came in. Each raises :class:`InvalidInput` naming
its field.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from prex.identity.uscc import validate_uscc
from prex.pki.holder import Holder, mask_person_id
from prex.shared.errors import InvalidInput

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
MAX_NAME = 50
MAX_YEARS = 70
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def validate_name(text: str, *, field: str = "name") -> str:
    """A person's name: 1–50 characters (NFKC, so a full-width space is a space), no digits,
    control characters or line breaks; ``·`` is allowed, as in 阿卜杜·热合曼."""
    raw = unicodedata.normalize("NFKC", text).strip() if isinstance(text, str) else ""
    name = re.sub(" +", " ", raw)
    if not name:
        raise InvalidInput("the name is empty", field=field)
    if len(name) > MAX_NAME:
        raise InvalidInput(
            f"a name has at most {MAX_NAME} characters, not {len(name)}", field=field
        )
    bad = [ch for ch in raw if ch.isdigit() or (unicodedata.category(ch)[0] in "CZ" and ch != " ")]
    if bad:
        raise InvalidInput(
            f"the name '{name}' contains {bad[0]!r}: names have no digits, control characters "
            "or line breaks",
            field=field,
        )
    return name


def id_check_character(first17: str) -> str:
    """GB 11643-1999 check character of the first 17 digits of a resident identity number."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def validate_resident_id(text: str, *, field: str = "id_number") -> str:
    """An 18-character resident identity number (居民身份证号码, GB 11643-1999), normalised
    (trimmed, ``x`` → ``X``): 6-digit division, birth date, 3-digit serial, check character."""
    code = text.strip().upper() if isinstance(text, str) else ""
    if len(code) != 18:
        raise InvalidInput(
            f"a resident identity number has 18 characters, '{code}' has {len(code)}",
            field=field,
        )
    if not code[:17].isascii() or not code[:17].isdigit() or code[0] == "0":
        raise InvalidInput(
            f"characters 1–17 of '{code}' must be digits, the first not 0", field=field
        )
    try:
        born = date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900:
        raise InvalidInput(
            f"characters 7–14 of '{code}' ({code[6:14]}) are not a birth date", field=field
        )
    expected = id_check_character(code[:17])
    if code[17] != expected:
        raise InvalidInput(
            f"'{code}' fails the check character: the 18th character should be '{expected}', "
            f"not '{code[17]}'",
            field=field,
        )
    return code


def mask_id(code: str) -> str:
    """What may be shown of a resident identity number: ``330106********1239``."""
    return mask_person_id(code)


def id_digest(secret: str, code: str) -> str:
    """The keyed digest under which the registry finds an expert by identity number. It is the
    fingerprint a personal certificate's holder gets (``prex.pki.holder``), so that an expert
    signing in with a certificate is recognised, and the number itself is never stored."""
    return Holder("person", code, "").fingerprint(secret)


def validate_phone(text: str, *, field: str = "phone") -> str:
    """A mainland mobile (13812345678, +86 allowed) or a landline with its area code
    (0571-88881234); spaces and dashes are tidied."""
    raw = text.strip() if isinstance(text, str) else ""
    compact = re.sub(r"[\s()]", "", raw)
    if compact.startswith("+86"):
        compact = compact[3:]
    digits = compact.replace("-", "")
    if _MOBILE.match(digits):
        return digits
    if _LANDLINE.match(compact) or _LANDLINE.match(digits):
        area = 3 if digits[1] in "12" else 4  # 010 and 02X are the three-digit area codes
        return f"{digits[:area]}-{digits[area:]}"
    raise InvalidInput(
        f"'{raw}' is not a phone number: a mobile (11 digits, 1[3-9]…) or a landline with its "
        "area code (0571-88881234)",
        field=field,
    )


def validate_optional_uscc(text: str | None, *, field: str = "employer_uscc") -> str | None:
    """A credit code (check digit verified), or None for an empty value."""
    if text is None or not str(text).strip():
        return None
    return validate_uscc(str(text), field=field)


def whole_number(value: Any, *, low: int, high: int, what: str, field: str) -> int:
    """An integer within [low, high] from an int or a string of digits (``"12"``, ``" 12 "``)."""
    if isinstance(value, bool):
        raise InvalidInput(f"{what} is a whole number", field=field)
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip() if value is not None else ""
        if not text:
            raise InvalidInput(f"{what} is empty", field=field)
        if not re.fullmatch(r"[+-]?\d{1,9}", text):
            raise InvalidInput(f"{what} '{text}' is not a whole number", field=field)
        number = int(text)
    if not low <= number <= high:
        raise InvalidInput(f"{what} is {number}, not within {low}–{high}", field=field)
    return number


def validate_years(value: Any, *, field: str = "years_of_practice") -> int:
    return whole_number(value, low=0, high=MAX_YEARS, what="years of practice", field=field)


def validate_credit(value: Any, *, field: str = "credit_score") -> int:
    return whole_number(value, low=0, high=100, what="the credit score", field=field)


def validate_reason(text: str, *, field: str = "reason", required: bool = True) -> str:
    reason = " ".join(text.split()) if isinstance(text, str) else ""
    if required and not reason:
        raise InvalidInput("give a reason", field=field)
    if len(reason) > 2000:
        raise InvalidInput("a reason has at most 2000 characters", field=field)
    return reason
