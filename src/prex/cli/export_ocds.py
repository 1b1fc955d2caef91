"""``prex export ocds --out DIR``: every stored OCDS release and record, as gzip JSON Lines.

Writes three files into ``DIR``:

- ``releases.jsonl.gz`` — one release per line, in publication order (what ``ocdskit compile``
  and Kingfisher read as a release stream);
- ``records.jsonl.gz`` — one record per line (``ocid``, ``releases``, ``compiledRelease``);
- ``package.json`` — the package metadata both streams share (publisher, version, extensions),
  so that a consumer can wrap lines back into packages without guessing.

Files are written under a temporary name and renamed when complete, so a reader never sees half
an export.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress

from prex.cli.common import console, emit_json, fail, rejecting, services_from_env
from prex.exchange.releases import packages, store


def _writable(out: Path) -> Path:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail(f"cannot create {out}: {exc.strerror or exc}") from exc
    if not out.is_dir() or not os.access(out, os.W_OK | os.X_OK):
        raise fail(f"{out} is not a writable folder")
    return out


def _write(path: Path, lines: Iterator[dict[str, Any]], progress: Any, task: Any) -> int:
    partial = path.with_name(path.name + ".partial")
    count = 0
    try:
        with gzip.open(partial, "wt", encoding="utf-8") as fh:
            for item in lines:
                fh.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
                count += 1
                if progress is not None:
                    progress.advance(task)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise fail(f"cannot write {path}: {exc.strerror or exc}") from exc
    return count


@rejecting
def ocds(
    out: Path = typer.Option(..., "--out", help="folder to write the export into"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable summary"),
) -> None:
    """Export every OCDS release and record as gzip JSON Lines (see docs/ocds.md)."""
    folder = _writable(out)
    with services_from_env() as services, services.read_session() as session:
        settings = services.settings
        n_releases, n_records = store.counts(session)
        meta = packages.metadata(
            settings, settings.base_url.rstrip("/") + "/api/v1/ocds/releases", services.clock.now()
        )
        (folder / "package.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=2) + "\n", "utf-8"
        )
        if json_output:
            releases = _write(folder / "releases.jsonl.gz", store.iter_releases(session), None, 0)
            records = _write(folder / "records.jsonl.gz", store.iter_records(session), None, 0)
        else:
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("releases", total=n_releases)
                releases = _write(
                    folder / "releases.jsonl.gz", store.iter_releases(session), progress, task
                )
                task = progress.add_task("records", total=n_records)
                records = _write(
                    folder / "records.jsonl.gz", store.iter_records(session), progress, task
                )
    if json_output:
        emit_json({"out": str(folder), "releases": releases, "records": records})
        return
    console.print(f"{releases} releases and {records} records written to {folder}")
