"""Machine clients over HTTP: the OAuth 2.0 client-credentials token endpoint (RFC 6749 §4.4 and
its error format), secret rotation, scopes, per-client rate limits, the client id in the audit
trail, and a broker submitting a bidder's own sealed and signed envelope with that bidder's
signed consent — refused without it, once revoked, outside its scopes, or for another signer."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from prex.bootstrap import Services
from prex.shared.clock import FixedClock
from tests.award_world import Signer, problem
from tests.e2e.test_bid_submission import Bidding
from tests.factories import World, auth, published_tender
from tests.pki_openssl import PkiWorld

TOKEN = "/api/v1/oauth/token"
GRANT = {"grant_type": "client_credentials"}


def register(
    client: TestClient, services: Services, world: World, scopes: list[str], **extra: Any
) -> dict[str, str]:
    response = client.post(
        "/api/v1/integrations",
        json={"name": "经纪门户", "org_id": world.orgs["agency2"], "scopes": scopes, **extra},
        headers=auth(services, "operator"),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def token_of(client: TestClient, registered: dict[str, str], scope: str | None = None) -> str:
    data = {**GRANT, **({"scope": scope} if scope else {})}
    response = client.post(
        TOKEN, data=data, headers=basic(registered["client_id"], registered["client_secret"])
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def oauth_error(response: Any, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = dict(response.json())
    assert body["error"] == error and body["error_description"], body
    assert response.headers["cache-control"] == "no-store"
    return body


def test_tokens_are_issued_by_basic_or_body_and_refused_in_rfc_6749_form(
    client: TestClient, services: Services, world: World
) -> None:
    reg = register(client, services, world, ["public.read", "bid.submit"])
    by_basic = client.post(TOKEN, data=GRANT, headers=basic(reg["client_id"], reg["client_secret"]))
    assert by_basic.status_code == 200, by_basic.text
    body = by_basic.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "bid.submit public.read"
    by_post = client.post(
        TOKEN,
        data={
            **GRANT,
            "client_id": reg["client_id"],
            "client_secret": reg["client_secret"],
            "scope": "public.read",
        },
    )
    assert by_post.status_code == 200 and by_post.json()["scope"] == "public.read"
    assert by_post.json()["access_token"] != body["access_token"]

    wrong = client.post(TOKEN, data=GRANT, headers=basic(reg["client_id"], "not-the-secret-1"))
    oauth_error(wrong, 401, "invalid_client")
    assert wrong.headers["www-authenticate"].startswith("Basic")
    unknown = client.post(TOKEN, data=GRANT, headers=basic("01ARZ3NDEKTSV4RRFFQ69G5FAV", "x" * 20))
    oauth_error(unknown, 401, "invalid_client")
    oauth_error(
        client.post(TOKEN, data={"grant_type": "password"}, headers=basic(reg["client_id"], "x")),
        400,
        "unsupported_grant_type",
    )
    oauth_error(client.post(TOKEN, data={}), 400, "invalid_request")
    oauth_error(
        client.post(
            TOKEN,
            data={**GRANT, "scope": "guarantee.issue"},
            headers=basic(reg["client_id"], reg["client_secret"]),
        ),
        400,
        "invalid_scope",
    )
    trail = client.get(
        f"/api/v1/audit/client/{reg['client_id']}", headers=auth(services, "operator")
    ).json()
    actions = [e["action"] for e in trail]
    assert actions[:2] == ["ClientRegistered", "ClientSecretAdded"]
    assert actions.count("ClientTokenIssued") == 2 and actions.count("ClientTokenRefused") == 1


def test_rotation_keeps_both_secrets_until_the_old_one_is_revoked(
    client: TestClient, services: Services, world: World
) -> None:
    reg = register(client, services, world, ["public.read"])
    operator = auth(services, "operator")
    new = client.post(f"/api/v1/integrations/{reg['client_id']}/secrets", headers=operator)
    assert new.status_code == 201, new.text
    successor = new.json()
    old_token = token_of(client, reg)
    new_token = token_of(client, successor)
    third = client.post(f"/api/v1/integrations/{reg['client_id']}/secrets", headers=operator)
    problem(third, 409, "conflict")  # two active secrets at most

    revoked = client.delete(
        f"/api/v1/integrations/{reg['client_id']}/secrets/{reg['secret_id']}", headers=operator
    )
    assert revoked.status_code == 204, revoked.text
    oauth_error(
        client.post(TOKEN, data=GRANT, headers=basic(reg["client_id"], reg["client_secret"])),
        401,
        "invalid_client",
    )
    problem(client.get("/api/v1/oauth/scopes", headers=bearer(old_token)), 401, "unauthenticated")
    assert client.get("/api/v1/oauth/scopes", headers=bearer(new_token)).status_code == 200
    listed = client.get("/api/v1/integrations", headers=operator).json()
    mine = next(c for c in listed if c["client_id"] == reg["client_id"])
    assert {s["id"]: s["revoked_at"] is None for s in mine["secrets"]} == {
        reg["secret_id"]: False,
        successor["secret_id"]: True,
    }
    assert "client_secret" not in str(listed) and reg["client_secret"] not in str(listed)
    # A bidder may not manage clients; the whole client revoked stops its tokens.
    problem(client.get("/api/v1/integrations", headers=auth(services, "bidder")), 403)
    assert (
        client.delete(f"/api/v1/integrations/{reg['client_id']}", headers=operator).status_code
        == 204
    )
    problem(client.get("/api/v1/oauth/scopes", headers=bearer(new_token)), 401)


def test_a_call_outside_the_tokens_scopes_is_refused_naming_the_scope(
    client: TestClient, services: Services, world: World
) -> None:
    tender = published_tender(client, world, auth(services, "agency"))
    reg = register(client, services, world, ["public.read", "bid.submit"])
    reader = token_of(client, reg, "public.read")
    params = f"/api/v1/tenders/{tender['id']}/bid-parameters"
    assert client.get(params, headers=bearer(reader)).status_code == 200
    refused = problem(
        client.post(
            f"/api/v1/tenders/{tender['id']}/bids",
            content=b"x",
            headers=bearer(reader, **{"Idempotency-Key": "k" * 10}),
        ),
        403,
        "insufficient-scope",
    )
    assert refused["scope"] == "bid.submit" and refused["client_id"] == reg["client_id"]
    submitter = token_of(client, reg, "bid.submit")
    refused = problem(client.get(params, headers=bearer(submitter)), 403, "insufficient-scope")
    assert refused["scope"] == "public.read"
    # An action no scope grants (managing clients) is refused even to a full token.
    refused = problem(
        client.get("/api/v1/integrations", headers=bearer(token_of(client, reg))),
        403,
        "insufficient-scope",
    )
    assert "scope" not in refused and "integration.manage" in refused["detail"]
    # Every call is logged with the client id, reads and refusals included.
    log = client.get(
        f"/api/v1/integrations/{reg['client_id']}/calls", headers=auth(services, "operator")
    ).json()
    assert [(c["method"], c["action"], c["outcome"]) for c in reversed(log)] == [
        ("GET", "public.read", "admitted"),
        ("POST", "bid.submit", "insufficient-scope"),
        ("GET", "public.read", "insufficient-scope"),
        ("GET", "integration.manage", "insufficient-scope"),
    ]
    assert log[-1]["path"] == params and log[-1]["address"] == "testclient"


def test_a_client_over_its_rate_is_told_when_to_retry(
    client: TestClient, services: Services, world: World
) -> None:
    reg = register(client, services, world, ["public.read"], rate_per_minute=6, burst=3)
    token = token_of(client, reg)
    for _ in range(3):
        assert client.get("/api/v1/oauth/scopes", headers=bearer(token)).status_code == 200
    limited = client.get("/api/v1/oauth/scopes", headers=bearer(token))
    body = problem(limited, 429, "rate-limited")
    assert int(limited.headers["retry-after"]) == 10 and body["client_id"] == reg["client_id"]
    # Another client's budget is its own.
    other = token_of(client, register(client, services, world, ["public.read"]))
    assert client.get("/api/v1/oauth/scopes", headers=bearer(other)).status_code == 200


@pytest.fixture
def bidding(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, tmp_path: Path
) -> Bidding:
    return Bidding(client, services, world, pki_world, tmp_path)


def _consent(
    bidding: Bidding, client_id: str, user: str, leaf: str, scopes: list[str], days: int = 30
) -> Any:
    client, services = bidding.client, bidding.services
    until = (services.clock.now() + timedelta(days=days)).replace(microsecond=0)
    terms = {"client_id": client_id, "scopes": scopes, "valid_until": until.isoformat()}
    to_sign = client.post("/api/v1/consents/to-sign", json=terms, headers=auth(services, user))
    assert to_sign.status_code == 200, to_sign.text
    signature = Signer(bidding.tmp, leaf=bidding.pki.leaves[leaf]).sign(
        to_sign.json()["to_sign"].encode()
    )
    return client.post(
        "/api/v1/consents", json={**terms, "signature": signature}, headers=auth(services, user)
    )


def test_a_broker_submits_the_bidders_own_envelope_only_with_its_signed_consent(
    bidding: Bidding, clock: FixedClock
) -> None:
    client, services = bidding.client, bidding.services
    world_orgs = {
        name: client.get("/api/v1/me", headers=auth(services, name)).json()["org_id"]
        for name in ("sealer", "gmsealer")
    }
    reg = client.post(
        "/api/v1/integrations",
        json={
            "name": "经纪门户",
            "org_id": world_orgs["gmsealer"],
            "scopes": ["public.read", "bid.submit"],
        },
        headers=auth(services, "admin"),
    )
    assert reg.status_code == 201, reg.text
    broker = reg.json()
    token = token_of(client, broker)
    url = f"/api/v1/tenders/{bidding.tender['id']}/bids"
    envelope = bidding.seal("ecdsa-org").read_bytes()

    def submit(body: bytes, key: str, org: str) -> Any:
        return client.post(
            url,
            content=body,
            headers=bearer(
                token,
                **{
                    "Idempotency-Key": key,
                    "Content-Type": "application/octet-stream",
                    "Prex-On-Behalf-Of": org,
                },
            ),
        )

    # Without consent, and without acting for anyone (the client alone is no bidder).
    problem(submit(envelope, "broker-0000001", world_orgs["sealer"]), 403, "consent-required")
    alone = client.post(
        url, content=envelope, headers=bearer(token, **{"Idempotency-Key": "broker-0000002"})
    )
    problem(alone, 401)

    # A consent signed by another organisation's certificate is refused.
    problem(
        _consent(bidding, broker["client_id"], "sealer", "sm2-org", ["bid.submit"]),
        422,
        "certificate-identity-mismatch",
    )
    granted = _consent(bidding, broker["client_id"], "sealer", "ecdsa-org", ["bid.submit"])
    assert granted.status_code == 201, granted.text
    consent_id = granted.json()["id"]

    receipt = submit(envelope, "broker-0000003", world_orgs["sealer"])
    assert receipt.status_code == 201, receipt.text
    bid_id = receipt.json()["bid_id"]
    mine = client.get(f"{url}/mine", headers=auth(services, "sealer")).json()
    assert [b["id"] for b in mine] == [bid_id]  # the bidder's own bid, submitted by the broker
    trail = client.get(f"/api/v1/audit/bid/{bid_id}", headers=auth(services, "operator")).json()
    assert trail[0]["action"] == "BidReceived"
    assert trail[0]["payload"]["client_id"] == broker["client_id"]
    assert broker["client_id"] in trail[0]["actor_label"]
    calls = client.get(
        f"/api/v1/integrations/{broker['client_id']}/calls", headers=auth(services, "admin")
    ).json()
    assert (calls[0]["on_behalf_of"], calls[0]["outcome"]) == (world_orgs["sealer"], "admitted")
    # The gate admitted the call without a bidder (the route then refused it: 401 above).
    assert [(c["on_behalf_of"], c["outcome"]) for c in calls[1:]] == [
        (None, "admitted"),
        (world_orgs["sealer"], "consent-required"),
    ]
    consent_trail = client.get(
        f"/api/v1/audit/consent/{consent_id}", headers=auth(services, "operator")
    ).json()
    assert consent_trail[0]["action"] == "ConsentGranted"
    assert "client_id" not in consent_trail[0]["payload"]  # the bidder itself granted it

    # The broker can never sign for the bidder: an envelope signed by another organisation
    # (the broker's own) is refused even with the consent.
    foreign = bidding.seal("sm2-org").read_bytes()
    refused = submit(foreign, "broker-0000004", world_orgs["sealer"])
    assert refused.status_code in (403, 422), refused.text
    assert refused.json()["type"].startswith("/problems/")
    # Acting for an organisation that gave no consent (the envelope's own) is refused too.
    problem(submit(foreign, "broker-0000005", world_orgs["gmsealer"]), 403, "consent-required")
    # Legal acts stay the bidder's: no scope lets a client object or complain.
    objection = client.post(
        f"/api/v1/tenders/{bidding.tender['id']}/challenges",
        json={},
        headers=bearer(token, **{"Prex-On-Behalf-Of": world_orgs["sealer"]}),
    )
    problem(objection, 403, "insufficient-scope")

    # Another bidder may not revoke it; the bidder does, and the broker is refused at once.
    problem(client.delete(f"/api/v1/consents/{consent_id}", headers=auth(services, "bidder")), 403)
    assert (
        client.delete(
            f"/api/v1/consents/{consent_id}", headers=auth(services, "sealer")
        ).status_code
        == 204
    )
    problem(submit(envelope, "broker-0000006", world_orgs["sealer"]), 403, "consent-required")
    listed = client.get("/api/v1/consents", headers=auth(services, "sealer")).json()
    assert listed[0]["id"] == consent_id and listed[0]["revoked_at"] is not None


def test_a_consent_covers_only_the_clients_acting_scopes(
    bidding: Bidding,
) -> None:
    client, services = bidding.client, bidding.services
    agency = client.get("/api/v1/me", headers=auth(services, "agency")).json()["org_id"]
    reg = client.post(
        "/api/v1/integrations",
        json={"name": "只读", "org_id": agency, "scopes": ["public.read"]},
        headers=auth(services, "admin"),
    )
    assert reg.status_code == 201, reg.text
    refused = client.post(
        "/api/v1/consents/to-sign",
        json={
            "client_id": reg.json()["client_id"],
            "scopes": ["bid.submit"],
            "valid_until": (services.clock.now() + timedelta(days=3)).isoformat(),
        },
        headers=auth(services, "sealer"),
    )
    problem(refused, 422, "invalid-input")


def test_the_operators_page_lists_clients_without_their_secrets(
    client: TestClient, services: Services, world: World
) -> None:
    reg = register(client, services, world, ["public.read"])
    page = client.get("/integrations", headers=auth(services, "operator"))
    assert page.status_code == 200, page.text
    assert "系统对接" in page.text and reg["client_id"] in page.text
    assert "每分钟 120 次" in page.text and reg["client_secret"] not in page.text
    refused = client.get("/integrations", headers=auth(services, "bidder"))
    assert refused.status_code == 403
