"""Running rules over a DuckDB connection that holds warehouse tables.

Parameters: the rule's defaults, overridden first by its family's settings
(``settings["cardinal"]``: Cardinal's global keys such as ``currency`` apply to every Cardinal
rule that has that parameter) and then by its own (``settings["R003"]``, where a name the rule
lacks is an error, as is a value of another type than the default's).
A mapping parameter is bound as a DuckDB ``MAP``, a list as a ``LIST``. The helper macros of
``rules/macros.sql`` (e.g. the order statistics Cardinal uses) are defined on the connection
first. A rule whose tables are absent is skipped, not failed: a warehouse of imported OCDS has
no platform bids, and the platform rules then have nothing to say.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

import duckdb
import orjson

from prex.analytics.flags.rule import RULES_DIR, Hit, Rule, RuleError

MACROS = RULES_DIR / "macros.sql"


def available_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    return {str(r[0]) for r in rows}


def _fits(default: Any, value: Any) -> bool:
    """Whether a setting has the type of the rule's default (an int is a float's value too)."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    for kind in (int, str, list, Mapping):
        if isinstance(default, kind):
            return isinstance(value, kind)
    return True


def parameters_for(rule: Rule, settings: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The rule's defaults, then its family's settings it has a parameter for, then its own."""
    values = dict(rule.parameters)
    family = {k: v for k, v in settings.get(rule.family, {}).items() if k in values}
    for name, value in {**family, **settings.get(rule.code, {})}.items():
        if name not in values:
            raise RuleError(f"{rule.code} has no parameter {name!r}")
        if not _fits(values[name], value):
            kind = type(values[name]).__name__
            raise RuleError(f"{rule.code}: {name} is a {kind}, not {value!r}")
        values[name] = value
    return values


def _bindable(value: Any) -> Any:
    if isinstance(value, Mapping):  # DuckDB reads {'key': [...], 'value': [...]} as a MAP
        return {"key": list(value), "value": list(value.values())}
    return value


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Define the rules' helper macros (temporary: nothing is written to a database)."""
    try:
        con.execute(MACROS.read_text(encoding="utf-8"))
    except duckdb.Error as exc:
        raise RuleError(f"{MACROS.name}: {exc}") from exc


def run_rule(
    con: duckdb.DuckDBPyConnection, rule: Rule, parameters: Mapping[str, Any]
) -> list[Hit]:
    # Bind only the parameters the query names: DuckDB refuses unused named parameters.
    bound = {
        k: _bindable(v)
        for k, v in parameters.items()
        if re.search(rf"\${re.escape(k)}\b", rule.sql)
    }
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


def _stage_order(tables: set[str], sql: Mapping[str, str]) -> list[str]:
    """Tables whose view reads another staged table come after it (an OCDS child's view
    semi-joins its parent), so the child's staging reads the staged parent, not its view."""

    def reads(table: str) -> int:
        return sum(bool(re.search(rf"\b{re.escape(o)}\b", sql[table])) for o in tables - {table})

    return sorted(tables, key=lambda t: (reads(t), t))


def stage_tables(
    con: duckdb.DuckDBPyConnection, tables: Iterable[str], queries: Iterable[str]
) -> dict[str, float]:
    """Copy each of ``tables`` that is a view of the warehouse's files into a temporary table of
    the same name (which hides the view until ``unstage_tables``); the seconds each took.

    The warehouse's views compute each key's newest row with a window over every file, on every
    query that reads them: a scan's 30-odd rules would do that work once per rule. Staged, it is
    done once per run, and each rule reads DuckDB's own columnar storage. Only the columns the
    ``queries`` (the rules' SQL) or the views themselves name are copied: a rule names every
    column it reads, so the others would only cost time and memory. A registered Arrow table
    (``connect_tables``) is already in memory and is left alone."""
    views = {
        str(name): str(sql)
        for name, sql in con.execute(
            "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal AND NOT temporary"
        ).fetchall()
    }
    chosen = set(tables) & set(views)
    text = "\n".join([*queries, *(views[t] for t in chosen)])
    words = set(re.findall(r"\w+", text))
    seconds: dict[str, float] = {}
    for table in _stage_order(chosen, views):
        columns = [
            str(r[0])
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_catalog = "
                "current_database() AND table_schema = 'main' AND table_name = ? "
                "ORDER BY ordinal_position",
                [table],
            ).fetchall()
        ]
        kept = [c for c in columns if c in words] or columns
        listed = ", ".join(f'"{c}"' for c in kept)
        started = time.perf_counter()
        try:
            con.execute(f'CREATE TEMP TABLE "{table}" AS SELECT {listed} FROM main."{table}"')
        except duckdb.Error:
            unstage_tables(con, seconds)
            raise
        seconds[table] = time.perf_counter() - started
    return seconds


def unstage_tables(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> None:
    """Drop the temporary copies ``stage_tables`` made: the views show through again."""
    for table in tables:
        con.execute(f'DROP TABLE IF EXISTS temp."{table}"')


def run_rules(
    con: duckdb.DuckDBPyConnection,
    rules: Iterable[Rule],
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    timings: dict[str, float] | None = None,
) -> list[Hit]:
    """Every hit of every rule whose tables are present, in rule order.

    The tables the rules read are staged for the run (``stage_tables``) and dropped after it.
    ``timings``, if given, receives the seconds each rule's query took (by code) and each
    table's staging took (by ``stage:<table>``)."""
    present = available_tables(con)
    install_macros(con)
    runnable = [rule for rule in rules if set(rule.tables) <= present]
    needed = {table for rule in runnable for table in rule.tables}
    staged = stage_tables(con, needed, [rule.sql for rule in runnable])
    hits: list[Hit] = []
    try:
        for rule in runnable:
            started = time.perf_counter()
            hits.extend(run_rule(con, rule, parameters_for(rule, settings or {})))
            if timings is not None:
                timings[rule.code] = time.perf_counter() - started
    finally:
        unstage_tables(con, staged)
    if timings is not None:
        timings.update({f"stage:{table}": s for table, s in staged.items()})
    return hits
