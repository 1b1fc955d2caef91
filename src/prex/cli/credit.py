"""``prex credit``: credit records from the server's shell — the public list (or, with ``--all``,
every record of every centre, as the platform administrator sees them) and one organisation's
credit with whether a blacklist bars it today (docs/credit.md). Recording and revoking are the
supervisors' (API and /supervision/credit), not the console's."""

from __future__ import annotations

import typer
from rich.table import Table

from prex.cli.common import console, emit_json, fail, rejecting, services_from_env
from prex.credit.model import RecordKind
from prex.credit.queries import (
    local_date,
    organisation_credit,
    public_records,
    records_of_centres,
)
from prex.credit.service import choice

app = typer.Typer(help="Credit records: blacklists, violations, rewards (docs/credit.md).")


@app.command("list")
@rejecting
def list_records(
    q: str | None = typer.Option(None, "--q", help="name or credit code"),
    kind: str | None = typer.Option(None, "--kind", help="violation, blacklist, reward …"),
    every: bool = typer.Option(False, "--all", help="every record (unpublished, experts')"),
    page: int = typer.Option(1, "--page", min=1),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Published records of organisations (newest first), or with --all every record."""
    if kind:
        choice(RecordKind, kind, "kind")
    with services_from_env() as services, services.read_session() as session:
        today = local_date(services.clock)
        if every:
            found = records_of_centres(session, None, today, kind=kind, page=page)
        else:
            found = public_records(session, today, kind=kind, q=q, page=page)
    if json_output:
        emit_json(found)
        return
    table = Table(title=f"credit records ({found['total']}), page {found['page']}")
    for name in ("id", "kind", "subject", "period", "status" if every else "scope", "basis"):
        table.add_column(name, overflow="fold")
    for r in found["items"]:
        table.add_row(
            r["id"],
            r["kind"],
            f"{r['subject_name']} {r.get('subject_code') or ''}".strip(),
            f"{r['valid_from']} – {r['valid_until'] or '…'}",
            r["status"] if every else (r["scope"] if r["kind"] == "blacklist" else ""),
            r["basis"],
        )
    console.print(table)


@app.command("show")
@rejecting
def show(
    organisation: str = typer.Argument(..., help="an organisation's id or credit code"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """One organisation's public credit and whether a blacklist is in force today."""
    with services_from_env() as services, services.read_session() as session:
        found = organisation_credit(session, organisation, local_date(services.clock))
    if found is None:
        raise fail(f"no organisation {organisation}")
    if json_output:
        emit_json(found)
        return
    state = "BLACKLISTED today" if found["blacklisted"] else "not blacklisted today"
    console.print(f"{found['name']} {found['uscc']}: {state}", highlight=False)
    for r in found["records"]:
        console.print(
            f"  {r['id']} {r['kind']} {r['valid_from']} – {r['valid_until'] or '…'} "
            f"{r['authority']}: {r['basis']}",
            highlight=False,
        )
