"""``prex analytics``: the supervision warehouse (docs/warehouse.md) — ``refresh`` brings it up
to date with the database, ``compact`` rewrites its tables to one file per partition."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from prex.analytics.warehouse.refresh import (
    Progress as ProgressCallback,
)
from prex.analytics.warehouse.refresh import compact_warehouse, refresh_warehouse
from prex.analytics.warehouse.store import warehouse_root
from prex.cli.common import emit_json, err_console, rejecting, services_from_env

app = typer.Typer(help="The supervision warehouse: Parquet files queried by DuckDB.")


@contextmanager
def _bar(show: bool) -> Iterator[ProgressCallback | None]:
    """A progress bar on stderr for the tenders extracted (none with --json or no terminal)."""
    if not show:
        yield None
        return
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("tenders", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield tick


@app.command("refresh")
@rejecting
def refresh(
    full: bool = typer.Option(False, "--full", help="extract everything again, not only changes"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Extract what changed since the last refresh (everything the first time) into new files."""
    with services_from_env() as services, _bar(not json_output) as progress:
        result = refresh_warehouse(services, full=full, progress=progress)
        root = warehouse_root(services.settings)
    if json_output:
        emit_json(result.as_dict())
        return
    if result.refresh is None:
        typer.echo(f"nothing changed ({result.events} events read); nothing written")
        return
    typer.echo(
        f"refresh {result.refresh}{' (full)' if result.full else ''}: {result.tenders} tenders, "
        f"{result.lots} lots, {result.bids} bids, {result.organisations} organisations in "
        f"{len(result.files)} files under {root} ({result.seconds:.1f} s)"
    )


@app.command("compact")
@rejecting
def compact(
    table: list[str] = typer.Option(
        [], "--table", help="a table to compact (repeatable); default every table"
    ),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Rewrite tables to one file of newest rows per partition (readers see no difference)."""
    with services_from_env() as services:
        done = compact_warehouse(services, tables=table)
    if json_output:
        emit_json([c.__dict__ for c in done])
        return
    for c in done:
        if c.rows < 0:
            typer.echo(f"{c.table}: {c.files_before} files, already compact")
        else:
            typer.echo(f"{c.table}: {c.files_before} files → {c.files_after}, {c.rows} rows")
