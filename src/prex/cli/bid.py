"""``prex bid …``: the bidder's tools. Sealing reads the downloaded tender parameters, the
bidder's certificate and key and the documents, and writes an envelope; it opens no database
and contacts no server (the code it runs is ``prex.sealing`` and ``prex.envelope``).
Submitting sends an envelope to a platform over HTTP with a bearer token, resumably
(``prex.sealing.submit``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from prex.envelope import container
from prex.envelope.parameters import TenderParameters, check_platform_signature
from prex.pki.certs import parse_certificate
from prex.sealing.client import BidForm, seal_bid
from prex.sealing.submit import DEFAULT_CHUNK, SubmitError, submit_envelope
from prex.shared.errors import DomainError, InvalidInput

app = typer.Typer(
    help="The bidder's tools: seal a bid offline, inspect an envelope, submit it.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read the {what} {path}: {exc.strerror}") from exc


@app.command("seal")
def seal(
    files: list[Path] = typer.Argument(..., help="the bid documents"),
    tender: str = typer.Option(..., "--tender", help="the tender's id"),
    params: Path | None = typer.Option(
        None, "--params", help="the downloaded tender parameters (default tender-ID.json)"
    ),
    section: str | None = typer.Option(None, "--section", help="the section (标段) id"),
    cert: Path = typer.Option(..., "--cert", help="your signing certificate (CAs may follow)"),
    key: Path = typer.Option(..., "--key", help="its private key"),
    encryption_cert: Path | None = typer.Option(
        None, "--encryption-cert", help="your encryption certificate, if the tender asks"
    ),
    price: str = typer.Option(..., "--price", help="the bid price in yuan, e.g. 12,345,678.90"),
    duration: int = typer.Option(..., "--duration-days", help="the construction or supply period"),
    manager: str = typer.Option(..., "--project-manager", help="项目经理"),
    phone: str = typer.Option("", "--contact-phone", help="联系电话 (optional)"),
    bond_kind: str = typer.Option(
        "e_guarantee", "--bond", help="cash, bank_guarantee, e_guarantee or insurance"
    ),
    bond_reference: str = typer.Option("", "--bond-reference", help="guarantee or payment no."),
    uscc: str | None = typer.Option(
        None, "--uscc", help="your credit code, if the certificate does not name exactly one"
    ),
    out: Path = typer.Option(..., "--out", help="where to write the envelope"),
    platform_ca: Path | None = typer.Option(
        None, "--platform-ca", help="the platform's CA certificate, to check the parameters"
    ),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Seal a bid offline for the tender's opening key, signed with your certificate."""
    try:
        raw = _read(params or Path(f"tender-{tender}.json"), "tender parameters")
        parameters = TenderParameters.loads(raw)
        if platform_ca is not None:
            check_platform_signature(
                json.loads(raw), parse_certificate(_read(platform_ca, "platform CA certificate"))
            )
        elif not json_output:
            err.print(
                "note: the tender parameters' platform signature was not checked "
                "(pass --platform-ca with the platform's CA certificate)",
                highlight=False,
                soft_wrap=True,
            )
        if parameters.tender_id != tender:
            raise InvalidInput(
                f"the parameters are for tender {parameters.tender_id}, not {tender}"
            )
        form = BidForm.parse(price, duration, manager, bond_kind, bond_reference, phone)
        with console.status("sealing…") if not json_output else _Quiet():
            sealed = seal_bid(
                parameters,
                section_id=section,
                form=form,
                documents=files,
                certificate_pem=_read(cert, "certificate"),
                key_pem=_read(key, "key"),
                encryption_certificate_pem=(
                    _read(encryption_cert, "encryption certificate") if encryption_cert else None
                ),
                bidder_uscc=uscc,
                out=out,
                now=datetime.now(UTC),
            )
    except DomainError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from exc
    if datetime.now(UTC) > parameters.bid_deadline:
        err.print(
            f"[yellow]warning:[/yellow] this machine's clock is past the bid deadline "
            f"{parameters.bid_deadline.isoformat()}; the platform's clock decides whether the "
            "envelope is on time",
            highlight=False,
            soft_wrap=True,
        )
    summary = {
        "envelope": str(sealed.path),
        "sha256": sealed.sha256,
        "bytes": sealed.size,
        "tender_id": sealed.header.tender_id,
        "section_id": sealed.header.section_id,
        "bidder_uscc": sealed.header.bidder_uscc,
        "suite": sealed.header.suite,
    }
    if json_output:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    console.print(
        f"sealed {len(files)} document(s) → {sealed.path} ({sealed.size} bytes)",
        highlight=False,
        soft_wrap=True,
    )
    console.print(
        f"SHA-256 {sealed.sha256}: the receipt will name this digest",
        highlight=False,
        soft_wrap=True,
    )


