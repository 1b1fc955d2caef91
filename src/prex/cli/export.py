"""``prex export``: bulk exports of the centre's open data."""

from __future__ import annotations

import typer

from prex.cli.export_ocds import ocds

app = typer.Typer(help="Bulk exports of open data.", no_args_is_help=True)
app.command("ocds")(ocds)
