"""The Python SDK (clients/python) against a real prex served by uvicorn on loopback: a machine
client's token, public reads, a sealed bid submitted for a consenting bidder, problem documents
raised as ``ProblemError`` with their type and extensions, tokens renewed before they expire,
429s waited out (a bounded number of times), and calls the operation table rules out refused
before anything is sent.

SQLite only (``backend`` is pinned): the SDK is a client of the HTTP API, whose answers do not
depend on the database (every route runs on PostgreSQL in the other e2e files).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prex_client import InvalidCall, PrexClient, ProblemError, TokenError

from prex.bootstrap import Services
from tests.conftest import REPO_ROOT
from tests.e2e.test_bid_submission import Bidding
from tests.e2e.test_integrations import _consent, register
from tests.factories import World, auth, project_body, tender_body, token_for
from tests.live_server import serve
from tests.pki_openssl import PkiWorld

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def bidding(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, tmp_path: Path
) -> Bidding:
    return Bidding(client, services, world, pki_world, tmp_path)


@pytest.fixture
def base_url(services: Services) -> Iterator[str]:
    with serve(services) as url:
        yield url


def calls_of(client: TestClient, services: Services, client_id: str) -> list[dict[str, Any]]:
    response = client.get(
        f"/api/v1/integrations/{client_id}/calls", headers=auth(services, "admin")
    )
    assert response.status_code == 200, response.text
    return list(response.json())


@SQLITE_ONLY
def test_a_broker_reads_and_submits_for_a_consenting_bidder_through_the_sdk(
    bidding: Bidding, base_url: str
) -> None:
    client, services = bidding.client, bidding.services
    orgs = {
        name: client.get("/api/v1/me", headers=auth(services, name)).json()["org_id"]
        for name in ("sealer", "gmsealer")
    }
    registered = client.post(
        "/api/v1/integrations",
        json={
            "name": "经纪门户",
            "org_id": orgs["gmsealer"],
            "scopes": ["public.read", "bid.submit"],
        },
        headers=auth(services, "admin"),
    )
    assert registered.status_code == 201, registered.text
    broker = registered.json()
    tender_id = bidding.tender["id"]
    envelope = bidding.seal("ecdsa-org").read_bytes()

    with PrexClient(
        base_url, client_id=broker["client_id"], client_secret=broker["client_secret"]
    ) as prex:
        assert set(prex.scopes) == {"bid.submit", "public.read"}
        listed = prex.ops.tenders_list_tenders(limit=50)
        assert tender_id in [t["id"] for t in listed["items"]]
        parameters = prex.call("bidding_bid_parameters_of", tender_id=tender_id)
        direct = client.get(f"/api/v1/tenders/{tender_id}/bid-parameters").json()
        # The same parameters (each answer signed anew: ECDSA signatures differ).
        assert {k: v for k, v in parameters.items() if k != "platform_signature"} == {
            k: v for k, v in direct.items() if k != "platform_signature"
        }

        # Without the bidder's consent: the problem document, as a ProblemError.
        with pytest.raises(ProblemError) as refused:
            prex.on_behalf_of(orgs["sealer"]).ops.bidding_submit_bid(
                tender_id=tender_id, idempotency_key="sdk-0000001", content=envelope
            )
        assert (refused.value.status, refused.value.type) == (403, "/problems/consent-required")
        assert refused.value.slug == "consent-required" and refused.value.detail

        granted = _consent(bidding, broker["client_id"], "sealer", "ecdsa-org", ["bid.submit"])
        assert granted.status_code == 201, granted.text
        with prex.on_behalf_of(orgs["sealer"]) as bidder:
            receipt = bidder.ops.bidding_submit_bid(
                tender_id=tender_id, idempotency_key="sdk-0000002", content=envelope
            )
        mine = client.get(
            f"/api/v1/tenders/{tender_id}/bids/mine", headers=auth(services, "sealer")
        ).json()
        assert [b["id"] for b in mine] == [receipt["bid_id"]]
        trail = client.get(
            f"/api/v1/audit/bid/{receipt['bid_id']}", headers=auth(services, "operator")
        ).json()
        assert trail[0]["payload"]["client_id"] == broker["client_id"]
        # The parent client still acts as itself (no Prex-On-Behalf-Of leaks into it).
        assert prex.acting_for is None
        assert calls_of(client, services, broker["client_id"])[0]["on_behalf_of"] == orgs["sealer"]

        # Problems keep their extensions: the scope a call needs, validation errors.
        with pytest.raises(ProblemError) as outside:
            prex.ops.integrations_list_clients()
        assert outside.value.type == "/problems/insufficient-scope"
        assert outside.value.extensions["client_id"] == broker["client_id"]
        with pytest.raises(ProblemError) as invalid:
            prex.ops.tenders_list_tenders(limit=1000)
        assert (invalid.value.status, invalid.value.type) == (422, "/problems/invalid-input")
        assert invalid.value["errors"][0]["loc"] == ["query", "limit"]

        # Calls the table rules out never reach prex.
        logged = len(calls_of(client, services, broker["client_id"]))
        with pytest.raises(
            InvalidCall, match="unknown operation 'tenders_get_tendr'.*tenders_get_tender"
        ):
            prex.call("tenders_get_tendr", tender_id=tender_id)
        with pytest.raises(InvalidCall, match="missing path parameter tender_id"):
            prex.call("tenders_get_tender")
        with pytest.raises(InvalidCall, match="no query parameter 'colour'"):
            prex.call("tenders_list_tenders", params={"colour": "red"})
        with pytest.raises(InvalidCall, match="missing header Idempotency-Key"):
            prex.call("bidding_submit_bid", tender_id=tender_id, content=envelope)
        with pytest.raises(InvalidCall, match="takes no body, not json"):
            prex.call("tenders_get_tender", tender_id=tender_id, json={"x": 1})
        assert len(calls_of(client, services, broker["client_id"])) == logged


@SQLITE_ONLY
def test_tokens_are_renewed_and_rate_limits_waited_out(
    client: TestClient, services: Services, world: World, base_url: str
) -> None:
    reg = register(client, services, world, ["public.read"], rate_per_minute=60, burst=1)
    monotonic = [1000.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    prex = PrexClient(
        base_url,
        client_id=reg["client_id"],
        client_secret=reg["client_secret"],
        clock=lambda: monotonic[0],
        sleep=sleep,
    )
    assert prex.ops.integrations_scope_table()
    assert prex.ops.integrations_scope_table()  # over the burst: 429, Retry-After 1, again
    assert slept == [1.0]
    monotonic[0] += 3600 - 30  # inside the renewal margin: a new token before the next call
    time.sleep(1.0)
    prex.ops.system_health()
    trail = client.get(
        f"/api/v1/audit/client/{reg['client_id']}", headers=auth(services, "operator")
    ).json()
    assert [e["action"] for e in trail].count("ClientTokenIssued") == 2
    # prex's clock runs ahead of the client's: prex has expired the token the client still
    # trusts. The 401 makes the client fetch a new one, once, and the call goes through.
    services.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    assert prex.ops.system_health()
    trail = client.get(
        f"/api/v1/audit/client/{reg['client_id']}", headers=auth(services, "operator")
    ).json()
    assert [e["action"] for e in trail].count("ClientTokenIssued") == 3

    # Bounded: with no retries left the 429 is the caller's, with its Retry-After.
    time.sleep(1.0)
    impatient = PrexClient(
        base_url, client_id=reg["client_id"], client_secret=reg["client_secret"], max_retries=0
    )
    impatient.ops.system_health()
    with pytest.raises(ProblemError) as limited:
        impatient.ops.system_health()
    assert limited.value.type == "/problems/rate-limited"
    assert limited.value.extensions["retry_after"] >= 1
    impatient.close()
    prex.close()

    wrong = PrexClient(base_url, client_id=reg["client_id"], client_secret="wrong-secret-1")
    with wrong, pytest.raises(TokenError) as refused:
        wrong.ops.system_health()
    assert (refused.value.status, refused.value.error) == (401, "invalid_client")


def _run_outside(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter that has the SDK on its path (and not prex's src)."""
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "clients" / "python"), **env}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


