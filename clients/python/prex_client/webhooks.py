"""Verifying a webhook delivery from prex, in Python alone (no openssl process).

prex signs the bytes ``{Prex-Webhook-Id}.{Prex-Webhook-Timestamp}.{body}`` with a detached CMS
``SignedData`` (RFC 5652) by its signing certificate and sends it base64 in
``Prex-Webhook-Signature`` (docs/webhooks.md). :func:`verify_delivery` checks, in order: the
headers are there and well-formed, the timestamp lies within ``tolerance`` of the receiver's
clock, the signature's message digest is that of these bytes and the signer's signature over
its signed attributes holds, the signing certificate may sign (key usage) and is valid now, and
it chains to the CA the receiver pinned (``GET /api/v1/webhooks/certificates``). Whatever fails
raises :class:`WebhookInvalid` with a ``reason`` code: answer the delivery with a 4xx.

``asn1crypto`` parses the CMS structure; ``cryptography`` verifies the signatures (it has no
CMS verification of its own). :class:`SeenIds` keeps the ids already processed, since prex
delivers at least once: answer a repeated id with 2xx without acting on it again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from prex_client.errors import PrexError

ID_HEADER = "Prex-Webhook-Id"
TIMESTAMP_HEADER = "Prex-Webhook-Timestamp"
SIGNATURE_HEADER = "Prex-Webhook-Signature"
EVENT_HEADER = "Prex-Webhook-Event"
#: Real signatures are a few KiB; anything larger is refused before it is parsed.
MAX_SIGNATURE_BYTES = 64 * 1024
_MAX_PATH = 4
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


class WebhookInvalid(PrexError):
    """The delivery is not one prex signed for this receiver now. ``reason`` is one of
    ``missing-header``, ``malformed-header``, ``stale-timestamp``, ``malformed-signature``,
    ``unsupported-signature``, ``digest-mismatch``, ``bad-signature``, ``key-usage``,
    ``certificate-expired``, ``untrusted-certificate``, ``malformed-body``, ``event-mismatch``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Event:
    """A verified delivery: its id (the same on every retry), the signed timestamp, the event
    type and the change it carries (``payload``: seq, at, event, type, id, object, detail)."""

    id: str
    timestamp: int
    type: str
    body: bytes
    payload: dict[str, Any]
    signer: x509.Certificate

    @property
    def seq(self) -> int | None:
        seq = self.payload.get("seq")
        return seq if isinstance(seq, int) else None


def load_trust_anchors(ca_pem: bytes | str) -> list[x509.Certificate]:
    """The CA certificates of a PEM bundle (the signing certificate that
    ``/webhooks/certificates`` also lists is not an anchor and is skipped)."""
    data = ca_pem.encode("ascii") if isinstance(ca_pem, str) else ca_pem
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise ValueError(f"the CA file holds no readable PEM certificate ({exc})") from None
    anchors = [c for c in certificates if _is_ca(c)]
    if not anchors:
        raise ValueError("the CA file holds no CA certificate")
    return anchors


def verify_delivery(
    headers: Mapping[str, str],
    body: bytes,
    ca_pem: bytes | str,
    *,
    tolerance: int = 300,
    now: float | datetime | None = None,
) -> Event:
    """Verify one delivery as received (``headers`` in any case, ``body`` the raw bytes) against
    the pinned CA; answers the :class:`Event` or raises :class:`WebhookInvalid`."""
    anchors = load_trust_anchors(ca_pem)
    moment = _seconds(now)
    delivery_id = _header(headers, ID_HEADER)
    stamp = _header(headers, TIMESTAMP_HEADER)
    signature = _header(headers, SIGNATURE_HEADER)
    if not delivery_id.isascii() or not delivery_id.isprintable() or len(delivery_id) > 200:
        raise WebhookInvalid("malformed-header", f"{ID_HEADER} is not a printable ASCII id")
    if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 12:
        raise WebhookInvalid("malformed-header", f"{TIMESTAMP_HEADER} is not Unix seconds")
    timestamp = int(stamp)
    if abs(moment - timestamp) > tolerance:
        raise WebhookInvalid(
            "stale-timestamp",
            f"signed at {timestamp}, {abs(moment - timestamp):.0f} s from now "
            f"(tolerance {tolerance} s): a replay, or a clock far off",
        )
    signer, embedded = _verify_signature(signature, f"{delivery_id}.{stamp}.".encode() + body)
    _check_signer(signer, embedded, anchors, moment)
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise WebhookInvalid("malformed-body", "the body is not a JSON object")
    kind = str(payload.get("event", ""))
    announced = _optional_header(headers, EVENT_HEADER)
    if announced is not None and announced != kind:
        raise WebhookInvalid(
            "event-mismatch", f"{EVENT_HEADER} says {announced!r}, the signed body {kind!r}"
        )
    return Event(delivery_id, timestamp, kind, body, payload, signer)


