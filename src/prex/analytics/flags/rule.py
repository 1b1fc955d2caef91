"""What a red-flag rule is, and what one finding (a hit) is.

A rule is data: a TOML file with a code, names, a severity, default parameters and one DuckDB
query over warehouse tables. The query returns one row per flagged subject with the columns
``grp`` (the kind of subject: ``OCID``, ``Buyer``, ``ProcuringEntity``, ``Tenderer`` — Cardinal's
groups — or ``Tender``, ``Lot``, ``Bidder`` for platform rules), ``id`` (the subject's
identifier) and ``value`` (the indicator's value, a number); optionally ``tender_id``,
``lot_id`` (where the subject belongs) and ``detail`` (a JSON object of evidence). Parameters
are bound as DuckDB named parameters (``$threshold``), never pasted into the SQL text.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

SEVERITIES = ("low", "medium", "high")
GROUPS = ("OCID", "Buyer", "ProcuringEntity", "Tenderer", "Tender", "Lot", "Bidder")
FAMILIES = ("cardinal", "collusion", "screen", "market")


class RuleError(ValueError):
    """A rule file that cannot be used, or a parameter that does not fit its rule."""


@dataclass(frozen=True)
class Rule:
    code: str  # "R003" for Cardinal's codes; "C…" collusion, "S…" screens, "M…" market
    title: str
    title_zh: str
    family: str
    severity: str
    groups: tuple[str, ...]  # the groups its rows may name
    tables: tuple[str, ...]  # the warehouse tables it reads (it is skipped if one is missing)
    sql: str
    description: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    # derived tables (``shared/<name>.sql`` beside the rule's file, else the bundled one) its
    # query reads; see ``engine.make_shared``
    shared: tuple[str, ...] = ()
    shared_queries: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def shared_sql(self) -> dict[str, str]:
        """The SQL of each derived table the rule reads, by name."""
        return {
            n: self.shared_queries.get(n)
            or expand_includes(shared_query(SHARED_DIR, n), SHARED_DIR / f"{n}.sql")
            for n in self.shared
        }

    @classmethod
    def from_toml(cls, path: Path) -> Rule:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise RuleError(f"{path.name}: {exc}") from exc
        try:
            rule = cls(
                code=str(data["code"]),
                title=str(data["title"]),
                title_zh=str(data["title_zh"]),
                family=str(data["family"]),
                severity=str(data["severity"]),
                groups=tuple(data["groups"]),
                tables=tuple(data["tables"]),
                sql=expand_includes(str(data["sql"]), path),
                description=str(data.get("description", "")).strip(),
                parameters=dict(data.get("parameters", {})),
                shared=tuple(data.get("shared", ())),
            )
        except KeyError as exc:
            raise RuleError(f"{path.name}: missing {exc.args[0]!r}") from None
        if rule.severity not in SEVERITIES:
            raise RuleError(f"{path.name}: severity is one of {', '.join(SEVERITIES)}")
        if rule.family not in FAMILIES:
            raise RuleError(f"{path.name}: family is one of {', '.join(FAMILIES)}")
        if unknown := set(rule.groups) - set(GROUPS):
            raise RuleError(f"{path.name}: unknown group {sorted(unknown)[0]!r}")
        queries = {}
        for name in rule.shared:
            folder = next(
                (d for d in (path.parent / "shared", SHARED_DIR) if (d / f"{name}.sql").is_file()),
                None,
            )
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or folder is None:
                raise RuleError(f"{path.name}: no shared table {name!r} in shared/")
            queries[name] = expand_includes(shared_query(folder, name), path)
        return replace(rule, shared_queries=queries)


@dataclass(frozen=True)
class Hit:
    """One flagged subject: which rule, about whom, how strongly, and the evidence."""

    code: str
    group: str
    subject_id: str
    value: float
    severity: str
    tender_id: str | None = None
    lot_id: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


RULES_DIR = Path(__file__).with_name("rules")
# Derived tables several rules read (one file each, ``<name>.sql``): a pipeline two rules share
# up to a final filter is computed once per run instead of once per rule.
SHARED_DIR = RULES_DIR / "shared"


# SQL fragments several rules' queries are made of (``<name>.sql``), pasted in where a query has
# a line ``--@include <name>``: C003–C008 and C001/C002's shared pairs find "the same value in
# bids of different bidders of one lot" by one pipeline, kept in one place.
INCLUDE_DIR = RULES_DIR / "include"
_INCLUDE = re.compile(r"^[ \t]*--@include[ \t]+([a-z_][a-z0-9_]*)[ \t]*$", re.MULTILINE)


def shared_query(folder: Path, name: str) -> str:
    return (folder / f"{name}.sql").read_text(encoding="utf-8")


def expand_includes(sql: str, rule_file: Path) -> str:
    """``sql`` with each ``--@include <name>`` line replaced by the fragment ``include/<name>.sql``
    beside the rule's file, else the bundled one (fragments do not include others)."""

    def fragment(match: re.Match[str]) -> str:
        name = match.group(1)
        for folder in (rule_file.parent / "include", INCLUDE_DIR):
            if (folder / f"{name}.sql").is_file():
                return (folder / f"{name}.sql").read_text(encoding="utf-8").rstrip("\n")
        raise RuleError(f"{rule_file.name}: no SQL fragment {name!r} in include/")

    return _INCLUDE.sub(fragment, sql)


def load_rules(directory: Path = RULES_DIR) -> list[Rule]:
    """Every rule in the directory, ordered by code; codes are unique."""
    rules = [Rule.from_toml(p) for p in sorted(directory.glob("*.toml"))]
    seen: set[str] = set()
    for rule in rules:
        if rule.code in seen:
            raise RuleError(f"two rules have the code {rule.code}")
        seen.add(rule.code)
    return sorted(rules, key=lambda r: r.code)
