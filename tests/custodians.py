"""Opening custodians for test worlds: a small encryption CA made with prex's issuer (trusted,
its CRL imported), and five custodians of the province centre with their keys, so that every
published tender gets a real opening key split 3-of-5 — and tests can open it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from prex.bidding.custodians import register_custodian
from prex.bootstrap import Services
from prex.identity import service as identity
from prex.identity.policy import Actor, Role
from prex.pki.certs import Certificate
from prex.pki.demo import resident_id
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


class EncryptionCa:
    """A small CA made with prex's issuer, put on the trust list with its CRL imported, that
    issues personal encryption certificates."""

    def __init__(
        self,
        services: Services,
        *,
        name: str,
        purposes: Sequence[str] = (),
        profile: Sequence[str] = ("person:serialNumber",),
        label: str = "",
    ) -> None:
        self.key = PrivateKey.generate("ec-p256")
        self.cert = issue_certificate(
            subject=[("C", "CN"), ("O", "prex tests"), ("CN", name)],
            subject_key=self.key.public_key(),
            issuer=None,
            issuer_key=self.key,
            not_before=START,
            not_after=END,
            ca=True,
        )
        add_cas(
            services.uow(SEED),
            self.cert.pem().encode(),
            purposes=purposes,
            profile=profile,
            label=label,
        )
        crl = issue_crl(
            issuer=self.cert,
            issuer_key=self.key,
            revoked=[],
            this_update=START,
            next_update=END,
            number=1,
        )
        services.pki.import_crl(services.uow(SEED), crl)

    def person(
        self, name: str, id_number: str, kind: str = "ec-p256", usage: set[str] | None = None
    ) -> tuple[Certificate, PrivateKey]:
        key = PrivateKey.generate(kind)
        cert = issue_certificate(
            subject=[("C", "CN"), ("serialNumber", id_number), ("CN", name)],
            subject_key=key.public_key(),
            issuer=self.cert,
            issuer_key=self.key,
            not_before=START,
            not_after=END,
            key_usage=usage or {"key_encipherment", "key_agreement"},
            extended_key_usage={"email_protection"},
        )
        return cert, key


def seed_custodians(
    services: Services, centre_id: str, password: str, count: int = 5
) -> Custodians:
    ca = EncryptionCa(
        services, name="Custodian Encryption CA", purposes=["encryption"], label=CA_LABEL
    )
    result = Custodians(ca.cert, ca.key)
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
        cert, key = ca.person(f"保管人{n}", resident_id(n))
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
