"""``prex federate …``: subscribe this centre to other centres' OCDS feeds and to any OCDS
publisher, see the subscriptions, pull now, unsubscribe. ``prex import ocds`` loads files."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from prex.cli.common import console, emit_json, rejecting, services_from_env
from prex.exchange.federation.importing import import_files
from prex.exchange.federation.ingest import Stored
from prex.exchange.federation.pull import due_sources, pull_due
from prex.exchange.federation.sources import Source, get, list_sources, remove
from prex.exchange.federation.subscribe import subscribe
from prex.shared.errors import InvalidInput

app = typer.Typer(
    help="Federation: subscribe to other centres' OCDS feeds and to OCDS publishers.",
    no_args_is_help=True,
)
import_app = typer.Typer(help="Load open data from files.", no_args_is_help=True)


def _row(source: Source) -> dict[str, Any]:
    return dataclasses.asdict(source)


@app.command("add")
@rejecting
def add(
    url: str = typer.Argument(
        ...,
        help="a prex instance or feed URL, a release-package URL, "
        "or a local file or folder of packages",
    ),  # fmt: skip
    code: str | None = typer.Option(
        None, "--code", help="the source centre's code (default: its packages' publisher.uid)"
    ),  # fmt: skip
    name: str | None = typer.Option(None, "--name", help="a readable name"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Subscribe to a source; the worker (or `prex federate pull`) pulls it from then on."""
    with services_from_env() as services:
        added = subscribe(services, url, code=code, name=name)
    if json_output:
        emit_json(_row(added))
    else:
        console.print(f"source {added.code} ({added.name}): {added.kind} {added.url}",
                      highlight=False, markup=False)  # fmt: skip


@app.command("list")
@rejecting
def list_(json_output: bool = typer.Option(False, "--json", help="machine-readable")) -> None:
    """The subscriptions, their state and counts."""
    with services_from_env() as services, services.read_session() as session:
        found = list_sources(session)
    if json_output:
        emit_json([_row(s) for s in found])
        return
    table = Table("code", "name", "kind", "status", "releases", "invalid", "records", "error")
    for s in found:
        table.add_row(s.code, s.name, s.kind, s.status, str(s.releases), str(s.invalid),
                      str(s.records), (s.last_error or "")[:60])  # fmt: skip
    console.print(table)


@app.command("remove")
@rejecting
def remove_(
    code: str = typer.Argument(..., help="the source's code"),
    purge: bool = typer.Option(False, "--purge", help="delete its releases and records too"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Stop pulling a source (its data stays searchable unless --purge)."""
    with services_from_env() as services:
        gone = remove(services, code, purge=purge)
    if json_output:
        emit_json({"removed": gone.code, "purged": purge})
    else:
        console.print(f"source {gone.code} removed" + (" with its data" if purge else ""),
                      highlight=False)  # fmt: skip


@app.command("pull")
@rejecting
def pull(
    code: list[str] = typer.Option([], "--code", help="only these sources (due or not)"),
    once: bool = typer.Option(False, "--once", help="one round over the due sources, then exit"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Pull the due sources (or the named ones) now; without --once, until none is due."""
    with services_from_env() as services:
        with services.read_session() as session:
            for c in code:
                get(session, c)
        total = 0
        for _ in range(1 if once or code else 1000):
            stored = pull_due(services, codes=list(code) or None)
            total += stored
            if not stored or not due_sources(services, services.clock.now()):
                break
        with services.read_session() as session:
            found = list_sources(session)
    rows = [_row(s) for s in found if not code or s.code in code]
    if json_output:
        emit_json({"stored": total, "sources": rows})
        return
    console.print(f"{total} releases stored", highlight=False)
    for s in rows:
        console.print(f"{s['code']}: {s['status']}, {s['releases']} releases, {s['records']} "
                      f"records" + (f" — {s['last_error']}" if s["last_error"] else ""),
                      highlight=False, markup=False)  # fmt: skip


@import_app.command("ocds")
@rejecting
def import_ocds(
    files: list[Path] = typer.Argument(
        ..., help="release packages: JSON or JSON Lines, gzip or not"
    ),  # fmt: skip
    source: str | None = typer.Option(
        None, "--source", help="the source centre's code (default: the packages' publisher.uid)"
    ),  # fmt: skip
    name: str | None = typer.Option(None, "--name", help="its readable name"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable summary"),
) -> None:
    """Load OCDS release packages from disk; each file all or nothing, importing twice adds
    nothing."""
    for path in files:
        if not path.is_file():
            raise InvalidInput(f"{path}: no such file")
    with services_from_env() as services:
        if json_output:
            summary = import_files(services, files, source=source, name=name)
        else:
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
            with Progress(*columns, console=console, transient=True) as progress:
                task = progress.add_task("importing", total=len(files))

                def advance(path: Path, _stored: Stored) -> None:
                    progress.update(task, advance=1, description=path.name[:40])

                summary = import_files(services, files, source=source, name=name,
                                       progress=advance)  # fmt: skip
    t = summary.totals
    result = {"source": summary.source, "files": summary.files, "stored": t.stored,
              "duplicates": t.duplicates, "invalid": t.invalid, "rejected": t.rejected,
              "records": t.records}  # fmt: skip
    if json_output:
        emit_json(result)
    else:
        console.print(f"{t.stored} releases stored ({t.duplicates} already there, {t.invalid} "
                      f"with validation errors, {t.rejected} unusable) from {summary.files} "
                      f"file(s) into source {summary.source}; {t.records} records compiled",
                      highlight=False, markup=False)  # fmt: skip