class SeenIds:
    """The delivery ids already processed, the newest ``capacity`` of them (keep them at least
    as long as the timestamp window). In production, a unique index in your database does this
    and survives restarts."""

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, delivery_id: str) -> bool:
        """True the first time an id is seen (act on it), False on a repeat (answer 2xx only)."""
        with self._lock:
            if delivery_id in self._ids:
                self._ids.move_to_end(delivery_id)
                return False
            self._ids[delivery_id] = None
            while len(self._ids) > self.capacity:
                self._ids.popitem(last=False)
            return True

    def __contains__(self, delivery_id: object) -> bool:
        with self._lock:
            return delivery_id in self._ids


# -- headers and time ---------------------------------------------------------------------------


def _optional_header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return None if value is None else str(value).strip()


def _header(headers: Mapping[str, str], name: str) -> str:
    value = _optional_header(headers, name)
    if not value:
        raise WebhookInvalid("missing-header", f"no {name} header")
    return value


def _seconds(now: float | datetime | None) -> float:
    if now is None:
        return time.time()
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return now.timestamp()
    return float(now)


# -- the CMS signature --------------------------------------------------------------------------


def _verify_signature(
    signature: str, content: bytes
) -> tuple[x509.Certificate, list[x509.Certificate]]:
    """The signer's certificate (and the embedded ones) if ``signature`` signs ``content``."""
    try:
        der = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookInvalid("malformed-signature", "the signature is not base64") from None
    if len(der) > MAX_SIGNATURE_BYTES:
        raise WebhookInvalid("malformed-signature", "the signature is too large")
    try:
        info = cms.ContentInfo.load(der, strict=True)
        if info["content_type"].native != "signed_data":
            raise WebhookInvalid("malformed-signature", "not a CMS SignedData")
        signed = info["content"]
        if signed["encap_content_info"]["content"].native is not None:
            raise WebhookInvalid("malformed-signature", "the signature is not detached")
        infos = signed["signer_infos"]
        if len(infos) != 1:
            raise WebhookInvalid("malformed-signature", "expected exactly one signer")
        signer_info = infos[0]
        parsed = [c.chosen for c in signed["certificates"] if c.name == "certificate"]
        embedded = [_certificate(c) for c in parsed]
        signer = embedded[_signer(signer_info["sid"], parsed)]
        digest_name = signer_info["digest_algorithm"]["algorithm"].native
        attributes = signer_info["signed_attrs"]
        if not len(attributes):
            raise WebhookInvalid("malformed-signature", "no signed attributes")
        values = {a["type"].native: [v.native for v in a["values"]] for a in attributes}
        digests, types = values.get("message_digest", []), values.get("content_type", [])
        algorithm = signer_info["signature_algorithm"]
        family = algorithm.signature_algo
        value = signer_info["signature"].native
        signed_der = b"\x31" + attributes.dump()[1:]  # as SET OF, what was signed (RFC 5652 §5.4)
    except WebhookInvalid:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise WebhookInvalid("malformed-signature", f"cannot read the signature ({exc})") from None
    if digest_name not in _HASHES:
        raise WebhookInvalid("unsupported-signature", f"digest {digest_name} is not accepted")
    if len(digests) != 1 or types != ["data"]:
        raise WebhookInvalid(
            "malformed-signature", "the signed attributes lack one message digest and content type"
        )
    if digests[0] != hashlib.new(digest_name, content).digest():
        raise WebhookInvalid(
            "digest-mismatch", "the signature is over other bytes (id, timestamp or body changed)"
        )
    _check_value(signer, family, _HASHES[digest_name](), value, signed_der)
    return signer, embedded


