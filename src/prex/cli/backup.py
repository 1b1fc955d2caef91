"""``prex backup`` and ``prex restore``: the database, the blobs and the platform keys in one
archive (see :mod:`prex.ops.backup` for what is in it)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress, TaskID

from prex.cli.common import console, emit_json, rejecting
from prex.config import get_settings
from prex.ops.backup import make_backup, restore_backup


class _Bars:
    """One rich progress bar per phase, created when the phase first reports."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, what: str, advance: int) -> None:
        if what not in self._tasks:
            self._tasks[what] = self._progress.add_task(what, total=None)
        self._progress.advance(self._tasks[what], advance)


@rejecting
def backup(
    dest: Path = typer.Argument(..., help="the archive to write (a new .tar file)"),
    json_output: bool = typer.Option(False, "--json", help="print the manifest as JSON"),
) -> None:
    """Back up the database, every blob and the platform keys into one tar archive with a
    manifest of SHA-256 hashes. Consistent while the server runs. The archive holds private
    keys: keep it like the key folder."""
    settings = get_settings()
    if json_output:
        manifest = make_backup(settings, dest)
        emit_json({"archive": str(dest), **manifest.__dict__})
        return
    with Progress(console=console, transient=True) as progress:
        manifest = make_backup(settings, dest, progress=_Bars(progress))
    blobs = sum(1 for name in manifest.members if name.startswith("blobs/"))
    keys = sum(1 for name in manifest.members if name.startswith("keys/"))
    console.print(
        f"backup written to {dest}: {manifest.database} database at {manifest.alembic_revision}, "
        f"{blobs} blobs, {keys} key files, audit head {manifest.audit_head_seq}"
    )


@rejecting
def restore(
    src: Path = typer.Argument(..., help="an archive written by prex backup"),
    force: bool = typer.Option(False, "--force", help="replace a non-empty database and data"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable report"),
) -> None:
    """Check every member of the archive, restore the database, blobs and keys, then verify
    every blob hash and the audit chain. Refuses a non-empty target without --force."""
    settings = get_settings()
    if json_output:
        report = restore_backup(settings, src, force=force)
        emit_json(report.__dict__)
        return
    with Progress(console=console, transient=True) as progress:
        report = restore_backup(settings, src, force=force, progress=_Bars(progress))
    console.print(
        f"restored {report.database} database ({report.tables} tables, revision "
        f"{report.alembic_revision}), {report.blobs} blobs verified, {report.keys} key files; "
        f"audit chain intact: {report.audit_entries} entries, head {report.audit_head[:16]}…"
    )
