"""Opening custodians for test worlds: a small encryption CA made with prex's issuer (trusted,
its CRL imported), and five custodians of the province centre with their keys, so that every
published tender gets a real opening key split 3-of-5 — and tests can open it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from prex.bidding.custodians import register_custodian
from prex.bootstrap import Services
from prex.identity import service as identity
from prex.identity.policy import Actor, Role
from prex.pki.certs import Certificate
from prex.pki.issue import issue_certificate, issue_crl
from prex.pki.keys import PrivateKey
from prex.pki.service import add_cas

START, END = datetime(2025, 1, 1, tzinfo=UTC), datetime(2035, 1, 1, tzinfo=UTC)
CA_LABEL = "测试加密证书CA（保管人）"
SEED = Actor(user_id="seed", label="test seed", roles=frozenset({Role.ADMIN}), address="127.0.0.1")


@dataclass
class Custodians:
    ca: Certificate
    ca_key: PrivateKey
    ids: list[str] = field(default_factory=list)
    keys: dict[str, PrivateKey] = field(default_factory=dict)  # custodian id → private key


def _person_id(sequence: int) -> str:
    first17 = f"33010619800101{sequence:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return (
        first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]
    )


def seed_custodians(
    services: Services, centre_id: str, password: str, count: int = 5
) -> Custodians:
    ca_key = PrivateKey.generate("ec-p256")
    ca = issue_certificate(
        subject=[("C", "CN"), ("O", "prex tests"), ("CN", "Custodian Encryption CA")],
        subject_key=ca_key.public_key(),
        issuer=None,
        issuer_key=ca_key,
        not_before=START,
        not_after=END,
        ca=True,
    )
    add_cas(
        services.uow(SEED),
        ca.pem().encode(),
        purposes=["encryption"],
        profile=["person:serialNumber"],
        label=CA_LABEL,
    )
    services.pki.import_crl(
        services.uow(SEED),
        issue_crl(
            issuer=ca, issuer_key=ca_key, revoked=[], this_update=START, next_update=END, number=1
        ),
    )
    result = Custodians(ca, ca_key)
    for n in range(1, count + 1):
        user_id = identity.create_user(
            services.uow(SEED),
            username=f"custodian{n}",
            password=password,
            display_name=f"开标密钥保管人{n}",
            roles=["supervisor"],
            org_id=None,
            centre_id=centre_id,
        )
        key = PrivateKey.generate("ec-p256")
        cert = issue_certificate(
            subject=[("C", "CN"), ("serialNumber", _person_id(n)), ("CN", f"保管人{n}")],
            subject_key=key.public_key(),
            issuer=ca,
            issuer_key=ca_key,
            not_before=START,
            not_after=END,
            key_usage={"key_agreement", "key_encipherment"},
            extended_key_usage={"email_protection"},
        )
        custodian_id = register_custodian(
            services.uow(SEED),
            services.pki,
            centre_id=centre_id,
            user_id=user_id,
            certificate_data=cert.pem().encode(),
        )
        result.ids.append(custodian_id)
        result.keys[custodian_id] = key
    return result