@SQLITE_ONLY
def test_the_documented_example_runs_against_a_live_prex(bidding: Bidding, base_url: str) -> None:
    text = (REPO_ROOT / "docs" / "integration.md").read_text(encoding="utf-8")
    example = text.split("<!-- sdk-example -->\n```python\n", 1)[1].split("```", 1)[0]
    client, services = bidding.client, bidding.services
    orgs = {
        name: client.get("/api/v1/me", headers=auth(services, name)).json()["org_id"]
        for name in ("sealer", "gmsealer")
    }
    broker = client.post(
        "/api/v1/integrations",
        json={
            "name": "经纪门户",
            "org_id": orgs["gmsealer"],
            "scopes": ["public.read", "bid.submit"],
        },
        headers=auth(services, "admin"),
    ).json()
    env = {
        "PREX_URL": base_url,
        "PREX_CLIENT_ID": broker["client_id"],
        "PREX_CLIENT_SECRET": broker["client_secret"],
        "PREX_BIDDER_ORG": orgs["sealer"],
    }
    first = _run_outside(example, **env)
    assert first.returncode == 0, first.stderr
    assert "token scopes: bid.submit public.read" in first.stdout
    assert bidding.tender["id"] in first.stdout
    assert "no consent yet:" in first.stdout
    assert "422 /problems/invalid-input ['query', 'limit']" in first.stdout

    granted = _consent(bidding, broker["client_id"], "sealer", "ecdsa-org", ["bid.submit"])
    assert granted.status_code == 201, granted.text
    second = _run_outside(example, **env)
    assert second.returncode == 0, second.stderr
    assert "the bidder's bids: []" in second.stdout

    # The SDK stands alone: importing it loads nothing of prex.
    alone = _run_outside(
        "import sys, prex_client, prex_client.webhooks\n"
        "assert not [m for m in sys.modules if m == 'prex' or m.startswith('prex.')]"
    )
    assert alone.returncode == 0, alone.stderr


