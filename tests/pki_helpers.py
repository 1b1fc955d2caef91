"""Test helpers for the pki context: trust the openssl-made CAs, sign like a client does."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from prex.bootstrap import Services
from prex.identity import service as identity
from prex.identity.policy import Actor, Role
from prex.pki.service import add_cas
from tests.factories import ADMIN_ACTOR, PASSWORD, World, auth
from tests.pki_openssl import PkiWorld

PROFILE = ["uscc:serialNumber", "person:serialNumber"]
OPERATOR = Actor(
    user_id="op-test", label="operator (test)", roles=frozenset({Role.OPERATOR}), address="10.0.0.7"
)

# How `openssl dgst` signs for each algorithm name of the login API.
OPENSSL_SIGN = {
    "rsa-pkcs1-sha256": ["-sha256"],
    "rsa-pss-sha256": [
        "-sha256",
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sigopt",
        "rsa_pss_saltlen:32",
    ],
    "ecdsa-sha256": ["-sha256"],
    "ecdsa-sha384": ["-sha384"],
    "sm2-sm3": ["-sm3", "-sigopt", "distid:1234567812345678"],
}


def trust_world(services: Services, world: PkiWorld, *names: str) -> dict[str, str]:
    """Put the named CA certificates on the trust list; returns name → trust-list id."""
    ids: dict[str, str] = {}
    for name in names or ("rsa", "rsa-int", "ecdsa", "ecdsa-int", "sm2", "sm2-int"):
        added = add_cas(services.uow(OPERATOR), world.cas[name].cert.read_bytes(), profile=PROFILE)
        ids[name] = added[0].id
    return ids


def openssl_sign(key: Path, message: bytes, algorithm: str, tmp: Path) -> str:
    """Sign ``message`` with the openssl CLI, as a client's signing tool would; base64."""
    data, signature = tmp / "message.bin", tmp / "signature.bin"
    data.write_bytes(message)
    subprocess.run(
        [
            "openssl",
            "dgst",
            *OPENSSL_SIGN[algorithm],
            "-sign",
            str(key),
            "-out",
            str(signature),
            str(data),
        ],
        check=True,
        capture_output=True,
    )
    return base64.b64encode(signature.read_bytes()).decode()


def member_of(services: Services, world: World, uscc: str, username: str) -> str:
    """A bidder user in the organisation with that credit code (registered if new)."""
    from sqlalchemy import select

    from prex.identity.orm import organisations

    with services.read_session() as session:
        row = session.execute(
            select(organisations.c.id).where(organisations.c.uscc == uscc)
        ).first()
    org_id = (
        row.id
        if row
        else identity.register_organisation(
            services.uow(ADMIN_ACTOR),
            uscc=uscc,
            name=f"证书单位 {uscc[-4:]}",
            centre_id=world.centre_id,
            kinds=["bidder"],
        )
    )
    identity.create_user(
        services.uow(ADMIN_ACTOR),
        username=username,
        password=PASSWORD,
        display_name=f"{username} 用户",
        roles=["bidder"],
        org_id=org_id,
        centre_id=world.centre_id,
    )
    return org_id


def signed_challenge(
    client: TestClient,
    world: PkiWorld,
    leaf: str,
    algorithm: str,
    purpose: str,
    tmp: Path,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Ask for a challenge and answer it with the leaf's key, signed by openssl."""
    challenge = client.post(
        "/api/v1/certificate-challenges", json={"purpose": purpose}, headers=headers or {}
    )
    assert challenge.status_code == 201, challenge.text
    body = challenge.json()
    issued = world.leaves[leaf]
    return {
        "challenge_id": body["challenge_id"],
        "certificate": issued.cert.read_text(),
        "chain": [p.read_text() for p in issued.chain],
        "signature": openssl_sign(issued.key, body["message"].encode(), algorithm, tmp),
        "algorithm": algorithm,
    }


def bind(
    client: TestClient,
    services: Services,
    world: PkiWorld,
    username: str,
    leaf: str,
    algorithm: str,
    tmp: Path,
) -> Any:
    headers = auth(services, username)
    proof = signed_challenge(client, world, leaf, algorithm, "bind", tmp, headers)
    return client.post("/api/v1/me/certificates", json=proof, headers=headers)
