"""``prex opening …``: what custodians and bidders run on their own machines at the opening.

``release`` (a custodian): fetch your encrypted share of the tender's opening key, decrypt it
with your encryption key, check it against the published commitments and send it encrypted to
the platform's escrow certificate. ``decrypt`` (a bidder, where the rule pack lets bidders open
their own bids): unwrap your envelope's content key with your encryption key and send it the same
way. Keys never leave this machine; nothing is sent in plaintext (decision 0009).

Both talk to a running server (``--server``, ``PREX_SERVER``) with your API token (``--token``,
``PREX_TOKEN``; from ``POST /api/v1/session``). Pass ``--platform-ca`` with the platform CA
certificate you trust so that the escrow certificate is checked against it, not against the copy
the server sends.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import typer

from prex.cli.common import console, emit_json, rejecting
from prex.envelope import release as releasing
from prex.envelope.threshold import Commitments
from prex.pki.certs import Certificate, parse_certificate
from prex.pki.keys import PrivateKey
from prex.sealing.submit import refused
from prex.shared.errors import InvalidInput

app = typer.Typer(help="The bid opening: release key shares or your own content key.")

SERVER = typer.Option("http://127.0.0.1:8000", "--server", envvar="PREX_SERVER")
TOKEN = typer.Option(..., "--token", envvar="PREX_TOKEN", help="your API token")
PLATFORM_CA = typer.Option(
    None, "--platform-ca", help="the platform CA certificate you trust (PEM)"
)
JSON = typer.Option(False, "--json", help="machine-readable output")


class ServerRefused(InvalidInput):
    slug = "server-refused"


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read the {what} {path}: {exc.strerror}") from exc


def _call(client: httpx.Client, method: str, url: str, **kwargs: Any) -> Any:
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise ServerRefused(f"cannot reach the server: {exc}") from exc
    if response.status_code >= 400:
        error = refused(response)
        raise ServerRefused(f"the server refused ({response.status_code}): {error.message}")
    return response.json() if response.content else None


def _escrow(served: dict[str, Any], platform_ca: Path | None) -> Certificate:
    """The escrow certificate, checked against the pinned platform CA (or the served one)."""
    escrow = parse_certificate(served["escrow_certificate"].encode())
    ca = parse_certificate(
        _read(platform_ca, "platform CA certificate")
        if platform_ca
        else served["platform_ca"].encode()
    )
    releasing.check_escrow_certificate(escrow, ca)
    return escrow


def _client(server: str, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.rstrip("/") + "/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )


@app.command("release")
@rejecting
def release(
    tender: str = typer.Option(..., "--tender", help="the tender's id"),
    key: Path = typer.Option(..., "--key", help="your encryption certificate's private key"),
    server: str = SERVER,
    token: str = TOKEN,
    platform_ca: Path | None = PLATFORM_CA,
    json_output: bool = JSON,
) -> None:
    """Release your share of the tender's opening key (custodians, after the deadline)."""
    custodian_key = PrivateKey.load(_read(key, "key"))
    with _client(server, token) as client:
        mine = _call(client, "GET", f"/tenders/{tender}/opening/my-share")
        escrow = _escrow(mine, platform_ca)
        index, blob = releasing.release_share(
            tender_id=tender,
            sealed_share=base64.b64decode(mine["sealed_share"]),
            custodian_key=custodian_key,
            commitments=Commitments.from_json(mine["commitments"]),
            escrow=escrow,
        )
        answer = _call(
            client,
            "POST",
            f"/tenders/{tender}/opening/shares/{index}",
            json={"escrowed": base64.b64encode(blob).decode()},
        )
    if json_output:
        emit_json(answer)
        return
    console.print(
        f"share {index} released: {answer['released']} of the {answer['threshold']} needed "
        "to open are in",
        highlight=False,
    )


@app.command("decrypt")
@rejecting
def decrypt(
    bid: str = typer.Option(..., "--bid", help="your bid's id (from its receipt)"),
    envelope: Path = typer.Option(..., "--envelope", help="your sealed envelope file"),
    key: Path = typer.Option(..., "--key", help="your encryption certificate's private key"),
    server: str = SERVER,
    token: str = TOKEN,
    platform_ca: Path | None = PLATFORM_CA,
    json_output: bool = JSON,
    max_mb: int = typer.Option(4096, "--max-mb", help="refuse envelopes larger than this"),
) -> None:
    """Decrypt your own bid at the opening (where the tender lets bidders do so)."""
    bidder_key = PrivateKey.load(_read(key, "key"))
    with _client(server, token) as client:
        served = _call(client, "GET", "/opening/escrow-certificate")
        escrow = _escrow(
            {"escrow_certificate": served["certificate"], "platform_ca": served["platform_ca"]},
            platform_ca,
        )
        digest, blob = releasing.release_content_key(
            envelope=envelope, bidder_key=bidder_key, escrow=escrow, max_bytes=max_mb * 2**20
        )
        _call(
            client,
            "POST",
            f"/bids/{bid}/content-key",
            json={"escrowed": base64.b64encode(blob).decode()},
        )
    if json_output:
        emit_json({"bid_id": bid, "envelope_sha256": digest, "released": True})
        return
    console.print(f"bid {bid} decrypted: envelope {digest}", highlight=False)
