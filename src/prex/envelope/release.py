"""What a custodian or a bidder hands in at the opening, made on their own machine.

After the bid deadline the opening needs either k shares of the opening key (custodians) or a
bid's content key (the bidder decrypting its own bid, where the rule pack allows it). Neither may
travel or rest in plaintext on the server (SEALING.md), so the client encrypts what it releases
to the platform's **opening escrow certificate** — an ECIES key held in the platform's key
directory, never in the database — under a context naming the tender and the share or envelope
(decision 0009). The server decrypts it in memory to check it (a share against the Feldman
commitments, a content key against the envelope's first chunk), stores only the escrowed form,
uses it once to open, and deletes it.

Client side only: this module imports nothing of the server.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from prex.envelope import container, threshold
from prex.envelope.ecies import wrap_for_certificate
from prex.pki.certs import Certificate
from prex.pki.keys import PrivateKey
from prex.shared.errors import InvalidInput

SHARE_LABEL = b"prex-release-share\0"
CONTENT_KEY_LABEL = b"prex-release-content-key\0"


class BadEscrowCertificate(InvalidInput):
    slug = "escrow-certificate-refused"


def share_release_info(tender_id: str, index: int) -> bytes:
    """The ECIES context of share ``index`` of ``tender_id`` released to the escrow key."""
    return SHARE_LABEL + tender_id.encode() + b"\0" + str(index).encode()


def content_key_release_info(tender_id: str, envelope_sha256: str) -> bytes:
    """The ECIES context of one envelope's content key released to the escrow key."""
    return CONTENT_KEY_LABEL + tender_id.encode() + b"\0" + envelope_sha256.encode()


def check_escrow_certificate(escrow: Certificate, platform_ca: Certificate) -> None:
    """Refuse an escrow certificate that the pinned platform CA did not issue, or that is not
    a key-agreement certificate (a client never encrypts a share to an unknown key)."""
    issued = escrow.issuer_der == platform_ca.subject_der and platform_ca.public_key.verify(
        escrow.signature_scheme, escrow.signature, escrow.tbs
    )
    if not issued:
        raise BadEscrowCertificate("the escrow certificate is not issued by the platform CA")
    if escrow.key_usage is not None and "key_agreement" not in escrow.key_usage:
        raise BadEscrowCertificate("the escrow certificate is not for key agreement")


def release_share(
    *,
    tender_id: str,
    sealed_share: bytes,
    custodian_key: PrivateKey,
    commitments: threshold.Commitments,
    escrow: Certificate,
) -> tuple[int, bytes]:
    """Decrypt the custodian's share, check it against the published commitments (a custodian
    never releases a share it cannot vouch for) and encrypt it to the escrow certificate.
    Returns (share index, escrowed share)."""
    share = threshold.decrypt_share(sealed_share, custodian_key, tender_id)
    if not threshold.verify_share(share, commitments):
        raise threshold.BadShare(share.index, "your share does not match the tender's commitments")
    index = share.index
    blob = wrap_for_certificate(escrow, share.to_bytes(), share_release_info(tender_id, index))
    del share
    return index, blob


def release_content_key(
    *, envelope: Path, bidder_key: PrivateKey, escrow: Certificate, max_bytes: int
) -> tuple[str, bytes]:
    """The bidder's own decryption: unwrap the content key of its envelope file with its
    encryption key and encrypt it to the escrow certificate. Returns (envelope SHA-256,
    escrowed content key)."""
    with envelope.open("rb") as handle:
        envelope_sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
        size = handle.tell()
        handle.seek(0)
        parsed = container.read(handle, size, max_bytes=max_bytes)
    content_key = container.content_key_with_bidder_key(parsed, bidder_key)
    blob = wrap_for_certificate(
        escrow, content_key, content_key_release_info(parsed.header.tender_id, envelope_sha256)
    )
    return envelope_sha256, blob
