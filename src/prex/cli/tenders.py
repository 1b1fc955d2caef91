"""``prex tenders``: read the public list and the rule packs from the command line."""

from __future__ import annotations

import typer
from rich.table import Table

from prex.cli.common import console, emit_json, rejecting, services_from_env
from prex.tenders.model import TenderStatus, TransactionType
from prex.tenders.queries import TenderFilter, list_public_tenders

app = typer.Typer(help="Tenders and rule packs.", no_args_is_help=True)


@app.command("list")
@rejecting
def list_(
    q: str = typer.Option(None, "--q", help="search text"),
    transaction_type: TransactionType = typer.Option(None, "--type"),
    region: str = typer.Option(None, "--region", help="GB/T 2260 division code"),
    status: TenderStatus = typer.Option(None, "--status"),
    limit: int = typer.Option(20, "--limit", min=1, max=100),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """The public tenders, newest first (as the portal lists them)."""
    flt = TenderFilter(transaction_type=transaction_type, region=region, status=status, text=q)
    with services_from_env() as services, services.read_session() as session:
        page = list_public_tenders(session, flt, limit=limit)
    if json_output:
        emit_json({"items": page.items, "next_cursor": page.next_cursor})
        return
    table = Table()
    for column in ("published", "status", "type", "region", "title"):
        table.add_column(column)
    for item in page.items:
        table.add_row(
            item["published_at"].strftime("%Y-%m-%d"),
            str(item["status"]),
            str(item["transaction_type"]),
            item["region_code"],
            item["title"],
        )
    console.print(table)


@app.command("rule-packs")
@rejecting
def rule_packs(json_output: bool = typer.Option(False, "--json", help="machine-readable")) -> None:
    """Every rule pack and its statutory periods with their sources."""
    with services_from_env() as services:
        packs = services.rule_packs.all()
    if json_output:
        emit_json(
            [
                {
                    "id": p.id,
                    "name": p.name,
                    "periods": {
                        r: {"amount": x.amount, "unit": x.unit, "source": x.source}
                        for r, x in p.periods.items()
                    },
                }
                for p in packs
            ]
        )
        return
    table = Table()
    for column in ("pack", "rule", "period", "source"):
        table.add_column(column)
    for pack in packs:
        for rule, period in pack.periods.items():
            table.add_row(pack.id, rule, f"{period.amount} {period.unit.value}", period.source)
    console.print(table)
