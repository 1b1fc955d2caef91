"""``prex ca …`` (the trust list) and ``prex cert …`` (checking certificates)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from prex.cli.common import (
    console,
    console_actor,
    emit_json,
    fail,
    rejecting,
    services_from_env,
)
from prex.pki.certs import parse_certificates
from prex.pki.cms import BadSignature, sign_detached
from prex.pki.keys import PrivateKey
from prex.pki.path import CertificateRefused
from prex.pki.service import add_cas, find_ca, set_ca_status
from prex.pki.signatures import verify_signed
from prex.pki.trust import Purpose
from prex.shared.errors import InvalidInput

ca_app = typer.Typer(help="The trust list of CA mutual recognition (CA互认).", no_args_is_help=True)
cert_app = typer.Typer(help="Check certificates against the trust list.", no_args_is_help=True)

_PURPOSE_HELP = "login, signing or encryption (repeat; default: all three)"
_PROFILE_HELP = (
    "where the CA puts the holder's identity, e.g. uscc:serialNumber, uscc:OU, uscc:CN, "
    "uscc:organizationIdentifier, person:serialNumber (repeat; default uscc:serialNumber)"
)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc


@ca_app.command("add")
@rejecting
def add(
    file: Path = typer.Argument(..., help="PEM, DER or PKCS#7 (.p7b) with CA certificates"),
    purpose: list[str] = typer.Option([], "--purpose", help=_PURPOSE_HELP),
    profile: list[str] = typer.Option([], "--profile", help=_PROFILE_HELP),
    label: str = typer.Option("", "--label", help="a name for operators, e.g. the CA's brand"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Add CA certificates (roots and intermediates) to the trust list."""
    data = _read(file)
    with services_from_env() as services:
        results = add_cas(
            services.uow(console_actor()), data, purposes=purpose, profile=profile, label=label
        )
    if json_output:
        emit_json([r.__dict__ for r in results])
        return
    for r in results:
        state = "added" if r.added else "already on the list"
        console.print(f"{r.id}  {state}: {r.subject}", highlight=False, soft_wrap=True)


@ca_app.command("list")
@rejecting
def list_(json_output: bool = typer.Option(False, "--json", help="machine-readable")) -> None:
    """Every CA on the trust list with its status, purposes and profile."""
    with services_from_env() as services:
        trust = services.pki.trust_list()
    rows = [
        {
            "id": e.id,
            "subject": e.certificate.subject_text,
            "fingerprint": e.certificate.fingerprint,
            "root": e.is_root,
            "key": e.certificate.public_key.kind,
            "status": e.status.value,
            "status_reason": e.status_reason,
            "purposes": [p.value for p in e.purposes],
            "profile": list(e.profile),
            "label": e.label,
            "not_after": e.certificate.not_after,
        }
        for e in trust.entries
    ]
    if json_output:
        emit_json(rows)
        return
    for entry, row in zip(trust.entries, rows, strict=True):
        colour = {"active": "green", "suspended": "yellow"}.get(str(row["status"]), "red")
        kind = "root" if row["root"] else "intermediate"
        console.print(
            f"[bold]{row['id']}[/bold]  [{colour}]{row['status']}[/{colour}]  {row['key']}  "
            f"{kind}  {entry.label or entry.certificate.common_name}",
            highlight=False,
            soft_wrap=True,
        )
        reason = f" · reason: {row['status_reason']}" if row["status_reason"] else ""
        console.print(
            f"    {row['subject']}\n    purposes {', '.join(p.value for p in entry.purposes)}"
            f" · profile {', '.join(entry.profile)} · valid until "
            f"{entry.certificate.not_after:%Y-%m-%d} · SHA-256 {str(row['fingerprint'])[:16]}…"
            f"{reason}",
            highlight=False,
            soft_wrap=True,
            style="dim",
        )
    console.print(f"{len(rows)} CA certificate(s)")


def _change(ca_id: str, status: str, reason: str) -> None:
    with services_from_env() as services:
        entry = find_ca(services.pki.trust_list(), ca_id)
        set_ca_status(services.uow(console_actor()), entry.id, status, reason)
    console.print(
        f"{entry.id} {status}: {entry.certificate.subject_text}", highlight=False, soft_wrap=True
    )


@ca_app.command("suspend")
@rejecting
def suspend(
    ca_id: str = typer.Argument(..., help="the id (or a fingerprint prefix of 8+ characters)"),
    reason: str = typer.Option("", "--reason", help="shown to holders whose login is refused"),
) -> None:
    """Suspend a CA: its certificates are refused until it is activated again."""
    _change(ca_id, "suspended", reason)


@ca_app.command("activate")
@rejecting
def activate(
    ca_id: str = typer.Argument(..., help="the id (or a fingerprint prefix)"),
    reason: str = typer.Option("", "--reason"),
) -> None:
    """Re-activate a suspended CA."""
    _change(ca_id, "active", reason)


@ca_app.command("withdraw")
@rejecting
def withdraw(
    ca_id: str = typer.Argument(..., help="the id (or a fingerprint prefix)"),
    reason: str = typer.Option("", "--reason"),
) -> None:
    """Withdraw a CA from mutual recognition for good."""
    _change(ca_id, "withdrawn", reason)


