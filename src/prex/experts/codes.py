"""The specialty code list (评标专家专业分类) that experts register under and quotas ask for.

The list is data (``data/specialties.toml``): a letter for the branch (A 工程, B 货物, C 服务) and
two digits per level, so that a code's broader codes are its prefixes (A0801 → A08 → A). Every
code an expert or a quota names must be in the list; nothing else is accepted.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import cache
from importlib import resources

from prex.shared.errors import InvalidInput

_SHAPE = re.compile(r"^[A-Z](\d\d){0,3}$")
#: Characters that separate codes in one field (a CSV cell, a form): ";" and its full-width twin.
SEPARATORS = re.compile(r"[;；]")
MAX_SPECIALTIES = 10


@cache
def specialty_codes() -> dict[str, str]:
    """Code → name, in the order of the list."""
    text = (resources.files("prex.experts") / "data" / "specialties.toml").read_text("utf-8")
    codes = {str(k): str(v) for k, v in tomllib.loads(text)["codes"].items()}
    for code in codes:
        if not _SHAPE.match(code):
            raise ValueError(f"specialty code '{code}' in the bundled list is malformed")
        for parent in broader(code):
            if parent not in codes:
                raise ValueError(f"specialty code '{code}' has no parent '{parent}' in the list")
    return codes


def broader(code: str) -> tuple[str, ...]:
    """The broader codes of ``code``, widest first: ``A0801`` → ``("A", "A08")``."""
    return tuple(code[:n] for n in range(1, len(code), 2))


def with_broader(codes: Iterable[str]) -> frozenset[str]:
    """The codes and all their broader codes: an expert of A0801 answers a quota for A08 or A."""
    return frozenset(c for code in codes for c in (*broader(code), code))


def label(code: str) -> str:
    """``A0801 房屋建筑工程`` (the code alone when it is not in the list)."""
    name = specialty_codes().get(code)
    return f"{code} {name}" if name else code


def validate_specialty(code: str, *, field: str = "specialty") -> str:
    """The code, normalised (trimmed, upper case), or a refusal that says what is wrong."""
    normalised = code.strip().upper() if isinstance(code, str) else ""
    codes = specialty_codes()
    if normalised in codes:
        return normalised
    if not _SHAPE.match(normalised):
        raise InvalidInput(
            f"'{code}' is not a specialty code: a letter and two digits per level, e.g. A0801",
            field=field,
        )
    known = [p for p in broader(normalised) if p in codes]
    hint = f" (under {label(known[-1])} the list has " if known else ""
    if known:
        children = [c for c in codes if c.startswith(known[-1]) and len(c) == len(known[-1]) + 2]
        hint += (", ".join(children[:8]) or "no narrower codes") + ")"
    raise InvalidInput(f"specialty '{normalised}' is not in the code list{hint}", field=field)


def parse_specialties(text: str, *, field: str = "specialties") -> tuple[str, ...]:
    """Codes separated by ';' (or '；'), each checked; duplicates dropped, order kept."""
    parts = [p.strip() for p in SEPARATORS.split(text or "")]
    return validate_specialties([p for p in parts if p], field=field)


def validate_specialties(codes: Iterable[str], *, field: str = "specialties") -> tuple[str, ...]:
    checked: list[str] = []
    for code in codes:
        normalised = validate_specialty(code, field=field)
        if normalised not in checked:
            checked.append(normalised)
    if not checked:
        raise InvalidInput("an expert has at least one specialty code", field=field)
    if len(checked) > MAX_SPECIALTIES:
        raise InvalidInput(
            f"an expert has at most {MAX_SPECIALTIES} specialty codes, not {len(checked)}",
            field=field,
        )
    return tuple(checked)
