"""``prex flags scan``: run every red-flag rule over the warehouse, record the hits, update the
risk scores and raise alerts to the centres' supervisors (docs/red-flags.md).

A plain function, attached to the ``flags`` Typer app as its ``scan`` command."""

from __future__ import annotations

from pathlib import Path

import typer

from prex.analytics.flags.rule import RuleError, load_rules
from prex.analytics.risk.scan import scan
from prex.cli.common import console, console_actor, emit_json, fail, rejecting, services_from_env


@rejecting
def scan_command(
    warehouse: Path | None = typer.Option(
        None, "--warehouse", help="the warehouse folder; default: PREX_DATA_DIR/warehouse"
    ),
    rules_dir: Path | None = typer.Option(
        None, "--rules", help="a folder of rule TOML files; default: the bundled rules"
    ),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Run all rules over the warehouse; record the hits, scores and alerts."""
    with services_from_env() as services:
        try:
            if rules_dir is not None and not rules_dir.is_dir():
                raise fail(f"no folder {rules_dir}")
            rules = load_rules(rules_dir) if rules_dir is not None else None
            summary = scan(services, console_actor(), warehouse=warehouse, rules=rules)
        except RuleError as exc:
            raise fail(str(exc)) from exc
    if json_output:
        emit_json(summary.as_dict())
        return
    console.print(
        f"run {summary.run_id}: {len(summary.rules)} rules, {summary.hits} hits "
        f"({summary.new_hits} new, {summary.resolved_hits} resolved), "
        f"{len(summary.alerts)} alerts",
        highlight=False,
    )
