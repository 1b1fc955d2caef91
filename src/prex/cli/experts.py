"""``prex experts …``: the expert registry (评标专家库) from the server's shell — import a CSV
file, list and search, blacklist, the specialty codes, and replaying a published draw.

Commands act as the console administrator (named by the operating-system user in the audit
trail), who may see identities: the list shows names and masked identity numbers.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import select

from prex.cli.common import (
    console,
    console_actor,
    emit_json,
    err_console,
    fail,
    rejecting,
    services_from_env,
)
from prex.experts import codes, csv_import, draw, registry
from prex.experts.model import parse_title
from prex.identity.orm import centres
from prex.shared.errors import InvalidInput, NotFound

app = typer.Typer(
    help="The expert registry: import, list, blacklist; specialty codes; replay a draw.",
    no_args_is_help=True,
)
#: Files with more data rows than this show a progress bar while importing.
PROGRESS_ROWS = 200


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{option} '{value}' is not a date (YYYY-MM-DD)") from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc


@app.command("import")
@rejecting
def import_(
    file: Path = typer.Argument(..., help="CSV, UTF-8 (columns: docs/experts.md)"),
    centre: str | None = typer.Option(
        None, "--centre", help="home centre (division code or id) of rows that give none"
    ),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Import experts; each bad row is printed with its line and reasons (exit 1 if any)."""
    data = _read(file)
    with services_from_env() as services:
        uow = services.uow(console_actor())
        secret = services.settings.secret_key
        rows = data.count(b"\n")
        if json_output or rows < PROGRESS_ROWS:
            report = csv_import.import_experts(uow, data, secret=secret, default_centre=centre)
        else:
            with Progress(
                TextColumn("importing experts"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err_console,
                transient=True,
            ) as progress:
                task = progress.add_task("import", total=None)
                report = csv_import.import_experts(
                    uow,
                    data,
                    secret=secret,
                    default_centre=centre,
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                )
    summary = report.summary()
    if json_output:
        emit_json(
            {
                "import_id": report.import_id,
                "file_sha256": report.file_sha256,
                "ok": report.ok,
                "summary": summary,
                "results": [r.__dict__ for r in report.results],
            }
        )
    else:
        for r in report.rejected:
            err_console.print(
                f"line {r.line}: {'; '.join(r.reasons)}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        console.print(
            f"{summary['rows']} rows: {summary['created']} created, {summary['updated']} "
            f"updated, {summary['unchanged']} unchanged, {summary['rejected']} rejected",
            highlight=False,
        )
    if not report.ok:
        raise typer.Exit(code=1)


@app.command("list")
@rejecting
def list_(
    specialty: str | None = typer.Option(None, "--specialty", help="this code or narrower"),
    centre: str | None = typer.Option(None, "--centre", help="home centre: division code or id"),
    text: str | None = typer.Option(None, "--text", help="part of the name or phone"),
    title: str | None = typer.Option(None, "--title", help="正高级, 副高级 …"),
    available: bool = typer.Option(False, "--available", help="only those drawable that day"),
    on: str | None = typer.Option(None, "--on", help="the day flags are read for; default today"),
    limit: int = typer.Option(200, "--limit", min=1, max=200),
    offset: int = typer.Option(0, "--offset", min=0),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """The registry, by name, with identities (the console is an administrator)."""
    with services_from_env() as services, services.read_session() as session:
        divisions = {
            r.id: r.division_code
            for r in session.execute(select(centres.c.id, centres.c.division_code))
        }
        centre_id = None
        if centre is not None:
            centre_id = next((i for i, d in divisions.items() if centre in (i, d)), None)
            if centre_id is None:
                raise NotFound(f"no centre '{centre}' (give its id or division code)")
        flt = registry.ExpertFilter(
            centre_id=centre_id,
            specialty=specialty,
            text=text,
            title=parse_title(title) if title else None,
            available=True if available else None,
        )
        page = registry.find_experts(
            session,
            console_actor(),
            flt,
            day=_date(on, "--on") or registry.local_date(services.clock),
            limit=limit,
            offset=offset,
        )
    items = [
        {**v.__dict__, "centre": divisions.get(v.centre_id), "title": v.title.value}
        for v in page.items
    ]
    if json_output:
        emit_json({"items": items, "total": page.total})
        return
    for v in page.items:
        flags = " ".join(
            f
            for f, on in (("[blacklisted]", v.blacklisted), ("[unavailable]", v.unavailable))
            if on
        )
        console.print(
            f"{v.id}  {v.name}  {v.id_number_masked}  {v.title.label}  {v.years_of_practice}年  "
            f"{','.join(v.specialties)}  {divisions.get(v.centre_id)}  信用{v.credit_score}"
            + (f"  {flags}" if flags else ""),
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    console.print(f"{len(page.items)} of {page.total} expert(s)")


@app.command("blacklist")
@rejecting
def blacklist(
    expert_id: str = typer.Argument(..., help="the expert's id"),
    reason: str = typer.Option(..., "--reason", help="why (recorded and audited)"),
    until: str | None = typer.Option(
        None, "--until", help="last day, YYYY-MM-DD (inclusive); omit: until lifted"
    ),
    start: str | None = typer.Option(None, "--from", help="first day; default today"),
    source: str | None = typer.Option(None, "--source", help="the decision's reference"),
) -> None:
    """Keep an expert out of every draw for a period."""
    first, last = _date(start, "--from"), _date(until, "--until")
    with services_from_env() as services:
        entry_id = registry.blacklist_expert(
            services.uow(console_actor()),
            expert_id,
            reason=reason,
            source=source,
            start=first,
            until=last,
        )
    period = f"until {last.isoformat()}" if last else "until lifted"
    console.print(
        f"{entry_id}  expert {expert_id} is blacklisted {period}", highlight=False, markup=False
    )


@app.command("codes")
@rejecting
def codes_(json_output: bool = typer.Option(False, "--json", help="machine-readable")) -> None:
    """The specialty code list."""
    listed = codes.specialty_codes()
    if json_output:
        emit_json([{"code": c, "name": n} for c, n in listed.items()])
        return
    for code, name in listed.items():
        console.print(f"{'  ' * (len(code) // 2)}{code}  {name}", highlight=False, markup=False)


@app.command("replay-draw")
@rejecting
def replay_draw(
    record: Path = typer.Argument(..., help="the published draw record (JSON)"),
    seed: str | None = typer.Option(
        None, "--seed", help="the revealed seed, hex (default: the record's own 'seed')"
    ),
) -> None:
    """Recompute a published expert draw from its record and seed; exit 1 if it differs. A
    redraw's record (round 2 or later) must also derive its seed from the committed one."""
    try:
        published: Any = json.loads(_read(record))
    except ValueError as exc:
        raise InvalidInput(f"{record} is not JSON: {exc}") from None
    if not isinstance(published, dict):
        raise InvalidInput(f"{record} is not a draw record")
    try:
        seed_bytes = bytes.fromhex(seed) if seed is not None else None
    except ValueError:
        raise fail("--seed is not hex") from None
    again = draw.replay(published, seed_bytes)
    drawn = again.get("draws", [])
    console.print(
        f"the draw replays: the same {len(drawn)} experts in the same order", highlight=False
    )
    if "redraw" in again:  # a committee drawn again after an interruption dissolved one
        checked = (
            "derived from the committed seed"
            if "root_seed" in again
            else "not checked against the committed seed (no root_seed in the record)"
        )
        console.print(f"round {again.get('round')}: its seed is {checked}", highlight=False)
