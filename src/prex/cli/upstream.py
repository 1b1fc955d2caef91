"""``prex upstream …``: data-spec exchange with other platforms — register the platforms that may
push here, push this centre's records upstream now, and see the push queue."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer
from sqlalchemy import func, select

from prex.cli.common import console, console_actor, emit_json, rejecting, services_from_env
from prex.exchange.dataspec.inbound import list_platforms, register_platform
from prex.exchange.dataspec.orm import dataspec_push_queue as queue
from prex.exchange.dataspec.outbound import queue_dataspec_records
from prex.exchange.dataspec.sender import push_pending
from prex.shared.errors import InvalidInput

app = typer.Typer(
    help="Data-spec exchange: platforms allowed to push here; pushing this centre's records.",
    no_args_is_help=True,
)


@app.command("add-platform")
@rejecting
def add_platform(
    code: str = typer.Argument(..., help="the platform's PLATFORM_CODE"),
    certificate: Path = typer.Option(
        ..., "--certificate", help="its signing certificate (PEM/DER; chain after the leaf)"
    ),
    name: str = typer.Option("", "--name", help="a readable name"),
    credit_code: str | None = typer.Option(
        None, "--credit-code", help="its credit code, when the certificate names none"
    ),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Allow a platform to push records here; its certificate must chain to a trusted CA."""
    try:
        data = certificate.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {certificate}: {exc.strerror}") from exc
    with services_from_env() as services:
        added = register_platform(
            services,
            services.uow(console_actor()),
            code=code,
            name=name,
            certificate_pem=data,
            credit_code=credit_code,
        )
    if json_output:
        emit_json(dataclasses.asdict(added))
    else:
        console.print(
            f"platform {added.code} ({added.credit_code}) may push; certificate "
            f"{added.certificate_sha256}",
            highlight=False,
        )


@app.command("platforms")
@rejecting
def platforms(json_output: bool = typer.Option(False, "--json", help="machine-readable")) -> None:
    """The platforms allowed to push here."""
    with services_from_env() as services, services.read_session() as session:
        found = list_platforms(session)
    if json_output:
        emit_json([dataclasses.asdict(p) for p in found])
        return
    for p in found:
        console.print(f"{p.code}\t{p.credit_code}\t{p.name}", highlight=False, markup=False)


@app.command("push")
@rejecting
def push(json_output: bool = typer.Option(False, "--json", help="machine-readable")) -> None:
    """Queue new record versions and push what is due now (the worker does this every pass)."""
    with services_from_env() as services:
        if not services.settings.upstream_url:
            raise InvalidInput("no upstream is configured (PREX_UPSTREAM_URL)")
        queued = queue_dataspec_records(services)
        sent = push_pending(services)
        with services.read_session() as session:
            pending = session.execute(
                select(func.count()).select_from(queue).where(queue.c.sent_at.is_(None))
            ).scalar_one()
    result = {"queued": queued, "sent": sent, "pending": pending}
    if json_output:
        emit_json(result)
    else:
        console.print(f"{queued} queued, {sent} pushed, {pending} pending", highlight=False)
