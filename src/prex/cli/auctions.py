"""``prex auctions …``: listings and auctions from the server's shell — import the deposit
account's bank statement (docs/auctions.md gives its format)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from prex.auctions import deposits
from prex.cli.common import (
    console,
    console_actor,
    emit_json,
    err_console,
    rejecting,
    services_from_env,
)
from prex.identity.orm import centres
from prex.identity.policy import Actor, Role
from prex.shared.errors import InvalidInput, NotFound

app = typer.Typer(
    help="Listings and auctions: import deposits from a bank statement.", no_args_is_help=True
)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc


def _centre(session: Session, centre: str | None) -> str:
    """The centre's id from its id or division code; the only centre when none is named."""
    query = select(centres.c.id)
    if centre is not None:
        query = query.where(or_(centres.c.id == centre, centres.c.division_code == centre))
    found = list(session.execute(query.limit(2)).scalars())
    if centre is not None and not found:
        raise NotFound(f"no centre '{centre}' (give its id or division code)", centre=centre)
    if len(found) != 1:
        raise InvalidInput("name the centre whose deposits these are with --centre")
    return str(found[0])


def centre_operator(centre_id: str) -> Actor:
    """The shell's user acting as the centre's operator: deposits are the centre's to confirm
    (the audit trail names the operating-system user and the console)."""
    return dataclasses.replace(
        console_actor(), roles=frozenset({Role.OPERATOR}), centre_id=centre_id
    )


@app.command("import-deposits")
@rejecting
def import_deposits(
    file: Path = typer.Argument(..., help="the statement as CSV (columns: docs/auctions.md)"),
    centre: str | None = typer.Option(
        None, "--centre", help="the centre (division code or id); default: the only one"
    ),
    format: str | None = typer.Option(
        None,
        "--format",
        help="the installed deposit source reading the file (prex extensions list); "
        "default statement-csv",
    ),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Confirm deposits from a bank statement: every line or none; bad lines are printed with
    their number and reasons (exit 1). Importing a statement again changes nothing."""
    data = _read(file)
    with services_from_env() as services:
        with services.read_session() as session:
            centre_id = _centre(session, centre)
        source = deposits.source_named(services, format)
        report = deposits.import_statement(services.uow(centre_operator(centre_id)), data, source)
    if json_output:
        emit_json(report.to_json())
    else:
        for error in report.errors:
            err_console.print(
                f"line {error.line}: {'; '.join(error.reasons)}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        verdict = "imported" if report.ok else "[red]refused: nothing imported[/red]"
        console.print(
            f"{report.lines} lines: {len(report.confirmed)} confirmed, "
            f"{len(report.unchanged)} unchanged, {len(report.errors)} refused — {verdict}",
            highlight=False,
        )
    if not report.ok:
        raise typer.Exit(code=1)
