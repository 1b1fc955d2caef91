"""The certificate pages escape what certificates carry and keep the forms' refusals on the page."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from prex.bootstrap import Services
from prex.pki.issue import issue_certificate
from prex.pki.keys import PrivateKey
from prex.pki.service import add_cas, set_ca_status
from tests.factories import World, auth
from tests.pki_helpers import OPERATOR

HOSTILE = '<script>alert("x")</script>&"\''


def test_hostile_names_in_a_ca_certificate_are_shown_as_text(
    client: TestClient, services: Services, world: World
) -> None:
    key = PrivateKey.generate("ec-p256")
    ca = issue_certificate(
        subject=[("O", HOSTILE), ("CN", HOSTILE)],
        subject_key=key.public_key(),
        issuer=None,
        issuer_key=key,
        not_before=datetime(2025, 1, 1, tzinfo=UTC),
        not_after=datetime(2030, 1, 1, tzinfo=UTC),
        ca=True,
    )
    added = add_cas(services.uow(OPERATOR), ca.pem().encode(), label=HOSTILE)
    set_ca_status(services.uow(OPERATOR), added[0].id, "suspended", HOSTILE)
    page = client.get("/cas")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


def test_a_bad_bind_keeps_the_page_and_says_why(
    client: TestClient, services: Services, world: World
) -> None:
    headers = auth(services, "bidder")
    start = client.post("/certificates/challenge", headers=headers)
    assert start.status_code == 200 and 'id="challenge-message"' in start.text
    refused = client.post(
        "/certificates",
        headers=headers,
        data={
            "challenge_id": "x" * 26,
            "certificate": "not a certificate",
            "signature": "AA==",
            "algorithm": "sm2-sm3",
        },
    )
    assert refused.status_code == 422
    body = refused.text[refused.text.find("<main") :]
    assert 'id="problem"' in body, body[:2000]
    assert "PEM text or base64" in body, body[:2000]
    anonymous = client.get("/certificates", follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
