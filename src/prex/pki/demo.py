"""The demo's two certificate authorities and the bidders' certificates (CA互认 in ``prex demo``).

Two independent demo CAs — an RSA one that puts the credit code in serialNumber and a national
(SM2) one that puts it in OU and issues personal certificates too — are put on the trust list,
their CRLs imported offline, and certificates issued to three bidders and an expert. The
bidders' certificates are bound to their accounts through the real challenge–response flow. The
award stage of the demo (``prex.demo_award``) adds the tenderer's certificate and personal ones
of the drawn experts. Everything a newcomer needs to try the commands lands in
``<data_dir>/demo-pki`` (see its README.txt).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from prex.bidding.custodians import register_custodian
from prex.bootstrap import Services
from prex.identity.policy import Actor
from prex.pki import login
from prex.pki.certs import Certificate
from prex.pki.issue import issue_certificate, issue_crl
from prex.pki.keys import PrivateKey
from prex.pki.service import add_cas

DEMO_PERSON_ID = "330106198503171239"  # a made-up resident ID with a valid check character


@dataclass
class DemoCa:
    name: str
    root: Certificate
    intermediate: Certificate
    key: PrivateKey  # the intermediate's
    trust_ids: list[str] = field(default_factory=list)


@dataclass
class DemoPki:
    directory: Path
    cas: dict[str, DemoCa] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)  # label → certificate file


def _hierarchy(name: str, kind: str, now: datetime) -> tuple[DemoCa, PrivateKey]:
    root_key, int_key = PrivateKey.generate(kind), PrivateKey.generate(kind)
    root = issue_certificate(
        subject=[("C", "CN"), ("O", name), ("CN", f"{name} 根证书")],
        subject_key=root_key.public_key(),
        issuer=None,
        issuer_key=root_key,
        not_before=now - timedelta(days=730),
        not_after=now + timedelta(days=3650),
        ca=True,
    )
    intermediate = issue_certificate(
        subject=[("C", "CN"), ("O", name), ("CN", f"{name} 业务CA")],
        subject_key=int_key.public_key(),
        issuer=root,
        issuer_key=root_key,
        not_before=now - timedelta(days=730),
        not_after=now + timedelta(days=3000),
        ca=True,
        path_length=0,
    )
    return DemoCa(name, root, intermediate, int_key), root_key


def _leaf(
    ca: DemoCa,
    subject: list[tuple[str, str]],
    now: datetime,
    *,
    kind: str,
    encryption: bool = False,
) -> tuple[Certificate, PrivateKey]:
    key = PrivateKey.generate(kind)
    usage = (
        {"key_encipherment", "key_agreement"}
        if encryption
        else {"digital_signature", "content_commitment"}
    )
    cert = issue_certificate(
        subject=subject,
        subject_key=key.public_key(),
        issuer=ca.intermediate,
        issuer_key=ca.key,
        not_before=now - timedelta(days=400),
        not_after=now + timedelta(days=700),
        key_usage=usage,
        extended_key_usage={"client_auth", "email_protection"},
    )
    return cert, key


def resident_id(sequence: int) -> str:
    """A made-up resident identity number (GB 11643) with a correct check character."""
    first17 = f"33010619800101{sequence:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def seed_demo_custodians(
    services: Services,
    pki: DemoPki,
    *,
    now: datetime,
    admin: Actor,
    users: list[str],
    centre_id: str,
) -> list[str]:
    """Opening custodians of the province, with SM2 encryption certificates from the GM demo
    CA; their keys go to demo-pki/custodianN.key (for the demo's openings)."""
    ca = _ca_of(pki, "sm2")
    ids = []
    for n, user_id in enumerate(users, start=1):
        cert, key = _leaf(
            ca,
            [("C", "CN"), ("serialNumber", resident_id(n)), ("CN", f"开标密钥保管人{n}")],
            now,
            kind="sm2",
            encryption=True,
        )
        _write(pki, f"custodian{n}", cert, key, [ca.intermediate])
        ids.append(
            register_custodian(
                services.uow(admin),
                services.pki,
                centre_id=centre_id,
                user_id=user_id,
                certificate_data=(cert.pem() + ca.intermediate.pem()).encode(),
            )
        )
    return ids


def seed_demo_pki(
    services: Services,
    *,
    now: datetime,
    operator: Actor,
    bidders: dict[str, tuple[Actor, str, str]],  # key → (actor, credit code, name)
) -> DemoPki:
    directory = services.settings.data_dir / "demo-pki"
    directory.mkdir(parents=True, exist_ok=True)
    pki = DemoPki(directory)
    rsa_ca, rsa_root_key = _hierarchy("浙江数字证书认证中心（演示）", "rsa-2048", now)
    sm2_ca, sm2_root_key = _hierarchy("国密数字证书认证中心（演示）", "sm2", now)
    for ca, profile in (
        (rsa_ca, ["uscc:serialNumber"]),
        (sm2_ca, ["uscc:OU", "person:serialNumber"]),
    ):
        bundle = (ca.root.pem() + ca.intermediate.pem()).encode()
        added = add_cas(services.uow(operator), bundle, profile=profile, label=ca.name)
        ca.trust_ids = [a.id for a in added]
        pki.cas[ca.name] = ca
    # Demo CRLs are imported offline: the demo CAs have no distribution point to fetch from.
    revoked_cert, _ = _leaf(
        rsa_ca,
        [
            ("C", "CN"),
            ("O", "已吊销证书示例"),
            ("serialNumber", "91330100MA0000001F"),
            ("CN", "已吊销证书示例"),
        ],
        now,
        kind="rsa-2048",
    )
    for ca, root_key, revoked in (
        (rsa_ca, rsa_root_key, [(revoked_cert.serial, now - timedelta(days=3))]),
        (sm2_ca, sm2_root_key, []),
    ):
        for issuer, key, entries in ((ca.root, root_key, []), (ca.intermediate, ca.key, revoked)):
            crl = issue_crl(
                issuer=issuer,
                issuer_key=key,
                revoked=entries,
                this_update=now - timedelta(days=1),
                next_update=now + timedelta(days=30),
                number=1,
            )
            services.pki.import_crl(services.uow(operator), crl)
    _write(pki, "revoked", revoked_cert, None, [rsa_ca.intermediate])

    plans = [
        ("bidder1", rsa_ca, "rsa-2048", "serialNumber"),
        ("bidder2", sm2_ca, "sm2", "OU"),
        ("bidder3", rsa_ca, "ec-p256", "serialNumber"),
    ]
    for key_name, ca, kind, attribute in plans:
        actor, uscc, name = bidders[key_name]
        cert, key = _leaf(
            ca, [("C", "CN"), ("O", name), (attribute, uscc), ("CN", name)], now, kind=kind
        )
        _write(pki, key_name, cert, key, [ca.intermediate])
        _bind(services, actor, cert, key)
    issue_person(pki, "expert", "张工", DEMO_PERSON_ID, now)
    (directory / "README.txt").write_text(_README, encoding="utf-8")
    return pki


def _ca_of(pki: DemoPki, kind: str) -> DemoCa:
    return next(c for c in pki.cas.values() if c.intermediate.public_key.kind == kind)


def issue_person(
    pki: DemoPki, label: str, name: str, id_number: str, now: datetime
) -> tuple[Certificate, PrivateKey]:
    """A personal SM2 signing certificate of the GM demo CA, the resident ID number in
    serialNumber (its ``person:serialNumber`` profile): what an expert signs a report with.
    Written to ``demo-pki/<label>.pem`` (with the issuing CA) and ``<label>.key``."""
    ca = _ca_of(pki, "sm2")
    cert, key = _leaf(ca, [("C", "CN"), ("serialNumber", id_number), ("CN", name)], now, kind="sm2")
    _write(pki, label, cert, key, [ca.intermediate])
    return cert, key


def issue_organisation(
    pki: DemoPki, label: str, name: str, uscc: str, now: datetime
) -> tuple[Certificate, PrivateKey]:
    """An organisation's RSA signing certificate of the RSA demo CA, the credit code in
    serialNumber: what a tenderer signs answers and contracts with. Not bound to an account
    (signing needs none); written like :func:`issue_person`."""
    ca = _ca_of(pki, "rsa-2048")
    cert, key = _leaf(
        ca, [("C", "CN"), ("O", name), ("serialNumber", uscc), ("CN", name)], now, kind="rsa-2048"
    )
    _write(pki, label, cert, key, [ca.intermediate])
    return cert, key


def bind_person(services: Services, actor: Actor, cert: Certificate, key: PrivateKey) -> None:
    """Bind a personal certificate to ``actor``'s account through the real flow."""
    _bind(services, actor, cert, key)


def _write(
    pki: DemoPki, label: str, cert: Certificate, key: PrivateKey | None, chain: list[Certificate]
) -> None:
    path = pki.directory / f"{label}.pem"
    path.write_text(cert.pem() + "".join(c.pem() for c in chain))
    if key is not None:
        key_path = pki.directory / f"{label}.key"
        key_path.write_bytes(key.pkcs8_pem())
        key_path.chmod(0o600)
    pki.files[label] = path


def _bind(services: Services, actor: Actor, cert: Certificate, key: PrivateKey) -> None:
    """Bind through the real flow: a challenge, signed with the certificate's key."""
    settings = services.settings
    challenge = login.issue_challenge(
        services.uow(actor),
        "bind",
        lifetime=timedelta(minutes=5),
        platform_code=settings.platform_code,
    )
    signature = key.sign(challenge.message.encode())
    login.bind_certificate(
        services.uow(actor),
        services.pki,
        login.SignedChallenge(
            challenge_id=challenge.id,
            certificate=cert.pem(),
            signature=base64.b64encode(signature).decode(),
            algorithm={"sm2": "sm2-sm3", "ec-p256": "ecdsa-sha256"}.get(
                key.kind, "rsa-pkcs1-sha256"
            ),
        ),
        platform_code=settings.platform_code,
        secret=settings.secret_key,
    )


_README = """prex 演示证书 / demo certificates (CA mutual recognition)

两个互相独立的演示CA已加入信任列表（prex ca list）:
  浙江数字证书认证中心（演示）  RSA-2048, 统一社会信用代码在 serialNumber
  国密数字证书认证中心（演示）  SM2/SM3,  统一社会信用代码在 OU, 个人身份证号在 serialNumber

Files (certificate followed by its issuing CA; keys are unencrypted, for the demo only):
  bidder1.pem / bidder1.key   浙江之江建设 (RSA), bound to user bidder1
  bidder2.pem / bidder2.key   杭州钱塘路桥 (SM2), bound to user bidder2
  bidder3.pem / bidder3.key   温州瓯江建工 (ECDSA P-256), bound to user bidder3
  expert.pem  / expert.key    a personal SM2 certificate (张工, user expert)
  tenderer.pem / tenderer.key 杭州城建集团 (RSA), the tenderer's signing certificate
  supervisor.pem / .key       a personal SM2 certificate (王监督, user supervisor), bound: it
                              signs complaint decisions (docs/complaints.md)
  expertN.pem / expertN.key   personal SM2 certificates of the committee members drawn for
                              the demo's evaluated tenders (users expert1, expert2, …)
  custodianN.pem / .key       opening custodians' SM2 encryption certificates
  revoked.pem                 on the RSA CA's CRL

Try:
  prex cert verify var/demo-pki/bidder2.pem --purpose login
  prex cert verify var/demo-pki/revoked.pem            # exit 1: revoked
  prex sig sign 某文件.pdf --out f.sig \\
      --cert var/demo-pki/bidder2.pem --key var/demo-pki/bidder2.key
  prex sig verify 某文件.pdf f.sig
  # the award stage (docs/tender-end-to-end.md): sign the bytes the API states, e.g. an
  # objection to the candidates in publicity, as bidder1:
  prex sig sign objection.json --out objection.p7s \\
      --cert var/demo-pki/bidder1.pem --key var/demo-pki/bidder1.key
  prex ca suspend <id> --reason 演示 ; prex cert verify var/demo-pki/bidder1.pem   # ca-suspended
  # live bidding (docs/auctions.md): sign in as bidder1 or bidder3, open /listings, the
  # listing in its listing period, and choose bidder1.pem + bidder1.key (or bidder3's) to bid
Certificate login over the API: docs/trust-a-ca.md
"""