@ca_app.command("import-crl")
@rejecting
def import_crl(file: Path = typer.Argument(..., help="a CRL, DER or PEM")) -> None:
    """Import a CRL offline (for CAs whose distribution point this server cannot reach)."""
    data = _read(file)
    with services_from_env() as services:
        entry, crl, stored = services.pki.import_crl(services.uow(console_actor()), data)
    state = "stored" if stored else "not newer than the stored CRL, kept the stored one"
    console.print(
        f"CRL of {entry.certificate.subject_text}: {len(crl.revoked)} revoked, next update "
        f"{crl.next_update or '-'}; {state}",
        highlight=False,
        soft_wrap=True,
    )


def _parse_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"--at takes an ISO 8601 time such as 2026-03-02T09:00:00+08:00, not '{text}'"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@cert_app.command("verify")
@rejecting
def verify(
    cert: Path = typer.Argument(
        ..., help="the certificate, PEM or DER (its issuing CAs may follow)"
    ),
    chain: list[Path] = typer.Option([], "--chain", help="intermediate certificates (repeat)"),
    at: str | None = typer.Option(None, "--at", help="validate at this ISO 8601 time"),
    purpose: Purpose = typer.Option(Purpose.SIGNING, "--purpose"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Exit 0 when the certificate is trusted for the purpose, 1 with the reason otherwise."""
    certificate, *intermediates = parse_certificates(_read(cert))  # a file may carry its CAs
    intermediates += [c for path in chain for c in parse_certificates(_read(path))]
    when = _parse_time(at)
    with services_from_env() as services:
        try:
            path, holder = services.pki.verify(
                certificate, purpose=purpose, at=when, intermediates=intermediates
            )
        except CertificateRefused as exc:
            if json_output:
                emit_json({"trusted": False, "reason": exc.reason.value, "message": exc.message})
                raise typer.Exit(code=1) from exc
            raise fail(f"refused ({exc.reason.value}): {exc.message}") from exc
    result = {
        "trusted": True,
        "subject": certificate.subject_text,
        "holder": {"kind": holder.kind, "code": holder.display, "name": holder.name},
        "chain": [c.subject_text for c in path.chain],
        "ca": path.issuing_ca.id,
        "revocation": list(path.revocation),
    }
    if json_output:
        emit_json(result)
        return
    console.print(
        f"trusted for {purpose.value}: {certificate.subject_text}", highlight=False, soft_wrap=True
    )
    console.print(
        f"holder: {holder.kind} {holder.display} ({holder.name})", highlight=False, soft_wrap=True
    )
    for depth, c in enumerate(path.chain):
        console.print(f"{'  ' * depth}└ {c.subject_text}", highlight=False, soft_wrap=True)
    console.print(f"revocation checked by: {', '.join(path.revocation) or 'n/a'}")


sig_app = typer.Typer(
    help="Detached signatures: CMS (RSA, ECDSA) and GB/T 35275 (SM2).", no_args_is_help=True
)


@sig_app.command("sign")
@rejecting
def sign(
    file: Path = typer.Argument(..., help="the document to sign"),
    cert: Path = typer.Option(..., "--cert", help="the signer's certificate"),
    key: Path = typer.Option(..., "--key", help="the signer's private key (PEM or DER)"),
    chain: list[Path] = typer.Option([], "--chain", help="intermediate certificates (repeat)"),
    out: Path = typer.Option(..., "--out", help="where to write the DER signature"),
) -> None:
    """Sign a document offline (nothing is sent anywhere)."""
    content = _read(file)
    signer, *intermediates = parse_certificates(_read(cert))  # a file may carry its CAs
    private = PrivateKey.load(_read(key))
    if private.public_key().spki_der != signer.public_key.spki_der:
        raise InvalidInput("the key does not belong to the certificate")
    intermediates += [c for path in chain for c in parse_certificates(_read(path))]
    signature = sign_detached(
        content, signer, private, chain=intermediates, signing_time=datetime.now(UTC)
    )
    out.write_bytes(signature)
    console.print(
        f"signed {file.name} ({len(content)} bytes) → {out}", highlight=False, soft_wrap=True
    )


@sig_app.command("verify")
@rejecting
def verify_signature(
    file: Path = typer.Argument(..., help="the signed document"),
    signature: Path = typer.Argument(..., help="the detached signature (DER or PEM)"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Exit 0 when a trusted signer signed the document, 1 with the reason otherwise."""
    content, sig = _read(file), _read(signature)
    with services_from_env() as services:
        try:
            verdict = verify_signed(services.pki, content, sig)
        except (BadSignature, CertificateRefused) as exc:
            reason = exc.reason.value if isinstance(exc, CertificateRefused) else exc.slug
            if json_output:
                emit_json({"valid": False, "reason": reason, "message": exc.message})
                raise typer.Exit(code=1) from exc
            raise fail(f"invalid ({reason}): {exc.message}") from exc
    holder = verdict.holder
    if json_output:
        emit_json(
            {
                "valid": True,
                "signer": verdict.check.signer.subject_text,
                "holder": {"kind": holder.kind, "code": holder.display, "name": holder.name},
                "signing_time": verdict.check.signing_time,
                "digest_algorithm": verdict.check.digest_algorithm,
            }
        )
        return
    console.print(
        f"valid signature by {holder.name} ({holder.display})", highlight=False, soft_wrap=True
    )
    if verdict.check.signing_time:
        console.print(f"signing time claimed by the signer: {verdict.check.signing_time}")
