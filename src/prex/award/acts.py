"""What each party signs, and the checks of who signed it.

Every act of the award stage is a detached CMS (or GB/T 35275 SM2) signature over canonical JSON
(sorted keys, no spaces, UTF-8; ``prex.audit.chain.canonical_json``) whose bytes are known
before the act: the report's and the contract's are served as ``to_sign`` (``GET …/report``,
``POST …/contracts/to-sign``), an objection's and an answer's are the small documents of
``docs/award.md``. A signer signs them with ``prex sig sign`` or a USB key, and anyone can check
them later with ``prex sig verify``. A signature is accepted only when the certificate path is
trusted for signing (CA mutual recognition) *and* the certificate's holder is the party who must
sign: the sitting expert (a personal certificate whose ID number has the expert's keyed digest)
or the organisation by its credit code.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from prex.audit.chain import canonical_json
from prex.pki.holder import IdentityMismatch, require_organisation
from prex.pki.signatures import SignatureVerdict, verify_signed
from prex.shared.errors import InvalidInput

if TYPE_CHECKING:
    from prex.bootstrap import Services

MAX_SIGNATURE = 64 * 1024


def act_bytes(kind: str, **fields: Any) -> bytes:
    """The canonical bytes of one act: ``{"act": kind, ...fields}``."""
    return canonical_json({"act": kind, **fields})


def signature_der(text: str) -> bytes:
    """The signature as sent: base64 of the DER (a PEM body is base64 too)."""
    body = "".join(
        line for line in text.strip().splitlines() if line and not line.startswith("-----")
    )
    try:
        der = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("the signature is not base64", field="signature") from None
    if not der or len(der) > MAX_SIGNATURE:
        raise InvalidInput(
            f"the signature is 1 byte to {MAX_SIGNATURE // 1024} KiB", field="signature"
        )
    return der


def signature_text(der: bytes | None) -> str | None:
    """A stored signature as it is answered: base64 of the DER (None stays None)."""
    return None if der is None else base64.b64encode(der).decode()


def verify_person(
    services: Services, content: bytes, signature: bytes, *, id_digest: str, who: str
) -> SignatureVerdict:
    """A trusted signature by the person whose ID number has keyed digest ``id_digest``."""
    verdict = verify_signed(services.pki, content, signature, at=services.clock.now())
    holder = verdict.holder
    if holder.kind != "person" or holder.fingerprint(services.settings.secret_key) != id_digest:
        raise IdentityMismatch(
            f"the certificate of '{holder.name}' ({holder.display}) is not {who}'s",
        )
    return verdict


def verify_organisation(
    services: Services, content: bytes, signature: bytes, *, uscc: str, name: str
) -> SignatureVerdict:
    """A trusted signature by a certificate of the organisation with credit code ``uscc``."""
    verdict = verify_signed(services.pki, content, signature, at=services.clock.now())
    require_organisation(verdict.holder, uscc, name)
    return verdict


def scheme_name(verdict: SignatureVerdict) -> str:
    scheme = verdict.check.scheme
    return f"{scheme.family}-{scheme.hash}"