def _certificate(parsed: Any) -> x509.Certificate:
    """An embedded certificate, read whole now (``cryptography`` reads lazily, and a damaged
    one must be refused here, not fail later with a library error)."""
    try:
        serial = bytes(parsed["tbs_certificate"]["serial_number"].contents)
    except (ValueError, TypeError, KeyError) as exc:
        raise WebhookInvalid("malformed-signature", f"an embedded certificate ({exc})") from None
    # RFC 5280 §4.1.2.2: positive (two's complement, as cryptography reads it, which only warns).
    if not serial or serial[0] & 0x80 or not any(serial):
        raise WebhookInvalid("malformed-signature", "an embedded certificate has a bad serial")
    try:
        certificate = x509.load_der_x509_certificate(parsed.dump())
        certificate.public_key()
        for _extension in certificate.extensions:
            pass
        certificate.not_valid_before_utc, certificate.not_valid_after_utc  # noqa: B018
    except Exception as exc:  # hostile input: whatever the parser says is a refusal
        raise WebhookInvalid(
            "malformed-signature", f"an embedded certificate cannot be read ({exc})"
        ) from None
    return certificate


def _signer(sid: Any, certificates: list[Any]) -> int:
    """The index of the certificate the signer info names (issuer and serial, or key id)."""
    for index, certificate in enumerate(certificates):
        if sid.name == "issuer_and_serial_number":
            chosen = sid.chosen
            if (
                certificate.serial_number == chosen["serial_number"].native
                and certificate.issuer.dump() == chosen["issuer"].dump()
            ):
                return index
        elif certificate.key_identifier == sid.chosen.native:
            return index
    raise WebhookInvalid("malformed-signature", "the signer's certificate is not in the signature")


def _check_value(
    signer: x509.Certificate, family: str, digest: hashes.HashAlgorithm, value: bytes, data: bytes
) -> None:
    key = signer.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey) and family == "ecdsa":
            key.verify(value, data, ec.ECDSA(digest))
        elif isinstance(key, rsa.RSAPublicKey) and family == "rsassa_pkcs1v15":
            key.verify(value, data, padding.PKCS1v15(), digest)
        else:
            raise WebhookInvalid("unsupported-signature", f"{family} signatures are not accepted")
    except InvalidSignature:
        raise WebhookInvalid(
            "bad-signature", "the signer's signature over the signed attributes does not hold"
        ) from None
    except UnsupportedAlgorithm as exc:
        raise WebhookInvalid("unsupported-signature", str(exc)) from None


# -- the signing certificate --------------------------------------------------------------------


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _valid_at(certificate: x509.Certificate, moment: float) -> bool:
    at = datetime.fromtimestamp(moment, UTC)
    return certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc


def _may(certificate: x509.Certificate, *usages: str) -> bool:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return any(getattr(usage, name) for name in usages)


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _check_signer(
    signer: x509.Certificate,
    embedded: list[x509.Certificate],
    anchors: list[x509.Certificate],
    moment: float,
) -> None:
    if _is_ca(signer) or not _may(signer, "digital_signature", "content_commitment"):
        raise WebhookInvalid("key-usage", "the signing certificate may not sign deliveries")
    if not _valid_at(signer, moment):
        raise WebhookInvalid("certificate-expired", "the signing certificate is not valid now")
    current = signer
    for _ in range(_MAX_PATH):
        for anchor in anchors:
            if _issued_by(current, anchor):
                if not (_valid_at(anchor, moment) and _may(anchor, "key_cert_sign")):
                    raise WebhookInvalid("untrusted-certificate", "the pinned CA is not valid now")
                return
        parents = [
            c
            for c in embedded
            if c != current
            and _is_ca(c)
            and _may(c, "key_cert_sign")
            and _valid_at(c, moment)
            and _issued_by(current, c)
        ]
        if not parents:
            break
        current = parents[0]
    raise WebhookInvalid(
        "untrusted-certificate", "the signing certificate does not chain to the pinned CA"
    )
