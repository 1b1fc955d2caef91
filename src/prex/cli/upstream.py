"""``prex upstream …``: data-spec exchange with other platforms — register the platforms that may
push here, push this centre's records upstream now, and see the push queue."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer
from sqlalchemy import func, select

from prex.cli.common import console, console_actor, emit_json, rejecting, services_from_env
from prex.exchange.dataspec.inbound import list_platforms, register_platform, stored_records
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
        typer.echo(f"{p.code}\t{p.credit_code}\t{p.name}")


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


@app.command("status")
@rejecting
def status(json_output: bool = typer.Option(False, "--json", help="machine-readable")) -> None:
    """The push queue: records by outcome, and the refusals and errors still to look at."""
    with services_from_env() as services, services.read_session() as session:
        counts = {
            str(outcome or "pending"): int(n)
            for outcome, n in session.execute(
                select(queue.c.outcome, func.count()).group_by(queue.c.outcome)
            )
        }
        problems = [
            {
                "idempotency_key": r.idempotency_key,
                "outcome": r.outcome or "pending",
                "refusal": r.refusal,
                "attempts": r.attempts,
                "next_attempt_at": r.next_attempt_at,
                "error": r.last_error,
            }
            for r in session.execute(
                select(queue).where(queue.c.last_error.is_not(None)).order_by(queue.c.id).limit(20)
            )
        ]
    if json_output:
        emit_json({"counts": counts, "problems": problems})
        return
    console.print(
        ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "queue empty",
        highlight=False,
    )
    for p in problems:
        console.print(
            f"{p['idempotency_key']}: {p['outcome']} after {p['attempts']} attempt(s): "
            f"{p['error']}",
            highlight=False,
            markup=False,
        )


@app.command("records")
@rejecting
def records(
    platform: str | None = typer.Option(None, "--platform", help="only this platform's"),
    dataset: str | None = typer.Option(None, "--dataset", help="only this dataset"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable, with the records"),
) -> None:
    """Records accepted from the platforms below (every version, oldest first)."""
    with services_from_env() as services, services.read_session() as session:
        found = stored_records(session, platform, dataset)
    if json_output:
        emit_json(found)
        return
    for r in found:
        typer.echo(  # tab-separated, one line each, for scripts
            f"{r['platform_code']}\t{r['dataset']}\t{r['record_key']}\tv{r['version']}\t"
            f"{r['received_at'].isoformat()}"
        )
