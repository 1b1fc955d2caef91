"""The platform's own keys: a platform CA and the timestamp authority it certifies.

Created on first use in ``settings.resolved_key_dir`` as files readable by the server's user
only (0600), never in the database or the blob store. A production centre replaces them in a key
ceremony with keys from an HSM or its CA (see docs/trust-a-ca.md); the code only needs the two
PEM files of each.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from prex.config import Settings
from prex.pki.certs import Certificate, parse_certificate
from prex.pki.issue import issue_certificate
from prex.pki.keys import PrivateKey
from prex.pki.tsa import TimestampAuthority
from prex.shared.clock import Clock

KEY_KIND = "ec-p256"


@dataclass(frozen=True)
class PlatformKeys:
    ca_certificate: Certificate
    tsa_certificate: Certificate
    tsa_key: PrivateKey
    signing_certificate: Certificate  # signs receipts and published acts
    signing_key: PrivateKey
    # Holds released opening-key shares and content keys between their release and the opening
    # (decision 0009): custodians encrypt what they release to this certificate.
    escrow_certificate: Certificate
    escrow_key: PrivateKey
    created: bool = False  # made by this call (the caller records it in the audit trail)

    def chain_pem(self) -> str:
        return self.tsa_certificate.pem() + self.ca_certificate.pem()


_lock = threading.Lock()


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def ensure_platform_keys(settings: Settings, clock: Clock) -> PlatformKeys:
    """Load the platform CA and TSA, creating them the first time."""
    directory = settings.resolved_key_dir
    with _lock:
        created = not (directory / "tsa.pem").exists()
        if created:
            _create(directory, settings, clock)
        if not (directory / "signing.pem").exists():
            _create_signing(directory, settings, clock)
        if not (directory / "opening-escrow.pem").exists():
            _create_escrow(directory, settings, clock)
        return PlatformKeys(
            ca_certificate=parse_certificate((directory / "platform-ca.pem").read_bytes()),
            tsa_certificate=parse_certificate((directory / "tsa.pem").read_bytes()),
            tsa_key=PrivateKey.load((directory / "tsa.key").read_bytes()),
            signing_certificate=parse_certificate((directory / "signing.pem").read_bytes()),
            signing_key=PrivateKey.load((directory / "signing.key").read_bytes()),
            escrow_certificate=parse_certificate((directory / "opening-escrow.pem").read_bytes()),
            escrow_key=PrivateKey.load((directory / "opening-escrow.key").read_bytes()),
            created=created,
        )


def _create(directory: Path, settings: Settings, clock: Clock) -> None:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = clock.now().replace(microsecond=0)
    ca_key, tsa_key = PrivateKey.generate(KEY_KIND), PrivateKey.generate(KEY_KIND)
    ca = issue_certificate(
        subject=[
            ("C", "CN"),
            ("O", settings.platform_name),
            ("CN", f"{settings.platform_code} 平台根证书"),
        ],
        subject_key=ca_key.public_key(),
        issuer=None,
        issuer_key=ca_key,
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=365 * 20),
        ca=True,
        path_length=0,
        key_usage={"key_cert_sign", "crl_sign"},
    )
    tsa = issue_certificate(
        subject=[
            ("C", "CN"),
            ("O", settings.platform_name),
            ("CN", f"{settings.platform_code} 时间戳服务"),
        ],
        subject_key=tsa_key.public_key(),
        issuer=ca,
        issuer_key=ca_key,
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=365 * 10),
        key_usage={"digital_signature", "content_commitment"},
        extended_key_usage={"time_stamping"},
    )
    _write_private(directory / "platform-ca.key", ca_key.pkcs8_pem())
    _write_private(directory / "tsa.key", tsa_key.pkcs8_pem())
    (directory / "platform-ca.pem").write_text(ca.pem())
    (directory / "tsa.pem").write_text(tsa.pem())


def _create_signing(directory: Path, settings: Settings, clock: Clock) -> None:
    """The platform's signing certificate (receipts, published records), from its CA."""
    _create_leaf(
        directory,
        "signing",
        _subject(settings, "平台签名"),
        clock,
        key_usage={"digital_signature", "content_commitment"},
        extended_key_usage={"email_protection"},
    )


def _create_escrow(directory: Path, settings: Settings, clock: Clock) -> None:
    """The opening escrow certificate (key agreement only), from the platform CA."""
    _create_leaf(
        directory,
        "opening-escrow",
        _subject(settings, "开标托管"),
        clock,
        key_usage={"key_agreement"},
        extended_key_usage=set(),
    )


def _create_leaf(
    directory: Path,
    name: str,
    subject: list[tuple[str, str]],
    clock: Clock,
    *,
    key_usage: set[str],
    extended_key_usage: set[str],
) -> None:
    now = clock.now().replace(microsecond=0)
    ca = parse_certificate((directory / "platform-ca.pem").read_bytes())
    ca_key = PrivateKey.load((directory / "platform-ca.key").read_bytes())
    key = PrivateKey.generate(KEY_KIND)
    certificate = issue_certificate(
        subject=subject,
        subject_key=key.public_key(),
        issuer=ca,
        issuer_key=ca_key,
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=365 * 10),
        key_usage=key_usage,
        extended_key_usage=extended_key_usage,
    )
    _write_private(directory / f"{name}.key", key.pkcs8_pem())
    (directory / f"{name}.pem").write_text(certificate.pem())


def _subject(settings: Settings, role: str) -> list[tuple[str, str]]:
    return [("C", "CN"), ("O", settings.platform_name), ("CN", f"{settings.platform_code} {role}")]


def timestamp_authority(keys: PlatformKeys, clock: Clock) -> TimestampAuthority:
    return TimestampAuthority(
        key=keys.tsa_key,
        certificate=keys.tsa_certificate,
        chain=(keys.ca_certificate,),
        clock=clock.now,
    )
