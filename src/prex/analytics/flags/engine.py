"""Running rules over a DuckDB connection that holds warehouse tables.

Parameters: the rule's defaults, overridden per code by ``settings`` (from ``--settings`` or a
supervisor's configuration). A rule whose tables are absent is skipped, not failed: a
warehouse of imported OCDS has no platform bids, and the platform rules then have nothing to
say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import duckdb
import orjson

from prex.analytics.flags.rule import Hit, Rule, RuleError


def available_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    return {str(r[0]) for r in rows}


def parameters_for(rule: Rule, settings: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    values = dict(rule.parameters)
    for name, value in settings.get(rule.code, {}).items():
        if name not in values:
            raise RuleError(f"{rule.code} has no parameter {name!r}")
        values[name] = value
    return values


def run_rule(
    con: duckdb.DuckDBPyConnection, rule: Rule, parameters: Mapping[str, Any]
) -> list[Hit]:
    # Bind only the parameters the query names: DuckDB refuses unused named parameters.
    bound = {k: v for k, v in parameters.items() if f"${k}" in rule.sql}
    try:
        relation = con.execute(rule.sql, bound)
    except duckdb.Error as exc:
        raise RuleError(f"{rule.code}: {exc}") from exc
    names = [d[0] for d in relation.description or ()]
    hits = []
    for row in relation.fetchall():
        record = dict(zip(names, row, strict=True))
        if record.get("value") is None:
            continue
        detail = record.get("detail")
        hits.append(
            Hit(
                code=rule.code,
                group=str(record["grp"]),
                subject_id=str(record["id"]),
                value=float(record["value"]),
                severity=rule.severity,
                tender_id=record.get("tender_id"),
                lot_id=record.get("lot_id"),
                detail=orjson.loads(detail) if isinstance(detail, str) else (detail or {}),
            )
        )
    return hits


def run_rules(
    con: duckdb.DuckDBPyConnection,
    rules: Iterable[Rule],
    settings: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Hit]:
    """Every hit of every rule whose tables are present, in rule order."""
    present = available_tables(con)
    hits: list[Hit] = []
    for rule in rules:
        if not set(rule.tables) <= present:
            continue
        hits.extend(run_rule(con, rule, parameters_for(rule, settings or {})))
    return hits
