"""Electronic bid guarantees (电子保函) over HTTP, with OpenSSL-made certificates.

A bidder asks the shipped ``certificate`` provider (in-process) or a bank's machine client (scope
``guarantee.issue``, signing with ``openssl cms``) for a guarantee; prex verifies the signed
document and records it as the bid bond. Forged (self-signed, another CA, another organisation's
certificate) and altered documents are refused naming the failed check, with nothing recorded.
The tender's outcome releases the guarantees (the worker tells the provider), a claim act claims
one; a broker without the scope is refused."""

from __future__ import annotations

import base64
import json
import subprocess
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from prex.bidding.orm import bid_bonds
from prex.bootstrap import Services
from prex.guarantees.model import Application, GuaranteeTerms, document_bytes
from prex.guarantees.orm import guarantees
from prex.pki.cms import verify_detached
from prex.shared.clock import FixedClock
from prex.worker import run_once
from tests.award_world import problem
from tests.e2e.test_bid_submission import Bidding
from tests.e2e.test_integrations import _consent, basic, bearer
from tests.factories import World, auth, chain_of
from tests.pki_helpers import member_of
from tests.pki_openssl import PkiWorld

BANK = "ecdsa-p384"  # the guarantor: the in-process provider's certificate and the bank's
BIDDER = "ecdsa-org"  # the bidder ("sealer")


def configure_provider(services: Services, pki: PkiWorld, tmp: Path, leaf: str = BANK) -> None:
    """PREX_GUARANTOR_KEY / PREX_GUARANTOR_CERT: the guarantor's key, certificate and chain."""
    issued = pki.leaves[leaf]
    cert = tmp / f"guarantor-{leaf}.pem"
    cert.write_bytes(issued.cert.read_bytes() + b"".join(p.read_bytes() for p in issued.chain))
    services.settings = services.settings.model_copy(
        update={"guarantor_key": issued.key, "guarantor_cert": cert}
    )


def openssl_cms_sign(data: bytes, cert: Path, key: Path, chain: list[Path], tmp: Path) -> bytes:
    """A detached CMS signature as a bank's own tooling makes it: ``openssl cms -sign``."""
    content, out = tmp / "guarantee.json", tmp / "guarantee.p7s"
    content.write_bytes(data)
    extra: list[str] = []
    if chain:
        bundle = tmp / "chain.pem"
        bundle.write_bytes(b"".join(p.read_bytes() for p in chain))
        extra = ["-certfile", str(bundle)]
    subprocess.run(
        ["openssl", "cms", "-sign", "-binary", "-md", "sha256", "-in", str(content)]
        + ["-signer", str(cert), "-inkey", str(key), *extra, "-outform", "DER", "-out", str(out)],
        check=True,
        capture_output=True,
    )
    return out.read_bytes()


def self_signed(tmp: Path, uscc: str) -> tuple[Path, Path]:
    """A self-signed certificate carrying the bank's own credit code (a forger's)."""
    key, cert = tmp / "forged.key", tmp / "forged.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
        + ["-nodes", "-keyout", str(key), "-out", str(cert), "-days", "30"]
        + ["-subj", f"/C=CN/O=Forged Bank/serialNumber={uscc}/CN=Forged Bank"],
        check=True,
        capture_output=True,
    )
    return cert, key


