"""Cardinal's settings file and output shape, for the rules of the ``cardinal`` family.

Cardinal (Open Contracting Partnership's ``ocdscardinal indicators``) reads an INI file: global
keys before any section (``currency``, ``no_price_comparison_procurement_methods``,
``price_comparison_procurement_methods``), ``[exclusions] procurement_method_details``, one
section per indicator (``[R003] threshold = 15``; a map as a sub-section,
``[R003.procurement_method_details] emergency = 10``), and the ``prepare`` command's sections,
which the indicators ignore. An indicator runs only if its section is present. Pipe-separated
values (``open|selective``) are lists. ``parse_settings`` turns the file into the engine's
settings — the global keys under the family name ``cardinal``, each section under its code —
and the set of codes it selects; any key Cardinal would refuse is an error here too.
"""

from __future__ import annotations

import configparser
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prex.analytics.flags.rule import Hit

FAMILY = "cardinal"
CODES = ("R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038", "R048", "R058")
GROUP_ORDER = ("OCID", "Buyer", "ProcuringEntity", "Tenderer")

_GLOBAL = "__global__"
# The prepare command's sections, accepted and ignored by the indicators command.
_PREPARE_SECTIONS = ("defaults", "redactions", "corrections", "modifications", "codelists")

# Each indicator's keys and their types (Cardinal's settings structs; unknown keys are refused).
_PIPES = "pipes"
_KEYS: dict[str, dict[str, str]] = {
    "R003": {"threshold": "i64", "procurement_methods": _PIPES},
    "R018": {"procurement_methods": _PIPES},
    "R024": {"threshold": "float"},
    "R025": {"percentile": "int", "threshold": "float"},
    "R028": {},
    "R030": {},
    "R035": {"threshold": "int"},
    "R036": {},
    "R038": {
        "threshold": "float",
        "minimum_submitted_bids": "int",
        "minimum_contracting_processes": "int",
    },
    "R048": {"digits": "int", "threshold": "int", "minimum_contracting_processes": "int"},
    "R058": {"threshold": "float"},
}
_MAPS = {"R003": "procurement_method_details"}  # [R003.procurement_method_details] x = days
_GLOBAL_KEYS = {
    "currency": "str",
    "no_price_comparison_procurement_methods": _PIPES,
    "price_comparison_procurement_methods": _PIPES,
}


class SettingsError(ValueError):
    """A settings file that cannot be used; the message says where."""


@dataclass(frozen=True)
class CardinalSettings:
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    selected: frozenset[str] = frozenset()  # the indicators whose sections are present


def pipes(value: str) -> list[str]:
    """Cardinal's pipe-separated list: ``a|b|`` is [a, b], an empty string is []."""
    parts = value.split("|")
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def _value(where: str, kind: str, text: str) -> Any:
    text = text.strip()
    try:
        if kind in ("int", "i64"):  # Cardinal's usize and i64
            number = int(text)
            if number < 0 and kind == "int":
                raise ValueError
            return number
        if kind == "float":
            number_f = float(text)
            if math.isnan(number_f):
                raise ValueError
            return number_f
    except ValueError:
        wanted = {"int": "a non-negative integer", "i64": "an integer"}.get(kind, "a number")
        raise SettingsError(f"{where} must be {wanted}, not {text!r}") from None
    if kind == _PIPES:
        return pipes(text)
    return text


def parse_settings_text(text: str, name: str = "settings") -> CardinalSettings:
    parser = configparser.ConfigParser(interpolation=None, strict=True, default_section="\0")
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(f"[{_GLOBAL}]\n{text}", source=name)
    except configparser.Error as exc:
        first = str(exc).splitlines()[0]
        raise SettingsError(f"{name}: {first}") from None
    settings: dict[str, dict[str, Any]] = {}
    selected: set[str] = set()
    family: dict[str, Any] = {}
    for section in parser.sections():
        items = dict(parser.items(section))
        if section == _GLOBAL:
            for key, raw in items.items():
                if key not in _GLOBAL_KEYS:
                    raise SettingsError(f"{name}: unknown global setting {key!r}")
                family[key] = _value(f"{name}: {key}", _GLOBAL_KEYS[key], raw)
        elif section == "exclusions":
            for key, raw in items.items():
                if key != "procurement_method_details":
                    raise SettingsError(f"{name}: [exclusions] has no setting {key!r}")
                family["exclude_procurement_method_details"] = pipes(raw.strip())
        elif section.split(".")[0] in _PREPARE_SECTIONS:
            continue
        elif section in _KEYS:
            selected.add(section)
            own = settings.setdefault(section, {})
            for key, raw in items.items():
                if key not in _KEYS[section]:
                    raise SettingsError(f"{name}: [{section}] has no setting {key!r}")
                own[key] = _value(f"{name}: [{section}] {key}", _KEYS[section][key], raw)
        elif "." in section and section.split(".", 1)[0] in _MAPS:
            code, key = section.split(".", 1)
            if _MAPS[code] != key:
                raise SettingsError(f"{name}: unknown section [{section}]")
            selected.add(code)
            settings.setdefault(code, {})[key] = {
                k: _value(f"{name}: [{section}] {k}", "i64", v) for k, v in items.items()
            }
        else:
            raise SettingsError(f"{name}: unknown section [{section}]")
    if family:
        settings[FAMILY] = family
    return CardinalSettings(settings, frozenset(selected))


def parse_settings(path: Path) -> CardinalSettings:
    """The settings of a Cardinal INI file; ``SettingsError`` with one line for a bad one."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise SettingsError(f"{path}: {reason or exc}") from None
    return parse_settings_text(text, str(path))


def cardinal_output(hits: Iterable[Hit]) -> dict[str, dict[str, dict[str, float]]]:
    """Hits in Cardinal's output shape: group → identifier → {indicator: value}; groups that
    no hit names are absent (no hits at all: ``{}``, as Cardinal prints)."""
    result: dict[str, dict[str, dict[str, float]]] = {}
    for hit in hits:
        result.setdefault(hit.group, {}).setdefault(hit.subject_id, {})[hit.code] = hit.value
    order = {g: i for i, g in enumerate(GROUP_ORDER)}
    return {g: result[g] for g in sorted(result, key=lambda g: order.get(g, len(order)))}
