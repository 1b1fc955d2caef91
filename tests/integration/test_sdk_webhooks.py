"""The SDK's ``verify_delivery`` on real deliveries: headers signed by prex's own delivery code
with the platform's real keys, the trust anchor as ``GET /api/v1/webhooks/certificates`` serves
it. A true delivery verifies; an altered body, id or timestamp, another CA, a stale timestamp, a
missing header or a mangled signature is refused with its reason — and no flipped byte of the
body or the signed headers ever gets through (hypothesis)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prex_client.webhooks import SeenIds, WebhookInvalid, load_trust_anchors, verify_delivery

from prex.audit.chain import canonical_json
from prex.bootstrap import Services
from prex.contract.webhook_receiver import KitKeys, sign_delivery
from prex.pki.issue import issue_certificate
from prex.pki.keys import PrivateKey
from prex.shared.ids import new_id
from prex.webhooks.delivery import SIGNATURE_HEADER, signed_headers

BODY = canonical_json(
    {
        "at": "2026-03-02T01:00:00+00:00",
        "detail": None,
        "event": "TenderPublished",
        "id": "01JDX4V9Q8Z3M7K2R5T6W8Y0AB",
        "object": {"title": "办公楼改造工程施工招标\n第二行"},
        "platform": "PREX00000",
        "seq": 4711,
        "type": "tender",
    }
)


@pytest.fixture
def pinned(client: TestClient) -> str:
    response = client.get("/api/v1/webhooks/certificates")
    assert response.status_code == 200, response.text
    return response.text


def delivered(services: Services, body: bytes = BODY, late: int = 0) -> dict[str, str]:
    at = services.clock.now() - timedelta(seconds=late)
    return signed_headers(services, new_id(), "TenderPublished", body, at)


def refused(reason: str, headers: dict[str, str], body: bytes, ca: str, **kw: object) -> str:
    with pytest.raises(WebhookInvalid) as caught:
        verify_delivery(headers, body, ca, **kw)  # type: ignore[arg-type]
    assert caught.value.reason == reason, caught.value
    return caught.value.message


def test_a_real_delivery_verifies_and_every_alteration_is_refused(
    services: Services, pinned: str
) -> None:
    now = services.clock.now()
    headers = delivered(services)
    event = verify_delivery(headers, BODY, pinned, now=now)
    assert (event.type, event.seq, event.body) == ("TenderPublished", 4711, BODY)
    assert event.id == headers["Prex-Webhook-Id"]
    assert event.timestamp == int(now.timestamp())
    assert event.signer == services.pki.platform_keys().signing_certificate.x509
    # Header names in any case (frameworks lower-case them); the CA alone is enough too.
    lowered = {k.lower(): v for k, v in headers.items()}
    ca_only = services.pki.platform_keys().ca_certificate.pem()
    assert verify_delivery(lowered, BODY, ca_only.encode(), now=now.timestamp()).id == event.id

    altered = BODY.replace(b"4711", b"4712")
    assert "other bytes" in refused("digest-mismatch", headers, altered, pinned, now=now)
    other_id = {**headers, "Prex-Webhook-Id": new_id()}
    refused("digest-mismatch", other_id, BODY, pinned, now=now)
    # A captured delivery replayed under a fresh timestamp: the signature no longer covers it.
    fresh = {**headers, "Prex-Webhook-Timestamp": str(int(now.timestamp()) + 60)}
    refused("digest-mismatch", fresh, BODY, pinned, now=now + timedelta(seconds=60))
    # Too old, or too far ahead.
    refused("stale-timestamp", headers, BODY, pinned, now=now + timedelta(seconds=301))
    refused("stale-timestamp", headers, BODY, pinned, now=now - timedelta(seconds=301))
    assert verify_delivery(headers, BODY, pinned, now=now + timedelta(seconds=300))
    refused("stale-timestamp", headers, BODY, pinned, now=now + timedelta(seconds=61), tolerance=60)
    # Another CA: the kit's, and an impostor with the platform CA's very names.
    kit = KitKeys.generate()
    refused("untrusted-certificate", headers, BODY, kit.ca_certificate.pem(), now=now)
    platform = services.pki.platform_keys()
    impostor = KitKeys.impostor(KitKeys.from_platform(platform))
    assert impostor.ca_certificate.subject_text == platform.ca_certificate.subject_text
    today = datetime.now(UTC)  # the impostor's certificates are valid from today
    forged = sign_delivery(impostor, new_id(), BODY, today)
    refused("untrusted-certificate", forged.headers, BODY, pinned, now=today)

    for name in ("Prex-Webhook-Id", "Prex-Webhook-Timestamp", SIGNATURE_HEADER):
        missing = {k: v for k, v in headers.items() if k != name}
        assert name in refused("missing-header", missing, BODY, pinned, now=now)
    refused("malformed-header", {**headers, "Prex-Webhook-Timestamp": "12e3"}, BODY, pinned)
    refused(
        "malformed-signature", {**headers, SIGNATURE_HEADER: "not base64!"}, BODY, pinned, now=now
    )
    junk = base64.b64encode(b"\x30\x03\x02\x01\x01").decode()
    refused("malformed-signature", {**headers, SIGNATURE_HEADER: junk}, BODY, pinned, now=now)
    mislabelled = {**headers, "Prex-Webhook-Event": "ResultPublished"}
    refused("event-mismatch", mislabelled, BODY, pinned, now=now)
    with pytest.raises(ValueError, match="no CA certificate"):
        verify_delivery(headers, BODY, platform.signing_certificate.pem(), now=now)
    assert load_trust_anchors(pinned)[0] == platform.ca_certificate.x509


def test_a_certificate_that_may_not_sign_is_refused(services: Services) -> None:
    now = services.clock.now()
    kit = KitKeys.generate()
    ca_key = PrivateKey.generate("ec-p256")
    ca = issue_certificate(
        subject={"CN": "usage CA"},
        subject_key=ca_key.public_key(),
        issuer=None,
        issuer_key=ca_key,
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=30),
        ca=True,
    )
    key = PrivateKey.generate("ec-p256")
    agreement_only = issue_certificate(
        subject={"CN": "not a signer"},
        subject_key=key.public_key(),
        issuer=ca,
        issuer_key=ca_key,
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=30),
        key_usage={"key_agreement"},
    )
    forged = sign_delivery(KitKeys(ca, agreement_only, key), new_id(), BODY, now)
    refused("key-usage", forged.headers, BODY, ca.pem(), now=now)
    # The CA's own key signing: a CA certificate is no delivery signer either.
    by_ca = sign_delivery(KitKeys(ca, ca, ca_key), new_id(), BODY, now)
    refused("key-usage", by_ca.headers, BODY, ca.pem(), now=now)
    # A signer past its validity.
    good = sign_delivery(kit, new_id(), BODY, now)
    later = now + timedelta(days=365 * 3)
    ca_pem = kit.ca_certificate.pem()
    refused("certificate-expired", good.headers, BODY, ca_pem, now=later, tolerance=10**9)


def test_seen_ids_answer_a_repeat_once() -> None:
    seen = SeenIds(capacity=2)
    assert seen.first_time("a") and not seen.first_time("a")
    assert seen.first_time("b") and seen.first_time("c")
    assert "a" not in seen and "c" in seen  # the oldest forgotten beyond the capacity


def test_no_flipped_byte_gets_through(services: Services, pinned: str) -> None:
    now = services.clock.now()
    headers = delivered(services)
    signature = base64.b64decode(headers[SIGNATURE_HEADER])
    real = verify_delivery(headers, BODY, pinned, now=now)

    def flip(data: bytes, index: int, bit: int) -> bytes:
        index %= len(data)
        return data[:index] + bytes([data[index] ^ (1 << bit)]) + data[index + 1 :]

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        index=st.integers(min_value=0),
        bit=st.integers(0, 7),
        where=st.sampled_from(["body", "id", "timestamp", "signature"]),
    )
    def check(index: int, bit: int, where: str) -> None:
        body, changed = BODY, dict(headers)
        if where == "body":
            body = flip(BODY, index, bit)
        elif where == "signature":
            changed[SIGNATURE_HEADER] = base64.b64encode(flip(signature, index, bit)).decode()
        else:
            name = "Prex-Webhook-Id" if where == "id" else "Prex-Webhook-Timestamp"
            changed[name] = flip(headers[name].encode(), index, bit).decode("latin-1")
        try:
            event = verify_delivery(changed, body, pinned, now=now)
        except WebhookInvalid:
            return
        # Only a byte nobody relies on may change unnoticed (in the signature's copy of the CA,
        # which is never trusted): what was delivered and who signed it are the same.
        assert where == "signature", (where, index, bit)
        assert (event.id, event.timestamp, event.body) == (real.id, real.timestamp, real.body)
        assert event.signer == real.signer

    check()