class Guarantees(Bidding):
    """A published tender, its bidders, the in-process provider configured, and a bank with a
    machine client of scope ``guarantee.issue``."""

    def __init__(
        self, client: TestClient, services: Services, world: World, pki: PkiWorld, tmp: Path
    ) -> None:
        super().__init__(client, services, world, pki, tmp)
        configure_provider(services, pki, tmp)
        self.bank_org = member_of(services, world, pki.uscc[BANK], "banker")
        registered = client.post(
            "/api/v1/integrations",
            json={
                "name": "之江银行保函系统",
                "org_id": self.bank_org,
                "scopes": ["guarantee.issue"],
            },
            headers=auth(services, "operator"),
        )
        assert registered.status_code == 201, registered.text
        self.bank_client = registered.json()
        self.section = self.params.sections[0].id
        self.url = f"/api/v1/tenders/{self.tender['id']}/guarantees"

    def token(self, registered: dict[str, str]) -> str:
        response = self.client.post(
            "/api/v1/oauth/token",
            data={"grant_type": "client_credentials"},
            headers=basic(registered["client_id"], registered["client_secret"]),
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def ask(self, user: str = "sealer", **body: Any) -> Any:
        return self.client.post(
            self.url, json={"section_id": self.section, **body}, headers=auth(self.services, user)
        )

    def bonds(self, user: str = "sealer") -> list[dict[str, Any]]:
        listed = self.client.get(
            f"/api/v1/tenders/{self.tender['id']}/bonds", headers=auth(self.services, user)
        )
        assert listed.status_code == 200, listed.text
        return list(listed.json())

    def counts(self) -> tuple[int, int]:
        with self.services.read_session() as session:
            bonds = session.execute(select(func.count()).select_from(bid_bonds)).scalar_one()
            accepted = session.execute(
                select(func.count())
                .select_from(guarantees)
                .where(guarantees.c.status == "accepted")
            ).scalar_one()
        return int(bonds), int(accepted)


@pytest.fixture
def g(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, tmp_path: Path
) -> Guarantees:
    return Guarantees(client, services, world, pki_world, tmp_path)


def test_the_shipped_provider_issues_and_prex_records_the_bid_bond(
    g: Guarantees, tmp_path: Path
) -> None:
    asked = g.ask(provider="certificate", amount="200000.00")
    assert asked.status_code == 201, asked.text
    view = asked.json()
    assert view["status"] == "accepted" and view["guarantor_uscc"] == g.pki.uscc[BANK]
    assert view["guarantee_number"] == f"EG-{view['id']}"
    application = view["application"]
    assert application["applicant"]["uscc"] == g.pki.uscc[BIDDER]
    assert application["amount"] == "200000.00" and application["tender"]["id"] == g.tender["id"]

    bond = g.bonds()[0]
    assert bond["kind"] == "e_guarantee" and bond["amount"] == "200000.00"
    assert bond["guarantee_number"] == view["guarantee_number"]
    assert bond["valid_until"] == application["cover_until"]
    assert bond["id"] == view["bond_id"]
    # The operator sees it too; the other bidder does not.
    assert len(g.bonds("operator")) == 1
    assert g.bonds("gmsealer") == []
    assert g.client.get(g.url, headers=auth(g.services, "gmsealer")).json() == []

    # The stored document verifies offline with openssl, against the test CA.
    full = g.client.get(f"/api/v1/guarantees/{view['id']}", headers=auth(g.services, "sealer"))
    document = base64.b64decode(full.json()["document"])
    signature = base64.b64decode(full.json()["signature"])
    assert json.loads(document)["act"] == "bid-guarantee"
    (tmp_path / "doc.json").write_bytes(document)
    (tmp_path / "doc.p7s").write_bytes(signature)
    root = g.pki.cas["ecdsa"].cert
    checked = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(tmp_path / "doc.p7s")]
        + ["-content", str(tmp_path / "doc.json"), "-CAfile", str(root), "-purpose", "any"]
        + ["-out", "/dev/null"],
        capture_output=True,
    )
    assert checked.returncode == 0, checked.stderr

    # One active guarantee per section; the other bidder may ask for its own.
    problem(g.ask(provider="certificate"), 409, "conflict")
    assert g.ask("gmsealer", provider="certificate").status_code == 201
    trail = g.client.get(
        f"/api/v1/audit/guarantee/{view['id']}", headers=auth(g.services, "operator")
    ).json()
    assert [e["action"] for e in trail] == ["GuaranteeRequested", "GuaranteeAccepted"]


