"""Signing a push with the platform's certificate, and checking a received one.

The request body (canonical JSON) is signed as detached CMS (``prex.pki.cms``) and the DER
travels base64 in the :data:`SIGNATURE_HEADER`; the receiver verifies it over the exact bytes it
received, then the signer's path against its own trust list (CA mutual recognition).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prex.pki.certs import Certificate, parse_certificates
from prex.pki.cms import BadSignature, sign_detached
from prex.pki.keys import PrivateKey

if TYPE_CHECKING:
    from prex.bootstrap import Services

SIGNATURE_HEADER = "X-Prex-Signature"


@dataclass(frozen=True)
class PushSigner:
    certificate: Certificate
    key: PrivateKey
    chain: tuple[Certificate, ...]


def push_signer(services: Services) -> PushSigner:
    """The configured push certificate (``PREX_UPSTREAM_CERTIFICATE``/``_KEY``: a PEM with the
    chain after the leaf), else the platform's own signing certificate and its CA."""
    settings = services.settings
    if settings.upstream_certificate is not None and settings.upstream_key is not None:
        certificates = parse_certificates(settings.upstream_certificate.read_bytes())
        key = PrivateKey.load(settings.upstream_key.read_bytes())
        return PushSigner(certificates[0], key, tuple(certificates[1:]))
    keys = services.pki.platform_keys()
    return PushSigner(keys.signing_certificate, keys.signing_key, (keys.ca_certificate,))


def sign_body(services: Services, signer: PushSigner, body: bytes) -> str:
    """The header value: base64 of the detached CMS signature over ``body``."""
    der = sign_detached(
        body,
        signer.certificate,
        signer.key,
        chain=signer.chain,
        signing_time=services.clock.now(),
    )
    return base64.b64encode(der).decode()


def signature_from_header(value: str | None) -> bytes:
    """The DER signature of a request, or :class:`BadSignature` saying what is wrong."""
    if not value:
        raise BadSignature(f"the request carries no {SIGNATURE_HEADER} header")
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadSignature(f"the {SIGNATURE_HEADER} header is not base64") from exc
