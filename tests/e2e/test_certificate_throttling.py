"""Certificate sign-in is throttled and locked out like password sign-in (prex.identity.lockout):
failures count against the certificate presented and the caller's address; past the limit the
answer is 429 `sign-in-throttled` with Retry-After before any signature or path is checked;
lock-outs are audited; a success forgets the certificate's failures. OpenSSL-made certificates,
signatures by the openssl CLI, over the real API and the real sign-in page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from prex.audit.orm import audit_log
from prex.bootstrap import Services
from prex.shared.clock import FixedClock
from tests.factories import PASSWORD, World
from tests.pki_helpers import bind, member_of, signed_challenge, trust_world
from tests.pki_openssl import PkiWorld

LEAF, ALGORITHM = "rsa-org", "rsa-pkcs1-sha256"
SIGN_IN = "/api/v1/session/certificate"


def _audit(services: Services, action: str) -> list[Any]:
    with services.read_session() as session:
        return list(
            session.execute(
                select(
                    audit_log.c.object_type,
                    audit_log.c.object_id,
                    audit_log.c.address,
                    audit_log.c.payload,
                )
                .where(audit_log.c.action == action)
                .order_by(audit_log.c.seq)
            )
        )


def _forged(client: TestClient, pki: PkiWorld, tmp: Path) -> dict[str, Any]:
    """A proof for the bound certificate whose signature is over another challenge."""
    proof = signed_challenge(client, pki, LEAF, ALGORITHM, "login", tmp)
    other = signed_challenge(client, pki, LEAF, ALGORITHM, "login", tmp)
    return {**proof, "signature": other["signature"]}


def test_five_bad_signatures_lock_the_certificate_until_the_pause_ends(
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    tmp_path: Path,
    clock: FixedClock,
) -> None:
    trust_world(services, pki_world)
    member_of(services, world, pki_world.uscc[LEAF], "certlock")
    assert (
        bind(client, services, pki_world, "certlock", LEAF, ALGORITHM, tmp_path).status_code == 201
    )
    for _ in range(5):
        refused = client.post(SIGN_IN, json=_forged(client, pki_world, tmp_path))
        assert refused.status_code == 401 and "does not verify" in refused.json()["detail"]
    locked = _audit(services, "AccountLocked")
    assert len(locked) == 1
    assert locked[0].object_type == "user" and locked[0].address == "testclient"
    assert locked[0].payload["event"]["username"].startswith("cert:")

    right = client.post(SIGN_IN, json=signed_challenge(client, pki_world, LEAF, ALGORITHM,
                                                       "login", tmp_path))  # fmt: skip
    wrong = client.post(SIGN_IN, json=_forged(client, pki_world, tmp_path))
    assert right.status_code == wrong.status_code == 429
    assert right.headers["Retry-After"] == wrong.headers["Retry-After"] == str(15 * 60)
    assert right.json()["type"] == "/problems/sign-in-throttled"
    assert {**right.json(), "request_id": None} == {**wrong.json(), "request_id": None}
    # refused before the challenge is even looked up: an unknown one answers the same
    unknown = signed_challenge(client, pki_world, LEAF, ALGORITHM, "login", tmp_path)
    assert client.post(SIGN_IN, json={**unknown, "challenge_id": "0" * 26}).status_code == 429
    reasons = [r.payload["event"]["reason"] for r in _audit(services, "CertificateSignInRefused")]
    assert reasons.count("throttled") == 3
    assert _audit(services, "CertificateSignedIn") == []

    clock.advance(timedelta(minutes=15, seconds=1))  # the lock ends by itself
    proof = signed_challenge(client, pki_world, LEAF, ALGORITHM, "login", tmp_path)
    assert client.post(SIGN_IN, json=proof).status_code == 200
    for _ in range(4):  # the success forgot the failures: four more do not lock
        assert client.post(SIGN_IN, json=_forged(client, pki_world, tmp_path)).status_code == 401
    proof = signed_challenge(client, pki_world, LEAF, ALGORITHM, "login", tmp_path)
    assert client.post(SIGN_IN, json=proof).status_code == 200


def test_a_revoked_certificate_locks_itself_and_not_the_others(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, tmp_path: Path
) -> None:
    trust_world(services, pki_world)
    member_of(services, world, pki_world.uscc[LEAF], "certok")
    assert bind(client, services, pki_world, "certok", LEAF, ALGORITHM, tmp_path).status_code == 201
    statuses = []
    for _ in range(6):
        proof = signed_challenge(client, pki_world, "rsa-revoked", ALGORITHM, "login", tmp_path)
        statuses.append(client.post(SIGN_IN, json=proof).status_code)
    assert statuses == [401] * 5 + [429]
    locked = _audit(services, "AccountLocked")
    assert [r.object_type for r in locked] == ["certificate"]  # bound to no account
    proof = signed_challenge(client, pki_world, LEAF, ALGORITHM, "login", tmp_path)
    assert client.post(SIGN_IN, json=proof).status_code == 200  # another certificate


def test_one_address_failing_with_many_certificates_is_throttled_passwords_too(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, tmp_path: Path
) -> None:
    trust_world(services, pki_world)
    member_of(services, world, pki_world.uscc[LEAF], "certspray")
    assert (
        bind(client, services, pki_world, "certspray", LEAF, ALGORITHM, tmp_path).status_code == 201
    )
    proof = signed_challenge(client, pki_world, LEAF, ALGORITHM, "login", tmp_path)
    garbage = {**proof, "certificate": "not a certificate", "chain": []}
    statuses = [client.post(SIGN_IN, json=garbage).status_code for _ in range(20)]
    assert statuses == [401] * 20  # login_address_burst, counted against the address alone
    refused = client.post(SIGN_IN, json=proof)  # a right proof, from this address
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    password = client.post("/api/v1/session", json={"username": "bidder", "password": PASSWORD})
    assert password.status_code == 429  # the same bucket as password failures


def test_the_certificate_sign_in_page_shows_the_pause_with_retry_after(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, tmp_path: Path
) -> None:
    trust_world(services, pki_world)
    member_of(services, world, pki_world.uscc[LEAF], "certpage")
    assert (
        bind(client, services, pki_world, "certpage", LEAF, ALGORITHM, tmp_path).status_code == 201
    )

    def form(proof: dict[str, Any]) -> dict[str, str]:
        return {k: proof[k] for k in ("challenge_id", "signature", "algorithm")} | {
            "certificate": proof["certificate"] + "".join(proof["chain"])
        }

    for _ in range(5):
        page = client.post("/login/certificate", data=form(_forged(client, pki_world, tmp_path)))
        assert page.status_code == 401
    proof = signed_challenge(client, pki_world, LEAF, ALGORITHM, "login", tmp_path)
    page = client.post("/login/certificate?lang=en", data=form(proof), follow_redirects=False)
    assert page.status_code == 429
    assert page.headers["Retry-After"] == str(15 * 60)
    assert "prex_session" not in page.cookies
    assert "Too many failed sign-ins" in page.text and "15 minutes" in page.text