@SQLITE_ONLY
def test_a_users_session_token_drives_json_multipart_and_binary_operations(
    services: Services, world: World, base_url: str
) -> None:
    with PrexClient(base_url, token=token_for(services, "agency")) as agency:
        assert agency.ops.identity_me()["org_id"] == world.orgs["agency"]
        project = agency.ops.tenders_register_project(json=project_body(world))
        tender = agency.ops.tenders_create_tender(json=tender_body(project["id"], services))
        pdf = b"%PDF-1.4 tender documents via the SDK"
        with_document = agency.ops.tenders_upload_document(
            tender_id=tender["id"], files={"file": ("招标文件.pdf", pdf, "application/pdf")}
        )
        document = with_document["documents"][0]
        published = agency.ops.tenders_publish_tender(tender_id=tender["id"])
        assert published["status"] == "published"
        downloaded = agency.call(
            "tenders_download_document", tender_id=tender["id"], document_id=document["id"]
        )
        assert downloaded == pdf  # not JSON, not text: the bytes
    with PrexClient(base_url) as anonymous:  # the public, no token at all
        listed = anonymous.ops.tenders_list_tenders(q="体育馆")
        assert [t["id"] for t in listed["items"]] == [tender["id"]]
        assert anonymous.scopes == ()
        with pytest.raises(ProblemError) as refused:
            anonymous.ops.tenders_publish_tender(tender_id=tender["id"])
        assert (refused.value.status, refused.value.type) == (401, "/problems/unauthenticated")
