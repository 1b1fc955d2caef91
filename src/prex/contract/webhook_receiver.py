"""The webhook-receiver conformance kit: prex's deliveries, good and bad, sent to a receiver.

The kit signs deliveries exactly as prex does (:func:`prex.webhooks.delivery.signed_bytes`,
a detached CMS signature by a signing certificate with its CA embedded) with keys of its own —
a kit CA and signing certificate made with prex's PKI code and kept in a folder, whose CA the
receiver under test trusts for the run — or with the installation's real platform keys
(``--platform-keys``, for a receiver already pinned to ``GET /api/v1/webhooks/certificates``).

A conforming receiver (docs/webhooks.md) answers

- a correctly signed delivery with 2xx within prex's timeout, and the same delivery id again
  (a retry: new timestamp, new signature) with 2xx too — delivery is at least once;
- with 4xx — never 2xx (it would act on a forgery), never 5xx (prex would retry it for days) —
  a signature over other bytes, a body altered after signing, a timestamp outside its window,
  a delivery without a signature header, and a signature by a certificate of another CA that
  carries the very same names as the trusted one.

Each check uses a fresh delivery id, so a receiver's replay guard cannot mask a failure.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from prex.audit.chain import canonical_json
from prex.pki.certs import Certificate, parse_certificate
from prex.pki.cms import sign_detached
from prex.pki.issue import issue_certificate
from prex.pki.keys import PrivateKey
from prex.pki.platform import PlatformKeys
from prex.shared.errors import InvalidInput
from prex.shared.ids import new_id
from prex.webhooks.delivery import (
    EVENT_HEADER,
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signed_bytes,
)

#: prex's own delivery timeout (``PREX_WEBHOOK_TIMEOUT``).
DEFAULT_TIMEOUT = 3.0
#: How old the stale delivery's timestamp is: far beyond any sane window (docs say ±5 minutes).
STALE_SECONDS = 3600
KIT_PLATFORM = "PREXKIT"
CA_FILE, SIGNING_FILE, KEY_FILE = "kit-ca.pem", "kit-signing.pem", "kit-signing.key"
_KIND = "ec-p256"


@dataclass(frozen=True)
class KitKeys:
    """Who signs the kit's deliveries: a CA (what the receiver trusts), a certificate it issued
    for signing, and that certificate's key."""

    ca_certificate: Certificate
    signing_certificate: Certificate
    signing_key: PrivateKey

    @classmethod
    def generate(cls, *, name: str = "prex conformance kit") -> KitKeys:
        """A new CA and signing certificate (names like prex's own: a CA, then a signer)."""
        return cls._issue(
            [("C", "CN"), ("O", name), ("CN", f"{name} CA")],
            [("C", "CN"), ("O", name), ("CN", f"{name} webhooks")],
        )

    @classmethod
    def impostor(cls, of: KitKeys) -> KitKeys:
        """Another CA and signer carrying exactly the names of ``of``'s: what a receiver that
        compares names instead of verifying the chain would take for the real one."""
        try:
            return cls._issue(_names(of.ca_certificate), _names(of.signing_certificate))
        except InvalidInput:  # a name this issuer cannot write: the kit's own names then
            return cls.generate()

    @classmethod
    def _issue(cls, ca_name: list[tuple[str, str]], signer_name: list[tuple[str, str]]) -> KitKeys:
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
        ca_key, key = PrivateKey.generate(_KIND), PrivateKey.generate(_KIND)
        ca = issue_certificate(
            subject=ca_name,
            subject_key=ca_key.public_key(),
            issuer=None,
            issuer_key=ca_key,
            not_before=start,
            not_after=start + timedelta(days=365 * 5),
            ca=True,
            path_length=0,
        )
        signer = issue_certificate(
            subject=signer_name,
            subject_key=key.public_key(),
            issuer=ca,
            issuer_key=ca_key,
            not_before=start,
            not_after=start + timedelta(days=365 * 2),
            key_usage={"digital_signature", "content_commitment"},
            extended_key_usage={"email_protection"},
        )
        return cls(ca, signer, key)

    @classmethod
    def load_or_create(cls, folder: Path) -> KitKeys:
        """The kit's keys kept in ``folder`` (made on first use), so that a receiver configured
        with ``folder/kit-ca.pem`` once keeps trusting the kit between runs."""
        if not (folder / KEY_FILE).exists():
            keys = cls.generate()
            folder.mkdir(parents=True, exist_ok=True)
            (folder / CA_FILE).write_text(keys.ca_certificate.pem())
            (folder / SIGNING_FILE).write_text(keys.signing_certificate.pem())
            (folder / KEY_FILE).write_bytes(keys.signing_key.pkcs8_pem())
            (folder / KEY_FILE).chmod(0o600)
            return keys
        return cls(
            parse_certificate((folder / CA_FILE).read_bytes()),
            parse_certificate((folder / SIGNING_FILE).read_bytes()),
            PrivateKey.load((folder / KEY_FILE).read_bytes()),
        )

    @classmethod
    def from_platform(cls, keys: PlatformKeys) -> KitKeys:
        """prex's real platform CA and signing key (what ``/webhooks/certificates`` publishes)."""
        return cls(keys.ca_certificate, keys.signing_certificate, keys.signing_key)


@dataclass(frozen=True)
class Delivery:
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class CheckResult:
    name: str
    expectation: str
    passed: bool
    reason: str
    status: int | None
    seconds: float

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _body(seq: int, at: datetime) -> bytes:
    """One change as prex sends it: canonical JSON of the feed's change plus the platform."""
    object_id = new_id()
    return canonical_json(
        {
            "platform": KIT_PLATFORM,
            "seq": seq,
            "at": at.isoformat(),
            "event": "TenderPublished",
            "type": "tender",
            "id": object_id,
            "object": {"id": object_id, "title": "合规性测试 conformance test", "status": "open"},
            "detail": None,
        }
    )


