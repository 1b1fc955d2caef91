"""``prex flags``: the red-flag rules (``list``) and running them (``run``) over the warehouse or
over a file of compiled OCDS releases, with Cardinal's settings file and output shape for the
Cardinal indicators (docs/red-flags.md)."""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import orjson
import typer
from rich.table import Table

from prex.analytics.flags.cardinal import FAMILY, CardinalSettings, cardinal_output, parse_settings
from prex.analytics.flags.engine import run_rules
from prex.analytics.flags.rule import Hit, Rule, RuleError, load_rules
from prex.analytics.ocds.flatten import (
    check_one_release_per_ocid,
    flatten_releases,
    read_jsonl,
)
from prex.analytics.warehouse.schema import all_keys
from prex.analytics.warehouse.snapshot import warehouse_snapshot
from prex.analytics.warehouse.store import connect_tables, warehouse_root
from prex.cli.common import console, emit_json, rejecting
from prex.cli.flag_scan import scan_command
from prex.config import get_settings

app = typer.Typer(help="Red flags: declarative rules over the warehouse (docs/red-flags.md).")
app.command("scan")(scan_command)

FORMATS = ("json", "cardinal")
# Set once for all Cardinal rules (the settings file's global keys): not repeated per rule.
CARDINAL_GLOBALS = frozenset(
    {
        "currency",
        "no_price_comparison_procurement_methods",
        "price_comparison_procurement_methods",
        "exclude_procurement_method_details",
    }
)


def _jsonable(value: Any) -> Any:
    """A parameter as JSON: NaN (a threshold computed from the data) is null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _describe(rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "family": rule.family,
        "severity": rule.severity,
        "title": rule.title,
        "title_zh": rule.title_zh,
        "groups": list(rule.groups),
        "tables": list(rule.tables),
        "parameters": {k: _jsonable(v) for k, v in rule.parameters.items()},
        "description": rule.description,
    }


@app.command("list")
@rejecting
def list_rules(json_output: bool = typer.Option(False, "--json", help="machine-readable")) -> None:
    """Every rule: code, family, severity, titles and default parameters."""
    rules = load_rules()
    if json_output:
        emit_json([_describe(r) for r in rules])
        return
    table = Table(title="red-flag rules / 预警规则")
    for name in ("code", "family", "severity", "title", "parameters"):
        table.add_column(name)
    for rule in rules:
        parameters = ", ".join(
            f"{k}={'auto' if _jsonable(v) is None else v}"
            for k, v in rule.parameters.items()
            if k not in CARDINAL_GLOBALS
        )
        table.add_row(
            rule.code, rule.family, rule.severity, f"{rule.title_zh}\n{rule.title}", parameters
        )
    console.print(table)


def _select(rules: list[Rule], codes: str | None, cardinal: CardinalSettings | None) -> list[Rule]:
    """The rules to run: those named by --rules (all if absent); and, as Cardinal runs only the
    indicators whose sections its settings file has, a settings file with indicator sections
    leaves out the other Cardinal rules."""
    if codes is not None:
        wanted = [c.strip().upper() for c in codes.split(",") if c.strip()]
        known = {r.code for r in rules}
        if unknown := [c for c in wanted if c not in known]:
            raise RuleError(f"no rule {unknown[0]} (see prex flags list)")
        rules = [r for r in rules if r.code in wanted]
    if cardinal is not None and cardinal.selected:
        rules = [r for r in rules if r.family != FAMILY or r.code in cardinal.selected]
    return rules


@contextlib.contextmanager
def _connection(input_path: Path | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The file's releases in memory, or the warehouse held still (as ``prex flags scan``)."""
    if input_path is not None:
        tables = flatten_releases(read_jsonl(input_path), "import", 0)
        check_one_release_per_ocid(tables["ocds_processes"], str(input_path))
        con = connect_tables(tables)
        try:
            yield con
        finally:
            con.close()
        return
    root = warehouse_root(get_settings())
    if not root.is_dir():
        raise RuleError(f"no warehouse at {root}: run prex analytics refresh, or pass --input")
    with warehouse_snapshot(root, all_keys()) as con:
        yield con


def _hit_json(hit: Hit) -> dict[str, Any]:
    return {
        "code": hit.code,
        "group": hit.group,
        "id": hit.subject_id,
        "value": hit.value,
        "severity": hit.severity,
        "tender_id": hit.tender_id,
        "lot_id": hit.lot_id,
        "detail": dict(hit.detail),
    }


@app.command("run")
@rejecting
def run(
    input_path: Path | None = typer.Option(
        None, "--input", help="compiled OCDS releases, JSON Lines (default: the warehouse)"
    ),
    settings_path: Path | None = typer.Option(
        None, "--settings", help="Cardinal's INI settings file"
    ),
    output: str = typer.Option("json", "--format", help="json (the hits) or cardinal"),
    codes: str | None = typer.Option(None, "--rules", help="only these codes: R003,R018,…"),
) -> None:
    """Run the rules and print their hits."""
    if output not in FORMATS:
        raise RuleError(f"--format is one of {', '.join(FORMATS)}, not {output!r}")
    cardinal = parse_settings(settings_path) if settings_path is not None else None
    rules = _select(load_rules(), codes, cardinal)
    with _connection(input_path) as con:
        hits = run_rules(con, rules, cardinal.settings if cardinal else {})
    if output == "cardinal":
        shaped = cardinal_output(
            h for h in hits if h.code in {r.code for r in rules if r.family == FAMILY}
        )
        sys.stdout.write(orjson.dumps(shaped).decode() + "\n")
    else:
        sys.stdout.write(
            orjson.dumps([_hit_json(h) for h in hits], option=orjson.OPT_INDENT_2).decode() + "\n"
        )
