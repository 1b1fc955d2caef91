"""``prex audit``: verify the hash-chained audit log."""

from __future__ import annotations

import typer
from rich.progress import Progress

from prex.audit.service import verify_chain
from prex.cli.common import console, emit_json, fail, rejecting, services_from_env

app = typer.Typer(help="The audit trail.", no_args_is_help=True)


@app.command()
@rejecting
def verify(json_output: bool = typer.Option(False, "--json", help="machine-readable")) -> None:
    """Recompute every entry's digest and hash; exit 1 naming the first broken entry."""
    with services_from_env() as services, services.read_session() as session:
        if json_output:
            result = verify_chain(session)
        else:
            with Progress(transient=True, console=console) as progress:
                progress.add_task("verifying the audit chain", total=None)
                result = verify_chain(session)
    if json_output:
        emit_json(
            {
                "ok": result.ok,
                "entries": result.entries,
                "broken_seq": result.broken.seq if result.broken else None,
                "reason": result.broken.reason if result.broken else None,
            }
        )
        if not result.ok:
            raise typer.Exit(code=1)
        return
    if result.broken is not None:
        raise fail(f"audit entry {result.broken.seq} is broken: {result.broken.reason}")
    console.print(f"audit chain intact: {result.entries} entries verified")