def sign_delivery(
    keys: KitKeys,
    delivery_id: str,
    body: bytes,
    at: datetime,
    *,
    signed_content: bytes | None = None,
) -> Delivery:
    """The headers prex sends with ``body``, signed at ``at`` (``signed_content`` replaces what
    is signed, to make a signature over other bytes)."""
    timestamp = int(at.timestamp())
    content = (
        signed_bytes(delivery_id, timestamp, body) if signed_content is None else signed_content
    )
    der = sign_detached(
        content,
        keys.signing_certificate,
        keys.signing_key,
        chain=(keys.ca_certificate,),
        signing_time=at,
    )
    return Delivery(
        {
            "content-type": "application/json",
            "user-agent": "prex-contract/1",
            ID_HEADER: delivery_id,
            TIMESTAMP_HEADER: str(timestamp),
            EVENT_HEADER: "TenderPublished",
            SIGNATURE_HEADER: base64.b64encode(der).decode("ascii"),
        },
        body,
    )


@dataclass(frozen=True)
class _Check:
    name: str
    accept: bool  # True: 2xx expected; False: 4xx expected
    what: str
    make: Callable[[], Delivery]


def _checks(keys: KitKeys, foreign: KitKeys, now: Callable[[], datetime]) -> list[_Check]:
    first_id = new_id()
    first_body = _body(1, now())

    def good() -> Delivery:
        return sign_delivery(keys, first_id, first_body, now())

    def repeated() -> Delivery:
        return sign_delivery(keys, first_id, first_body, now())

    def wrong_signature() -> Delivery:
        delivery_id, body = new_id(), _body(3, now())
        other = signed_bytes(new_id(), int(now().timestamp()), _body(99, now()))
        return sign_delivery(keys, delivery_id, body, now(), signed_content=other)

    def altered_body() -> Delivery:
        signed = sign_delivery(keys, new_id(), _body(4, now()), now())
        return Delivery(signed.headers, signed.body.replace(b'"seq":4', b'"seq":5'))

    def stale() -> Delivery:
        return sign_delivery(
            keys, new_id(), _body(5, now()), now() - timedelta(seconds=STALE_SECONDS)
        )

    def unsigned() -> Delivery:
        signed = sign_delivery(keys, new_id(), _body(6, now()), now())
        del signed.headers[SIGNATURE_HEADER]
        return signed

    def foreign_ca() -> Delivery:
        return sign_delivery(foreign, new_id(), _body(7, now()), now())

    return [
        _Check("accepts-signed-delivery", True, "a correctly signed delivery", good),
        _Check(
            "accepts-repeated-delivery",
            True,
            "the same delivery id again (a retry: new timestamp and signature)",
            repeated,
        ),
        _Check("refuses-wrong-signature", False, "a signature over other bytes", wrong_signature),
        _Check("refuses-altered-body", False, "a body changed after signing", altered_body),
        _Check(
            "refuses-stale-timestamp",
            False,
            f"a timestamp {STALE_SECONDS} s old, correctly signed",
            stale,
        ),
        _Check("refuses-missing-signature", False, f"no {SIGNATURE_HEADER} header", unsigned),
        _Check(
            "refuses-foreign-ca",
            False,
            "a signature by another CA's certificate with the same names",
            foreign_ca,
        ),
    ]


def _judge(check: _Check, status: int) -> tuple[bool, str]:
    if check.accept:
        if 200 <= status < 300:
            return True, f"answered {status}"
        return False, f"answered {status} to {check.what}; prex expects 2xx and would retry"
    if 400 <= status < 500:
        return True, f"answered {status}"
    if 200 <= status < 300:
        return False, f"answered {status}: it accepted {check.what}"
    return False, f"answered {status} to {check.what}; a refusal must be 4xx"


def run_checks(
    url: str,
    keys: KitKeys,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    foreign: KitKeys | None = None,
    transport: httpx.BaseTransport | None = None,
) -> list[CheckResult]:
    """Send every check's delivery to ``url`` in turn and judge the answers."""
    foreign = foreign or KitKeys.impostor(keys)
    results: list[CheckResult] = []
    with httpx.Client(
        timeout=timeout, follow_redirects=False, trust_env=False, transport=transport
    ) as client:
        for check in _checks(keys, foreign, lambda: datetime.now(UTC)):
            delivery = check.make()
            started = time.monotonic()
            try:
                response = client.post(url, content=delivery.body, headers=delivery.headers)
            except httpx.TimeoutException:
                results.append(
                    CheckResult(
                        check.name,
                        check.what,
                        False,
                        f"no answer within {timeout:g} s",
                        None,
                        time.monotonic() - started,
                    )
                )
                continue
            except httpx.HTTPError as exc:
                results.append(
                    CheckResult(
                        check.name,
                        check.what,
                        False,
                        f"cannot reach the receiver ({type(exc).__name__}: {exc})",
                        None,
                        time.monotonic() - started,
                    )
                )
                continue
            passed, reason = _judge(check, response.status_code)
            results.append(
                CheckResult(
                    check.name,
                    check.what,
                    passed,
                    reason,
                    response.status_code,
                    time.monotonic() - started,
                )
            )
    return results


def _names(certificate: Certificate) -> list[tuple[str, str]]:
    return [(a.oid.dotted_string, str(a.value)) for a in certificate.x509.subject]