def test_the_provider_refuses_what_it_cannot_serve_and_bad_requests_are_named(
    g: Guarantees,
) -> None:
    g.services.settings = g.services.settings.model_copy(
        update={"guarantor_max_amount": Decimal("1000.00")}
    )
    refused = problem(g.ask(provider="certificate", amount="2000.00"), 422, "guarantee-refused")
    assert "1000.00" in refused["detail"]
    assert g.bonds() == []
    assert [
        r["status"] for r in g.client.get(g.url, headers=auth(g.services, "sealer")).json()
    ] == ["refused"]
    problem(g.ask(provider="nobody"), 404, "extension-not-found")
    problem(g.ask(), 422, "invalid-input")  # neither provider nor guarantor
    problem(g.ask(provider="certificate", amount="999999999.00"), 422, "invalid-input")  # > 2 %
    problem(g.ask(provider="certificate", section_id="01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404)


def _bank_document(
    g: Guarantees, application: dict[str, Any], binds: Application | None = None, **over: Any
) -> bytes:
    """What the bank's system builds from the application it listed (its own terms); ``binds``
    makes it bind other application fields (a wrong document)."""
    app = Application.from_json(application)
    terms = {
        "guarantor_name": "杭州之江工程咨询有限公司",
        "guarantor_uscc": g.pki.uscc[BANK],
        "guarantee_number": "ZJB-2026-0001",
        "amount": app.amount,
        "valid_from": app.cover_from - timedelta(days=1),
        "valid_until": app.cover_until,
        "issued_at": g.services.clock.now().replace(microsecond=0),
        **over,
    }
    return document_bytes(binds or app, GuaranteeTerms(**terms))


def test_a_banks_client_issues_over_http_and_forgeries_are_refused_naming_the_check(
    g: Guarantees, tmp_path: Path
) -> None:
    asked = g.ask(guarantor_org_id=g.bank_org)
    assert asked.status_code == 201, asked.text
    assert asked.json()["status"] == "requested"
    gid = asked.json()["id"]
    bank = bearer(g.token(g.bank_client))
    pending = g.client.get("/api/v1/guarantees/requests", headers=bank)
    assert pending.status_code == 200, pending.text
    assert [p["id"] for p in pending.json()] == [gid]
    application = pending.json()[0]["application"]
    assert application["act"] == "bid-guarantee-application"

    leaf = g.pki.leaves[BANK]
    good = _bank_document(g, application)

    def post(document: bytes, signature: bytes) -> Any:
        return g.client.post(
            f"/api/v1/guarantees/{gid}/document",
            json={
                "document": base64.b64encode(document).decode(),
                "signature": base64.b64encode(signature).decode(),
            },
            headers=bank,
        )

    def refused(document: bytes, signature: bytes, check: str) -> dict[str, Any]:
        before = g.counts()
        body = problem(post(document, signature), 422, "guarantee-invalid")
        assert body["check"] == check, body
        assert g.counts() == before  # nothing recorded
        return body

    signed = openssl_cms_sign(good, leaf.cert, leaf.key, leaf.chain, tmp_path)
    # Altered: one byte of the signed document changed (the amount's first digit).
    altered = good.replace(b'"amount":"2', b'"amount":"1', 1)
    assert altered != good
    refused(altered, signed, "signature")
    # Not canonical JSON, not JSON at all.
    refused(json.dumps(json.loads(good), indent=1).encode(), signed, "format")
    refused(b"not json", signed, "format")
    # Forged: a self-signed certificate carrying the bank's credit code.
    cert, key = self_signed(tmp_path, g.pki.uscc[BANK])
    body = refused(good, openssl_cms_sign(good, cert, key, [], tmp_path), "certificate")
    assert body["reason"]
    # Forged: a certificate from a CA that is not recognised.
    other = g.pki.leaves["untrusted-org"]
    refused(
        good, openssl_cms_sign(good, other.cert, other.key, other.chain, tmp_path), "certificate"
    )
    # Another organisation's (trusted) certificate signing in the bank's name.
    bidder = g.pki.leaves[BIDDER]
    refused(
        good, openssl_cms_sign(good, bidder.cert, bidder.key, bidder.chain, tmp_path), "guarantor"
    )
    # Rightly signed, but not what was applied for.
    for over, check in (
        ({"amount": Decimal("999999999.00")}, "amount"),
        (
            {"valid_until": date.fromisoformat(application["cover_until"]) - timedelta(days=1)},
            "validity",
        ),
        ({"issued_at": datetime.fromisoformat("2020-01-01T00:00:00+00:00")}, "issued-at"),
    ):
        doc = _bank_document(g, application, **over)
        refused(doc, openssl_cms_sign(doc, leaf.cert, leaf.key, leaf.chain, tmp_path), check)
    wrong = dict(application, section_id="01ARZ3NDEKTSV4RRFFQ69G5FAV")
    doc = _bank_document(g, application, Application.from_json(wrong))
    body = refused(
        doc, openssl_cms_sign(doc, leaf.cert, leaf.key, leaf.chain, tmp_path), "application"
    )
    assert body["fields"] == ["section_id"]
    # Humans cannot post documents; the bidder's own token neither.
    problem(
        g.client.post(
            f"/api/v1/guarantees/{gid}/document",
            json={"document": "eA==", "signature": "eA=="},
            headers=auth(g.services, "sealer"),
        ),
        403,
    )

    accepted = post(good, signed)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    bond = g.bonds()[0]
    assert bond["guarantee_number"] == "ZJB-2026-0001" and bond["kind"] == "e_guarantee"
    assert bond["guarantor"] == "杭州之江工程咨询有限公司"
    problem(post(good, signed), 409, "guarantee-state-conflict")
    assert g.client.get("/api/v1/guarantees/requests", headers=bank).json() == []
    # The acceptance is audited with the bank's client as the actor; the chain verifies.
    trail = g.client.get(f"/api/v1/audit/guarantee/{gid}", headers=auth(g.services, "operator"))
    accepted_entry = [e for e in trail.json() if e["action"] == "GuaranteeAccepted"][0]
    assert g.bank_client["client_id"] in json.dumps(accepted_entry, ensure_ascii=False)
    assert chain_of(g.services).ok

    # The same number twice from the same guarantor is refused (the other bidder's request).
    second = g.ask("gmsealer", guarantor_org_id=g.bank_org).json()["id"]
    listed = g.client.get("/api/v1/guarantees/requests", headers=bank).json()
    again = _bank_document(g, listed[0]["application"])
    sig = openssl_cms_sign(again, leaf.cert, leaf.key, leaf.chain, tmp_path)
    gid = second
    refused(again, sig, "number")


def test_a_client_without_the_scope_is_refused_and_a_broker_requests_with_consent(
    g: Guarantees,
) -> None:
    broker_org = g.client.get("/api/v1/me", headers=auth(g.services, "gmsealer")).json()["org_id"]
    registered = g.client.post(
        "/api/v1/integrations",
        json={"name": "经纪门户", "org_id": broker_org, "scopes": ["bid.submit"]},
        headers=auth(g.services, "operator"),
    )
    assert registered.status_code == 201, registered.text
    broker = registered.json()
    token = g.token(broker)
    body = problem(
        g.client.get("/api/v1/guarantees/requests", headers=bearer(token)),
        403,
        "insufficient-scope",
    )
    assert body["scope"] == "guarantee.issue"
    problem(
        g.client.post(
            "/api/v1/guarantees/01ARZ3NDEKTSV4RRFFQ69G5FAV/document",
            json={"document": "eA==", "signature": "eA=="},
            headers=bearer(token),
        ),
        403,
        "insufficient-scope",
    )
    problem(g.client.get("/api/v1/guarantees/requests"), 401)
    problem(g.client.get("/api/v1/guarantees/requests", headers=auth(g.services, "sealer")), 403)

    # With the bidder's signed consent (scope bid.submit) the broker requests for it.
    consent = _consent(g, broker["client_id"], "sealer", BIDDER, ["bid.submit"])
    assert consent.status_code == 201, consent.text
    sealer_org = g.client.get("/api/v1/me", headers=auth(g.services, "sealer")).json()["org_id"]
    asked = g.client.post(
        g.url,
        json={"section_id": g.section, "provider": "certificate"},
        headers=bearer(token, **{"Prex-On-Behalf-Of": sealer_org}),
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["applicant_org_id"] == sealer_org
    assert asked.json()["status"] == "accepted"


def test_cancellation_releases_through_the_worker_once(g: Guarantees) -> None:
    mine = g.ask(provider="certificate").json()
    theirs = g.ask("gmsealer", guarantor_org_id=g.bank_org).json()
    bank = bearer(g.token(g.bank_client))
    application = g.client.get("/api/v1/guarantees/requests", headers=bank).json()[0]
    leaf = g.pki.leaves[BANK]
    doc = _bank_document(g, application["application"])
    sig = openssl_cms_sign(doc, leaf.cert, leaf.key, leaf.chain, g.tmp)
    posted = g.client.post(
        f"/api/v1/guarantees/{theirs['id']}/document",
        json={
            "document": base64.b64encode(doc).decode(),
            "signature": base64.b64encode(sig).decode(),
        },
        headers=bank,
    )
    assert posted.status_code == 200, posted.text
    cancelled = g.client.post(
        f"/api/v1/tenders/{g.tender['id']}/cancel",
        json={"reason": "项目取消"},
        headers=auth(g.services, "agency"),
    )
    assert cancelled.status_code == 200, cancelled.text
    assert run_once(g.services).guarantees == 2
    assert run_once(g.services).guarantees == 0  # idempotent: nothing left to do
    view = g.client.get(f"/api/v1/guarantees/{mine['id']}", headers=auth(g.services, "sealer"))
    settled = view.json()
    assert settled["status"] == "released"
    assert settled["outcome"]["reason"] == "tender-cancelled"
    assert settled["outcome"]["receipt"]["reference"].startswith("release-")
    notice = base64.b64decode(settled["notice"])
    assert json.loads(notice)["act"] == "bid-guarantee-release"
    check = verify_detached(notice, base64.b64decode(settled["notice_signature"]))
    assert check.signer == g.services.pki.platform_keys().signing_certificate
    # The bank's client finds the signed release notice of the guarantee it issued.
    served = g.client.get("/api/v1/guarantees/requests?status=released", headers=bank).json()
    assert [s["id"] for s in served] == [theirs["id"]] and served[0]["notice"]
    problem(g.client.get("/api/v1/guarantees/requests?status=nope", headers=bank), 422)


def test_a_claim_on_a_statutory_ground_is_settled_with_the_provider(
    g: Guarantees, clock: FixedClock
) -> None:
    gid = g.ask(provider="certificate").json()["id"]
    url = f"/api/v1/guarantees/{gid}/claim"
    claim = {"reason": "withdrawn-after-deadline", "facts": "投标截止后书面撤回投标文件"}
    tenderer = auth(g.services, "tenderer")
    # Not before the deadline; never by a bidder.
    problem(g.client.post(url, json=claim, headers=tenderer), 409, "conflict")
    problem(g.client.post(url, json=claim, headers=auth(g.services, "sealer")), 403)
    for n, (leaf, user) in enumerate(
        ((BIDDER, "sealer"), ("sm2-org", "gmsealer"), (BANK, "banker"))
    ):
        assert g.submit(g.seal(leaf), f"claim-bid-{n}-0001", user).status_code == 201
    clock.set(datetime.fromisoformat(g.tender["bid_deadline"]) + timedelta(seconds=1))
    run_once(g.services)
    assert g.client.get(f"/api/v1/tenders/{g.tender['id']}").json()["status"] == "opening"
    # 第七十四条 is the winner's: nobody was awarded yet.
    problem(
        g.client.post(url, json={**claim, "reason": "contract-refused"}, headers=tenderer),
        409,
        "conflict",
    )
    problem(g.client.post(url, json={**claim, "reason": "because"}, headers=tenderer), 422)
    claimed = g.client.post(url, json=claim, headers=tenderer)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["status"] == "claiming"
    problem(g.client.post(url, json=claim, headers=tenderer), 409, "guarantee-state-conflict")
    assert run_once(g.services).guarantees == 1
    view = g.client.get(f"/api/v1/guarantees/{gid}", headers=auth(g.services, "operator")).json()
    assert view["status"] == "claimed" and view["outcome"]["receipt"]["reference"].startswith(
        "claim-"
    )
    notice = json.loads(base64.b64decode(view["notice"]))
    assert notice["act"] == "bid-guarantee-claim" and "第三十五条" in notice["basis"]


def test_a_tender_that_fails_at_the_deadline_releases_its_guarantees(
    g: Guarantees, clock: FixedClock
) -> None:
    gid = g.ask(provider="certificate").json()["id"]
    clock.set(datetime.fromisoformat(g.tender["bid_deadline"]) + timedelta(seconds=1))
    result = run_once(g.services)  # no bids: 流标 at the deadline, then the release
    assert result.transitions == 1 and result.guarantees == 1
    view = g.client.get(f"/api/v1/guarantees/{gid}", headers=auth(g.services, "sealer")).json()
    assert view["status"] == "released" and view["outcome"]["reason"] == "tender-failed"


def test_the_bid_page_requests_a_guarantee_and_shows_it(g: Guarantees) -> None:
    page_url = f"/tenders/{g.tender['id']}/bid"
    sealer = auth(g.services, "sealer")
    page = g.client.get(page_url, headers=sealer)
    assert page.status_code == 200 and 'id="guarantee-form"' in page.text
    assert '<option value="certificate">' in page.text
    g.services.settings = g.services.settings.model_copy(
        update={"guarantor_max_amount": Decimal("1.00")}
    )
    refused = g.client.post(
        f"{page_url}/guarantee",
        data={"section_id": g.section, "provider": "certificate"},
        headers=sealer,
    )
    assert refused.status_code == 422 and 'id="problem"' in refused.text
    g.services.settings = g.services.settings.model_copy(
        update={"guarantor_max_amount": Decimal("5000000.00")}
    )
    asked = g.client.post(
        f"{page_url}/guarantee",
        data={"section_id": g.section, "provider": "certificate"},
        headers=sealer,
        follow_redirects=False,
    )
    assert asked.status_code == 303, asked.text
    assert asked.headers["location"] == f"{page_url}?done=guarantee_accepted"
    shown = g.client.get(asked.headers["location"], headers=sealer).text
    assert 'data-status="accepted"' in shown and "EG-" in shown
    assert "电子保函已出具" in shown  # the done message, in Chinese by default
    anonymous = g.client.post(f"{page_url}/guarantee", data={}, follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
