"""GB/T 2260 administrative division codes: validation and the level of a code."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources

from prex.shared.errors import InvalidInput

_CODE = re.compile(r"^[1-9]\d{5}$")


def validate_division(code: str, *, field: str = "division_code") -> str:
    """A six-digit division code (province ``PP0000``, city ``PPCC00``, county ``PPCCDD``)."""
    if not isinstance(code, str) or not _CODE.match(code.strip()):
        raise InvalidInput(
            f"'{code}' is not a GB/T 2260 division code (six digits, e.g. 330000)", field=field
        )
    return code.strip()


def level_of(code: str) -> str:
    """'province', 'city' or 'county'."""
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def province_of(code: str) -> str:
    return code[:2] + "0000"


def is_within(code: str, region: str) -> bool:
    """Whether division ``code`` lies inside ``region`` (itself, or a city/county under it)."""
    level = level_of(region)
    if level == "province":
        return code[:2] == region[:2]
    if level == "city":
        return code[:4] == region[:4]
    return code == region


@cache
def _names() -> dict[str, str]:
    text = (resources.files("prex.identity") / "divisions.toml").read_text("utf-8")
    return {str(k): str(v) for k, v in tomllib.loads(text)["names"].items()}


def division_name(code: str) -> str:
    """The division's name; for a code not in the table, the nearest named level above it
    with the code itself (e.g. ``杭州市（330199）``)."""
    names = _names()
    if code in names:
        return names[code]
    for parent in (code[:4] + "00", code[:2] + "0000"):
        if parent in names:
            return f"{names[parent]}（{code}）"
    return code