@app.command("inspect")
def inspect(envelope: Path = typer.Argument(..., help="an envelope file")) -> None:
    """Show an envelope's header and check its structure and signature (not its content,
    which nobody can read before the opening)."""
    try:
        size = envelope.stat().st_size
        with envelope.open("rb") as handle:
            parsed = container.read(handle, size, max_bytes=size)
            check = container.check(handle, parsed)
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot read {envelope}: {exc.strerror}")
        raise typer.Exit(code=1) from exc
    except DomainError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from exc
    header = parsed.header
    console.print(
        f"tender {header.tender_id} · section {header.section_id} · bidder "
        f"{header.bidder_uscc} · {header.suite}",
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"signed by {check.signer.subject_text}", highlight=False, soft_wrap=True)
    console.print(
        f"{header.payload_length} sealed bytes; recipients: "
        f"{', '.join(r.kind for r in header.recipients)}",
        highlight=False,
    )


@app.command("submit")
def submit(
    envelope: Path = typer.Argument(..., help="the sealed envelope (from `prex bid seal`)"),
    tender: str = typer.Option(..., "--tender", help="the tender's id"),
    server: str = typer.Option(
        "http://127.0.0.1:8000", "--server", envvar="PREX_SERVER", help="the platform's address"
    ),
    token: str = typer.Option(
        ...,
        "--token",
        envvar="PREX_TOKEN",
        help="a bearer token of a user of the bidding organisation (POST /api/v1/session); "
        "prefer the PREX_TOKEN variable, which other users cannot see",
    ),
    key: str | None = typer.Option(
        None,
        "--key",
        help="the Idempotency-Key (default: derived from the envelope's SHA-256, so that "
        "running the command again resumes the same upload)",
    ),
    chunk_mb: int = typer.Option(
        DEFAULT_CHUNK // (1024 * 1024), "--chunk-mb", min=1, max=1024, help="MiB per request"
    ),
    retry_for: float = typer.Option(
        60.0, "--retry-for", min=0, help="seconds to keep retrying an unreachable platform"
    ),
    receipt_out: Path | None = typer.Option(
        None, "--receipt", help="where to keep the receipt (default ENVELOPE.receipt.json)"
    ),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Submit a sealed envelope, resumably: an interrupted upload (a dropped connection, a
    restarted platform, this command stopped) continues where the platform left off when the
    command runs again, and ends with the one receipt."""
    if not envelope.is_file():
        err.print(f"[red]error:[/red] cannot read the envelope {envelope}", highlight=False)
        raise typer.Exit(code=1)
    with Progress(
        TextColumn("[bold]uploading[/bold] {task.description}"),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=json_output or not err.is_terminal,  # a log file wants no bar
        transient=True,
    ) as bar:
        task = bar.add_task(envelope.name, total=envelope.stat().st_size)
        try:
            done = submit_envelope(
                server,
                token,
                tender,
                envelope,
                key=key,
                chunk_bytes=chunk_mb * 1024 * 1024,
                retry_for=retry_for,
                progress=lambda at, total: bar.update(task, completed=at, total=total),
            )
        except SubmitError as exc:
            where = f" ({exc.slug})" if exc.slug else ""
            err.print(f"[red]error:[/red] {exc.message}{where}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=1) from exc
    out = receipt_out or envelope.with_name(envelope.name + ".receipt.json")
    out.write_text(json.dumps(done.receipt, ensure_ascii=False, indent=2) + "\n")
    summary = {
        "receipt": done.receipt,
        "receipt_file": str(out),
        "upload_id": done.upload_id,
        "idempotency_key": done.key,
        "envelope_sha256": done.sha256,
        "bytes": done.size,
        "resumed_from": done.resumed_from,
        "sent": done.sent,
        "replayed": done.replayed,
    }
    if json_output:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    receipt = done.receipt
    if done.resumed_from:
        console.print(f"resumed at byte {done.resumed_from:,} of {done.size:,}", highlight=False)
    console.print(
        f"{'already received' if done.replayed else 'received'}: bid {receipt['bid_id']} at "
        f"{receipt['received_at']} (platform time)",
        highlight=False,
        soft_wrap=True,
    )
    console.print(
        f"SHA-256 {receipt['envelope_sha256']}; receipt kept in {out}",
        highlight=False,
        soft_wrap=True,
    )


class _Quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None
