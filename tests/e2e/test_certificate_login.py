"""Certificate login over HTTP: bind a certificate, then sign challenges with the openssl CLI
(RSA PKCS#1 v1.5 and PSS, ECDSA, SM2 with SM3) to obtain a token. Refusals are problem
documents with reasons, every attempt is audited, and a nonce opens at most one session."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from prex.audit.orm import audit_log
from prex.bootstrap import Services
from prex.pki.service import find_ca, set_ca_status
from tests.custodians import CA_LABEL
from tests.factories import World, auth
from tests.pki_helpers import OPERATOR, bind, member_of, signed_challenge, trust_world
from tests.pki_openssl import PkiWorld

CASES = [
    ("rsa-org", "rsa-pkcs1-sha256"),
    ("rsa-pss", "rsa-pss-sha256"),
    ("ecdsa-org", "ecdsa-sha256"),
    ("ecdsa-p384", "ecdsa-sha384"),
    ("sm2-org", "sm2-sm3"),
]


@pytest.mark.parametrize(("leaf", "algorithm"), CASES)
def test_bind_then_log_in_with_each_kind_of_certificate(
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    tmp_path: Path,
    leaf: str,
    algorithm: str,
) -> None:
    trust_world(services, pki_world)
    member_of(services, world, pki_world.uscc[leaf], "certuser")
    bound = bind(client, services, pki_world, "certuser", leaf, algorithm, tmp_path)
    assert bound.status_code == 201, bound.text
    assert bound.json()["identity_display"] == pki_world.uscc[leaf]

    proof = signed_challenge(client, pki_world, leaf, algorithm, "login", tmp_path)
    token = client.post("/api/v1/session/certificate", json=proof)
    assert token.status_code == 200, token.text
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json()['token']}"})
    assert me.status_code == 200 and "certuser" in me.json()["label"]

    replay = client.post("/api/v1/session/certificate", json=proof)
    assert replay.status_code == 401
    assert "used already" in replay.json()["detail"]


def test_a_certificate_of_another_organisation_cannot_be_bound(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, tmp_path: Path
) -> None:
    trust_world(services, pki_world)
    member_of(services, world, pki_world.uscc["ecdsa-org"], "someone")
    response = bind(client, services, pki_world, "someone", "rsa-org", "rsa-pkcs1-sha256", tmp_path)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/certificate-identity-mismatch"
    assert pki_world.uscc["rsa-org"] in problem["detail"]
    assert client.get("/api/v1/me/certificates", headers=auth(services, "someone")).json() == []


def test_an_unbound_or_refused_certificate_opens_no_session_and_is_audited(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, tmp_path: Path
) -> None:
    ids = trust_world(services, pki_world)
    member_of(services, world, pki_world.uscc["sm2-org"], "smuser")
    proof = signed_challenge(client, pki_world, "sm2-org", "sm2-sm3", "login", tmp_path)
    unbound = client.post("/api/v1/session/certificate", json=proof)
    assert unbound.status_code == 401 and "not bound" in unbound.json()["detail"]

    assert (
        bind(client, services, pki_world, "smuser", "sm2-org", "sm2-sm3", tmp_path).status_code
        == 201
    )
    set_ca_status(services.uow(OPERATOR), ids["sm2-int"], "suspended", "密钥管理检查")
    proof = signed_challenge(client, pki_world, "sm2-org", "sm2-sm3", "login", tmp_path)
    suspended = client.post("/api/v1/session/certificate", json=proof)
    assert suspended.status_code == 401
    assert suspended.json()["reason"] == "ca-suspended"
    assert "密钥管理检查" in suspended.json()["detail"]

    with services.read_session() as session:
        actions = [
            r.action
            for r in session.execute(select(audit_log.c.action).order_by(audit_log.c.seq)).all()
        ]
    assert actions.count("CertificateSignInRefused") == 2
    assert "CaStatusChanged" in actions and "CertificateBound" in actions


def test_a_wrong_signature_and_a_revoked_certificate_are_refused(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, tmp_path: Path
) -> None:
    trust_world(services, pki_world)
    member_of(services, world, pki_world.uscc["rsa-revoked"], "revokeduser")
    proof = signed_challenge(client, pki_world, "rsa-org", "rsa-pkcs1-sha256", "login", tmp_path)
    proof["certificate"] = pki_world.leaves["ecdsa-org"].cert.read_text()  # swapped certificate
    proof["chain"] = [p.read_text() for p in pki_world.leaves["ecdsa-org"].chain]
    swapped = client.post("/api/v1/session/certificate", json=proof)
    assert swapped.status_code == 401 and "does not verify" in swapped.json()["detail"]

    response = bind(
        client, services, pki_world, "revokeduser", "rsa-revoked", "rsa-pkcs1-sha256", tmp_path
    )
    assert response.status_code == 422
    assert response.json()["reason"] == "revoked"


def test_the_trust_list_is_public_and_managed_by_operators(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld
) -> None:
    pem = pki_world.cas["ecdsa"].cert.read_text()
    bidder = client.post(
        "/api/v1/cas", json={"certificates": pem}, headers=auth(services, "bidder")
    )
    assert bidder.status_code == 403
    added = client.post(
        "/api/v1/cas",
        json={"certificates": pem, "purposes": ["login"], "profile": ["uscc:OU"]},
        headers=auth(services, "operator"),
    )
    assert added.status_code == 201, added.text
    ca_id = added.json()[0]["id"]
    listed = [c for c in client.get("/api/v1/cas").json() if c["label"] != CA_LABEL]
    assert [c["purposes"] for c in listed] == [["login"]]
    changed = client.post(
        f"/api/v1/cas/{ca_id}/status",
        json={"status": "withdrawn"},
        headers=auth(services, "operator"),
    )
    assert changed.status_code == 200 and changed.json()["status"] == "withdrawn"
    again = client.post(
        f"/api/v1/cas/{ca_id}/status", json={"status": "active"}, headers=auth(services, "operator")
    )
    assert again.status_code == 409
    assert find_ca(services.pki.trust_list(), ca_id).status.value == "withdrawn"


def test_certificate_check_endpoint_answers_with_a_verdict(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld
) -> None:
    trust_world(services, pki_world)
    headers = auth(services, "bidder")
    ok = client.post(
        "/api/v1/certificates/verify",
        headers=headers,
        json={"certificate": pki_world.leaves["sm2-person"].cert.read_text()},
    )
    assert ok.status_code == 200 and ok.json()["trusted"] is True
    assert ok.json()["holder"]["kind"] == "person"
    expired = client.post(
        "/api/v1/certificates/verify",
        headers=headers,
        json={"certificate": pki_world.leaves["rsa-expired"].cert.read_text()},
    )
    assert expired.json() == {**expired.json(), "trusted": False, "reason": "expired"}
    garbage = client.post(
        "/api/v1/certificates/verify",
        headers=headers,
        json={"certificate": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"},
    )
    assert garbage.status_code == 422
    assert garbage.json()["type"] == "/problems/bad-certificate"
