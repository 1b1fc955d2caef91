"""``prex extensions list``: the extension modules installed beside prex (docs/integration.md,
"Extension points") — each group's implementations, the distribution that ships each, and
whether it loads with this server's settings and satisfies its group's protocol.

Loading runs each factory with the real services (settings, database, mailer …), as the server
would; one that fails is shown with its error, never stopping the list."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape

from prex import extensions
from prex.cli.common import console, emit_json, rejecting, services_from_env
from prex.shared.errors import DomainError

app = typer.Typer(help="Extension modules: what is installed and whether it loads.")


def check_all(services: Any) -> list[dict[str, Any]]:
    """Every installed extension with ``ok`` and, when it fails, ``error``; one installed but
    not configured on this server is ``ok`` with ``configured`` false and a ``note``."""
    rows = []
    for item in extensions.installed():
        row = item.to_json()
        try:
            extensions.load(item.group, item.name, services)
            row.update(ok=True, error=None, configured=True)
        except extensions.ExtensionNotConfigured as exc:
            row.update(ok=True, error=None, configured=False, note=exc.message)
        except DomainError as exc:
            row.update(ok=False, error=exc.message)
        except Exception as exc:  # noqa: BLE001 - a factory of an outside module may fail anyhow
            row.update(ok=False, error=f"{type(exc).__name__}: {exc}")
        rows.append(row)
    return rows


@app.command("list")
@rejecting
def list_extensions(
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Group, name, distribution and whether each installed extension loads and satisfies its
    protocol. Exit code 1 when any does not."""
    with services_from_env() as services:
        rows = check_all(services)
    if json_output:
        emit_json(rows)
    else:
        for row in rows:
            if not row["ok"]:
                state = f"[red]FAILS[/red]: {escape(str(row['error']))}"
            elif row.get("configured") is False:
                state = f"[yellow]not configured[/yellow]: {escape(str(row['note']))}"
            else:
                state = "ok"
            line = escape(
                f"{row['group']:<28} {row['name']:<16} {row['distribution'] or '-':<16} "
                f"{row['value']}"
            )
            console.print(f"{line}  {state}", highlight=False, soft_wrap=True)
        failing = sum(not r["ok"] for r in rows)
        console.print(f"{len(rows)} extension(s), {failing} failing", highlight=False)
    if any(not r["ok"] for r in rows):
        raise typer.Exit(code=1)
