"""``prex archive``: build, list and verify the electronic archives (电子档案).

``verify`` reads nothing but the file: no database, no settings, no network (docs/archive.md).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from prex.archive.service import build_archive, list_archives, sweep_expired
from prex.archive.verify import verify_archive
from prex.cli.common import (
    console,
    console_actor,
    emit_json,
    fail,
    rejecting,
    services_from_env,
)

app = typer.Typer(help="The electronic archive of ended transactions.", no_args_is_help=True)


@app.command()
def verify(
    file: Path = typer.Argument(..., help="the archive file (.zip)", dir_okay=False),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Check an archive offline: every member's SHA-256 and size against the manifest, the
    manifest's signature, the timestamp, the certificate chain, the audit entries and every act
    signature. Exit 1 naming what broke."""
    try:
        with file.open("rb") as handle:
            report = verify_archive(handle)
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror}") from exc
    if json_output:
        emit_json(report.as_json())
        if not report.ok:
            raise typer.Exit(code=1)
        return
    m = report.manifest
    if m:
        console.print(
            f"[bold]{m.get('deal_code')}[/bold] {m.get('title', '')}\n"
            f"ended {m.get('ending')}, built {m.get('built_at')}, "
            f"kept until {m.get('retain_until')}",
            highlight=False,
        )
    table = Table(show_lines=False)
    table.add_column("check", overflow="fold", ratio=3)  # a member's name is never cut short
    table.add_column("result", no_wrap=True)
    table.add_column("detail", overflow="fold", ratio=2)
    for check in report.checks:
        mark = "[green]ok[/green]" if check.ok else "[red]BROKEN[/red]"
        table.add_row(check.name, mark, check.detail)
    console.print(table)
    if not report.ok:
        broken = ", ".join(c.name for c in report.failures)
        raise fail(f"the archive does not verify: {broken}")
    console.print(f"[green]archive intact[/green]: {len(report.checks)} checks passed")


@app.command()
@rejecting
def build(
    tender: str = typer.Argument(..., help="the tender id"),
    out: Path | None = typer.Option(None, "--out", help="also write the file here"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Build (again) the archive of an ended tender (the worker builds one automatically when a
    tender completes, fails or is cancelled)."""
    with services_from_env() as services:
        built = build_archive(services.uow(console_actor()), services, tender)
        if out is not None:
            with out.open("wb") as handle:
                for chunk in services.blobs.iter_bytes(built.sha256):
                    handle.write(chunk)
    if json_output:
        emit_json(
            {
                "archive_id": built.archive_id,
                "sha256": built.sha256,
                "size": built.size,
                "members": built.members,
                "retain_until": built.retain_until.isoformat(),
                "file": str(out) if out else None,
            }
        )
        return
    console.print(
        f"archive {built.archive_id}: {built.members} members, {built.size} bytes, "
        f"SHA-256 {built.sha256}, kept until {built.retain_until}"
        + (f"; written to {out}" if out else "")
    )


@app.command("list")
@rejecting
def list_(
    tender: str | None = typer.Option(None, "--tender", help="only this tender's"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """The archives, newest first."""
    with services_from_env() as services:
        rows = list_archives(services, console_actor(), tender_id=tender)
    if json_output:
        emit_json(rows)
        return
    table = Table("archive", "deal code", "ended", "status", "built", "kept until", "size")
    for r in rows:
        table.add_row(
            r["id"],
            r["deal_code"],
            r["ending"],
            r["status"] + (" (expired)" if r["expired_at"] else ""),
            r["built_at"].isoformat(timespec="seconds") if r["built_at"] else "",
            r["retain_until"] or "",
            str(r["size"] or ""),
        )
    console.print(table)


@app.command()
@rejecting
def sweep(json_output: bool = typer.Option(False, "--json", help="machine-readable")) -> None:
    """Mark the archives whose retention period has ended; nothing is deleted."""
    with services_from_env() as services:
        expired = sweep_expired(services.uow(console_actor()))
    if json_output:
        emit_json(expired)
        return
    for r in expired:
        console.print(f"expired: {r['id']} {r['deal_code']} (kept until {r['retain_until']})")
    console.print(f"{len(expired)} archive(s) marked expired; none deleted")
