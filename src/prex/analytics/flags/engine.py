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


def _bound(sql: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters the query names: DuckDB refuses unused named parameters."""
    return {
        k: _bindable(v) for k, v in parameters.items() if re.search(rf"\${re.escape(k)}\b", sql)
    }


def make_shared(
    con: duckdb.DuckDBPyConnection,
    rule: Rule,
    parameters: Mapping[str, Any],
    made: dict[str, str],
) -> None:
    """Create the derived tables ``rule`` reads (``rules/shared/<name>.sql``) as temporary
    tables, unless ``made`` (name → the parameters it was made with) shows one is already made
    with the parameters this rule binds to it: C001 and C002 share their pipeline up to a final
    filter and compute it once — or twice, if their settings make the two differ."""
    for name, sql in rule.shared_sql().items():
        bound = _bound(sql, parameters)
        key = orjson.dumps(bound, option=orjson.OPT_SORT_KEYS).decode()
        if made.get(name) == key:
            continue
        try:
            con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}', bound)
        except duckdb.Error as exc:
            raise RuleError(f"{rule.code}: shared/{name}.sql: {exc}") from exc
        made[name] = key


def run_rule(
    con: duckdb.DuckDBPyConnection,
    rule: Rule,
    parameters: Mapping[str, Any],
    made: dict[str, str] | None = None,
) -> list[Hit]:
    """The rule's hits. The derived tables it shares with other rules are made first, or
    reused from ``made`` (``run_rules``'s record of them); without it they are made for this
    rule alone and dropped after it."""
    own: dict[str, str] = {}
    try:
        make_shared(con, rule, parameters, own if made is None else made)
        relation = con.execute(rule.sql, _bound(rule.sql, parameters))
        names = [d[0] for d in relation.description or ()]
        rows = relation.fetchall()
    except duckdb.Error as exc:
        raise RuleError(f"{rule.code}: {exc}") from exc
    finally:
        unstage_tables(con, own)
    hits = []
    for row in rows:
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

    The tables the rules read are staged (``stage_tables``) before the first rule that reads
    each and dropped after the last, as are the derived tables rules share (``make_shared``:
    made by the first rule that reads one, and its seconds counted in that rule's).
    ``timings``, if given, receives the seconds each rule's query took (by code) and each
    table's staging took (by ``stage:<table>``)."""
    present = available_tables(con)
    install_macros(con)
    runnable = [rule for rule in rules if set(rule.tables) <= present]
    # Rows need no order but the one a query's ORDER BY gives: DuckDB then copies and scans in
    # parallel without keeping each table's row order (staging is faster and lighter).
    row = con.execute("SELECT current_setting('preserve_insertion_order')::BOOLEAN").fetchone()
    con.execute("SET preserve_insertion_order = false")
    queries = [rule.sql for rule in runnable]
    queries += [sql for rule in runnable for sql in rule.shared_sql().values()]
    # Rules that read the same tables run together (OCDS's after the platform's), each table is
    # staged just before the first rule that reads it and dropped after the last, and so is a
    # shared table: what DuckDB holds at once is one side of the warehouse, not both, within
    # its memory cap. Hits still come back in the rules' order.
    order = sorted(range(len(runnable)), key=lambda i: sorted(runnable[i].tables))
    last: dict[str, int] = {}
    for step, i in enumerate(order):
        for name in (*runnable[i].tables, *runnable[i].shared):
            last[name] = step
    staged: dict[str, float] = {}
    found: dict[int, list[Hit]] = {}
    made: dict[str, str] = {}
    try:
        for step, i in enumerate(order):
            rule = runnable[i]
            if missing := set(rule.tables) - set(staged):
                staged.update(stage_tables(con, missing, queries))
            started = time.perf_counter()
            parameters = parameters_for(rule, settings or {})
            found[i] = run_rule(con, rule, parameters, made)
            if timings is not None:
                timings[rule.code] = time.perf_counter() - started
            done = [name for name in (*rule.tables, *rule.shared) if last[name] == step]
            unstage_tables(con, [name for name in done if name in staged or name in made])
            for name in done:
                made.pop(name, None)
    finally:
        unstage_tables(con, [*staged, *made])
        con.execute(f"SET preserve_insertion_order = {bool(row and row[0])}")
    if timings is not None:
        timings.update({f"stage:{table}": s for table, s in staged.items()})
    return [hit for i in range(len(runnable)) for hit in found[i]]
