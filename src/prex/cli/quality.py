"""``prex quality``: the data-quality ranking of the connected centres (and this one), a
centre's scores by month, and ``prex quality recompute``."""

from __future__ import annotations

import typer
from rich.table import Table

from prex.cli.common import console, emit_json, rejecting, services_from_env
from prex.exchange.quality import recompute_quality
from prex.exchange.quality.queries import centre_trend, ranking

app = typer.Typer(
    help="Data quality per centre: coverage, accuracy, timeliness, life cycle (docs/quality.md).",
    invoke_without_command=True,
)

COLUMNS = ("overall", "coverage", "accuracy", "timeliness", "lifecycle")
HEADERS = ("all", "cover", "accur", "time", "life")  # narrow, for an 80-column terminal


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


@app.callback()
@rejecting
def show(
    ctx: typer.Context,
    centre: str | None = typer.Option(None, "--centre", help="one centre's PLATFORM_CODE"),
    txn_type: str | None = typer.Option(
        None, "--type", help="engineering, procurement, land, mining or property"
    ),
    period: str | None = typer.Option(None, "--period", help="YYYY-MM or YYYY-MM-DD"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """The ranking (best first), or with --centre that centre's scores month by month."""
    if ctx.invoked_subcommand is not None:
        return
    with services_from_env() as services, services.read_session() as session:
        own = services.settings.platform_code
        if centre is not None:
            trend = centre_trend(session, own, centre, period=period, txn_type=txn_type)
        else:
            ranked = ranking(session, own, period=period, txn_type=txn_type)
    if centre is not None:
        if json_output:
            emit_json(trend)
            return
        table = Table(title=f"{trend['name']} ({centre})")
        for name in ("month", *HEADERS, "records"):
            table.add_column(name, justify="left" if name == "month" else "right")
        for month in trend["months"]:
            table.add_row(
                month["month"], *(_cell(month[c]) for c in COLUMNS), str(month["records"])
            )
        table.add_row("all", *(_cell(trend[c]) for c in COLUMNS), str(trend["records"]))
        console.print(table)
        return
    if json_output:
        emit_json([r.as_dict() for r in ranked])
        return
    table = Table(title=f"data quality {period or 'all periods'} {txn_type or 'all types'}")
    table.add_column("#", justify="right", no_wrap=True, min_width=1)
    table.add_column("centre", no_wrap=True)
    for name in (*HEADERS, "records", "deals"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("name", min_width=8, overflow="ellipsis")  # what a narrow terminal cuts
    for r in ranked:
        values = r.as_dict()
        table.add_row(
            str(r.rank),
            r.code,
            *(_cell(values[c]) for c in COLUMNS),
            str(r.totals.records),
            str(r.totals.deals),
            r.name,
        )
    console.print(table)


@app.command("recompute")
@rejecting
def recompute(json_output: bool = typer.Option(False, "--json", help="machine-readable")) -> None:
    """Forget every judgment and score all records and deals again (gives the same numbers as
    the worker's incremental passes)."""
    with services_from_env() as services:
        judged = recompute_quality(services)
    if json_output:
        emit_json({"judged": judged})
    else:
        typer.echo(f"{judged} record versions judged again")
