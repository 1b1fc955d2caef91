"""The certificate and CRL issuer: what it makes, and that OpenSSL accepts it."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from asn1crypto import crl as asn1_crl
from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID

from prex.pki.certs import Certificate, parse_certificate
from prex.pki.issue import issue_certificate, issue_crl, key_identifier
from prex.pki.keys import PrivateKey
from prex.shared.errors import InvalidInput

NOW = datetime.now(UTC).replace(microsecond=0)
NOT_BEFORE = NOW - timedelta(days=1)
NOT_AFTER = NOW + timedelta(days=365)
SM2_ID = "1234567812345678"
OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the openssl CLI is not installed")


@dataclass(frozen=True)
class Chain:
    root_key: PrivateKey
    root: Certificate
    int_key: PrivateKey
    intermediate: Certificate
    leaf_key: PrivateKey
    leaf: Certificate


@cache
def chain(kind: str) -> Chain:
    """Root → intermediate (pathlen 0, CRL and OCSP URLs) → end entity, all of one key kind."""
    root_key, int_key, leaf_key = (PrivateKey.generate(kind) for _ in range(3))
    root = issue_certificate(
        subject={"C": "CN", "O": "测试根 CA", "CN": f"Test Root {kind}"},
        subject_key=root_key.public_key(),
        issuer=None,
        issuer_key=root_key,
        not_before=NOT_BEFORE,
        not_after=NOT_AFTER,
        ca=True,
    )
    intermediate = issue_certificate(
        subject=[("C", "CN"), ("O", "测试 CA"), ("OU", "一部"), ("OU", "二部"), ("CN", "Sub")],
        subject_key=int_key.public_key(),
        issuer=root,
        issuer_key=root_key,
        not_before=NOT_BEFORE,
        not_after=NOT_AFTER,
        ca=True,
        path_length=0,
        crl_urls=["http://crl.example.cn/sub.crl"],
        ocsp_urls=["http://ocsp.example.cn/"],
    )
    leaf = issue_certificate(
        subject={
            "C": "CN",
            "ST": "北京市",
            "L": "海淀区",
            "O": "某某建设有限公司",
            "CN": "张三",
            "serialNumber": "110101199003071234",
            "organizationIdentifier": "91110000802100433B",
        },
        subject_key=leaf_key.public_key(),
        issuer=intermediate,
        issuer_key=int_key,
        not_before=NOT_BEFORE,
        not_after=NOT_AFTER,
        key_usage={"digital_signature", "content_commitment"},
        extended_key_usage={"client_auth", "email_protection"},
        crl_urls=["http://crl.example.cn/sub.crl"],
    )
    return Chain(root_key, root, int_key, intermediate, leaf_key, leaf)


def openssl(*args: str, cwd: Path) -> str:
    assert OPENSSL is not None
    done = subprocess.run(
        [OPENSSL, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=30
    )
    assert done.returncode == 0, f"openssl {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done.stdout + done.stderr


def write_chain(c: Chain, directory: Path) -> None:
    for name, cert in (("root", c.root), ("int", c.intermediate), ("leaf", c.leaf)):
        (directory / f"{name}.pem").write_text(cert.pem())


def make_crl(c: Chain, revoked: list[tuple[int, datetime]], number: int = 7) -> bytes:
    return issue_crl(
        issuer=c.intermediate,
        issuer_key=c.int_key,
        revoked=revoked,
        this_update=NOW,
        next_update=NOW + timedelta(days=7),
        number=number,
    )


# --- OpenSSL interoperability --------------------------------------------------------------


@needs_openssl
@pytest.mark.parametrize("kind", ["rsa-2048", "ec-p256", "ec-p384"])
def test_openssl_verifies_a_three_level_chain(kind: str, tmp_path: Path) -> None:
    write_chain(chain(kind), tmp_path)
    out = openssl(
        "verify", "-check_ss_sig", "-CAfile", "root.pem", "-untrusted", "int.pem", "leaf.pem",
        cwd=tmp_path,
    )  # fmt: skip
    assert "leaf.pem: OK" in out


@needs_openssl
@pytest.mark.parametrize("kind", ["rsa-2048", "ec-p256"])
def test_openssl_verifies_crls_with_and_without_entries(kind: str, tmp_path: Path) -> None:
    c = chain(kind)
    write_chain(c, tmp_path)
    (tmp_path / "full.crl").write_bytes(make_crl(c, [(c.leaf.serial, NOW), (12345, NOW)]))
    (tmp_path / "empty.crl").write_bytes(make_crl(c, [], number=8))
    for name in ("full.crl", "empty.crl"):
        out = openssl(
            "crl", "-inform", "DER", "-in", name, "-CAfile", "int.pem", "-noout", "-verify",
            cwd=tmp_path,
        )  # fmt: skip
        assert "verify OK" in out
    text = openssl("crl", "-inform", "DER", "-in", "full.crl", "-noout", "-text", cwd=tmp_path)
    assert "Version 2" in text
    assert re.search(rf"Serial Number: 0*{c.leaf.serial:X}\n", text)
    assert re.search(r"Serial Number: 0*3039\n", text)  # 12345
    assert re.search(r"CRL Number: *\n +7\n", text)
    assert "Authority Key Identifier" in text
    assert "No Revoked Certificates" in openssl(
        "crl", "-inform", "DER", "-in", "empty.crl", "-noout", "-text", cwd=tmp_path
    )


@needs_openssl
def test_openssl_verifies_each_sm2_link_with_the_default_distinguishing_id(
    tmp_path: Path,
) -> None:
    # OpenSSL 3.0 applies `-vfyopt distid:` only to the target certificate, not to the ones
    # it finds on the way (openssl/openssl#23471), so each link is checked on its own.
    c = chain("sm2")
    write_chain(c, tmp_path)
    distid = f"distid:{SM2_ID}"
    assert "int.pem: OK" in openssl(
        "verify", "-vfyopt", distid, "-CAfile", "root.pem", "int.pem", cwd=tmp_path
    )
    assert "leaf.pem: OK" in openssl(
        "verify", "-vfyopt", distid, "-partial_chain", "-CAfile", "int.pem", "leaf.pem",
        cwd=tmp_path,
    )  # fmt: skip


@needs_openssl
def test_openssl_dgst_checks_every_sm2_signature_over_the_extracted_tbs(tmp_path: Path) -> None:
    c = chain("sm2")
    write_chain(c, tmp_path)
    (tmp_path / "crl.der").write_bytes(make_crl(c, [(c.leaf.serial, NOW)]))
    openssl("x509", "-in", "root.pem", "-pubkey", "-noout", "-out", "root.pub", cwd=tmp_path)
    openssl("x509", "-in", "int.pem", "-pubkey", "-noout", "-out", "int.pub", cwd=tmp_path)
    for signed, inform, key in (
        ("root.pem", "PEM", "root.pub"),  # self-signed
        ("int.pem", "PEM", "root.pub"),
        ("leaf.pem", "PEM", "int.pub"),
        ("crl.der", "DER", "int.pub"),
    ):
        tbs_offset, signature_offset = _tbs_and_signature_offsets(
            openssl("asn1parse", "-inform", inform, "-in", signed, cwd=tmp_path)
        )
        for offset, out in ((tbs_offset, "tbs.der"), (signature_offset, "sig.der")):
            openssl(
                "asn1parse", "-inform", inform, "-in", signed, "-strparse", str(offset),
                "-noout", "-out", out, cwd=tmp_path,
            )  # fmt: skip
        out = openssl(
            "dgst", "-sm3", "-verify", key, "-sigopt", f"distid:{SM2_ID}",
            "-signature", "sig.der", "tbs.der", cwd=tmp_path,
        )  # fmt: skip
        assert "Verified OK" in out, signed


def _tbs_and_signature_offsets(listing: str) -> tuple[int, int]:
    """From `openssl asn1parse` output: the first depth-1 SEQUENCE and the depth-1 BIT STRING."""
    depth1 = [
        (int(m.group(1)), m.group(2).strip())
        for m in re.finditer(r"^\s*(\d+):d=1\s+hl=\s*\d+\s+l=\s*\d+\s+\w+:\s+(.+)$", listing, re.M)
    ]
    tbs = next(offset for offset, kind in depth1 if kind.startswith("SEQUENCE"))
    signature = next(offset for offset, kind in depth1 if kind.startswith("BIT STRING"))
    return tbs, signature


# --- what the certificates contain ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["rsa-2048", "ec-p256", "sm2"])
def test_signatures_verify_with_the_issuers_key(kind: str) -> None:
    c = chain(kind)
    for cert, issuer in ((c.root, c.root), (c.intermediate, c.root), (c.leaf, c.intermediate)):
        assert issuer.public_key.verify(cert.signature_scheme, cert.signature, cert.tbs)
        assert cert.issuer_der == issuer.subject_der
    assert c.root.self_issued


def test_ca_extensions() -> None:
    c = chain("ec-p256")
    for cert, path_length in ((c.root, None), (c.intermediate, 0)):
        assert cert.basic_constraints.ca
        assert cert.basic_constraints.path_length == path_length
        assert cert.key_usage == {"key_cert_sign", "crl_sign"}
        assert cert.x509.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).critical
        assert cert.x509.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).critical
        assert cert.x509.version == x509.Version.v3
    assert c.intermediate.crl_urls == ("http://crl.example.cn/sub.crl",)
    assert c.intermediate.ocsp_urls == ("http://ocsp.example.cn/",)
    assert c.root.authority_key_id == c.root.subject_key_id
    assert c.intermediate.authority_key_id == c.root.subject_key_id


def test_end_entity_extensions() -> None:
    c = chain("rsa-2048")
    leaf = c.leaf
    assert not leaf.basic_constraints.ca
    assert leaf.key_usage == {"digital_signature", "content_commitment"}
    assert leaf.extended_key_usage == {"1.3.6.1.5.5.7.3.2", "1.3.6.1.5.5.7.3.4"}
    eku = leaf.x509.extensions.get_extension_for_oid(ExtensionOID.EXTENDED_KEY_USAGE)
    assert not eku.critical
    assert leaf.authority_key_id == c.intermediate.subject_key_id
    assert leaf.unknown_critical_extensions == ()


@pytest.mark.parametrize("kind", ["rsa-2048", "ec-p256", "sm2"])
def test_subject_key_identifier_is_sha1_of_the_public_key_bits(kind: str) -> None:
    leaf = chain(kind).leaf
    der = leaf.public_key.spki_der
    assert leaf.subject_key_id == key_identifier(der)
    if kind != "sm2":  # cryptography computes it the same way (RFC 5280 method 1)
        expected = x509.SubjectKeyIdentifier.from_public_key(leaf.x509.public_key()).digest
        assert leaf.subject_key_id == expected
    assert len(leaf.subject_key_id or b"") == 20
    assert leaf.subject_key_id != hashlib.sha1(der).digest()  # bits, not the whole SPKI


def test_subject_order_encodings_and_chinese_text() -> None:
    c = chain("ec-p256")
    rdns = [rdn for rdn in c.intermediate.x509.subject.rdns]
    assert [next(iter(r)).value for r in rdns] == ["CN", "测试 CA", "一部", "二部", "Sub"]
    leaf = c.leaf
    assert leaf.common_name == "张三"
    assert leaf.name_attributes("2.5.4.97") == ["91110000802100433B"]
    assert leaf.name_attributes("2.5.4.5") == ["110101199003071234"]
    by_oid = {next(iter(r)).oid: next(iter(r)) for r in leaf.x509.subject.rdns}
    assert by_oid[NameOID.COUNTRY_NAME]._type == x509.name._ASN1Type.PrintableString
    assert by_oid[NameOID.SERIAL_NUMBER]._type == x509.name._ASN1Type.PrintableString
    assert by_oid[NameOID.COMMON_NAME]._type == x509.name._ASN1Type.UTF8String
    assert by_oid[NameOID.ORGANIZATION_IDENTIFIER]._type == x509.name._ASN1Type.UTF8String


def test_time_stamping_is_critical_and_alone() -> None:
    key = PrivateKey.generate("ec-p256")
    c = chain("ec-p256")
    tsa = issue_certificate(
        subject={"CN": "TSA"},
        subject_key=key.public_key(),
        issuer=c.intermediate,
        issuer_key=c.int_key,
        not_before=NOT_BEFORE,
        not_after=NOT_AFTER,
        extended_key_usage={"time_stamping"},
    )
    eku = tsa.x509.extensions.get_extension_for_oid(ExtensionOID.EXTENDED_KEY_USAGE)
    assert eku.critical
    assert tsa.extended_key_usage == {"1.3.6.1.5.5.7.3.8"}
    with pytest.raises(InvalidInput, match="only extended key usage"):
        issue_certificate(
            subject={"CN": "TSA"},
            subject_key=key.public_key(),
            issuer=c.intermediate,
            issuer_key=c.int_key,
            not_before=NOT_BEFORE,
            not_after=NOT_AFTER,
            extended_key_usage={"time_stamping", "client_auth"},
        )


def test_serials_are_random_positive_and_explicit_ones_are_kept() -> None:
    c = chain("ec-p256")
    key = c.leaf_key.public_key()

    def make(serial: int | None) -> Certificate:
        return issue_certificate(
            subject={"CN": "x"},
            subject_key=key,
            issuer=c.intermediate,
            issuer_key=c.int_key,
            not_before=NOT_BEFORE,
            not_after=NOT_AFTER,
            serial=serial,
        )

    serials = {make(None).serial for _ in range(5)}
    assert len(serials) == 5
    assert all(0 < s < 2**128 for s in serials)
    assert make(42).serial == 42
    assert make(2**159 - 1).serial == 2**159 - 1


def test_dates_beyond_2049_use_generalized_time_and_microseconds_are_dropped() -> None:
    c = chain("ec-p256")
    cert = issue_certificate(
        subject={"CN": "long"},
        subject_key=c.leaf_key.public_key(),
        issuer=c.intermediate,
        issuer_key=c.int_key,
        not_before=datetime(2026, 1, 1, 8, 0, 0, 123456, tzinfo=UTC),
        not_after=datetime(2051, 1, 1, tzinfo=UTC),
    )
    assert cert.not_before == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    assert cert.not_after == datetime(2051, 1, 1, tzinfo=UTC)
    assert b"\x18\x0f20510101000000Z" in cert.der  # GeneralizedTime
    assert b"\x17\x0d260101080000Z" in cert.der  # UTCTime


def test_crl_contents() -> None:
    c = chain("ec-p256")
    der = make_crl(c, [(c.leaf.serial, NOW - timedelta(hours=1)), (99, NOW)], number=41)
    crl = x509.load_der_x509_crl(der)
    assert crl.is_signature_valid(c.intermediate.x509.public_key())  # type: ignore[arg-type]
    assert crl.issuer.public_bytes() == c.intermediate.subject_der
    assert {r.serial_number for r in crl} == {c.leaf.serial, 99}
    number = crl.extensions.get_extension_for_class(x509.CRLNumber)
    assert number.value.crl_number == 41
    assert not number.critical
    aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == c.intermediate.subject_key_id
    assert crl.next_update_utc == NOW + timedelta(days=7)
    empty_der = make_crl(c, [])
    assert len(x509.load_der_x509_crl(empty_der)) == 0
    tbs = asn1_crl.CertificateList.load(empty_der)["tbs_cert_list"]
    assert tbs["revoked_certificates"].native is None  # absent, not an empty SEQUENCE


def test_pem_round_trip() -> None:
    leaf = chain("sm2").leaf
    assert parse_certificate(leaf.pem().encode()) == leaf


# --- refusals ----------------------------------------------------------------------------------


def _issue(**overrides: object) -> Certificate:
    c = chain("ec-p256")
    args: dict[str, object] = {
        "subject": {"CN": "x"},
        "subject_key": c.leaf_key.public_key(),
        "issuer": c.intermediate,
        "issuer_key": c.int_key,
        "not_before": NOT_BEFORE,
        "not_after": NOT_AFTER,
    }
    args.update(overrides)
    return issue_certificate(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"subject": {"EMAIL": "a@b"}}, "not supported"),
        ({"subject": {}}, "at least one"),
        ({"subject": {"CN": " "}}, "empty"),
        ({"subject": {"C": "CHN"}}, "two-letter"),
        ({"subject": {"serialNumber": "身份证"}}, "PrintableString"),
        ({"not_before": datetime(2026, 1, 1)}, "timezone-aware"),
        ({"not_after": NOT_BEFORE}, "later than"),
        ({"serial": 0}, "positive"),
        ({"serial": 2**160}, "20 octets"),
        ({"path_length": 1}, "only for CA"),
        ({"ca": True, "path_length": -1}, "non-negative"),
        ({"key_usage": {"sign_everything"}}, "unknown key usage"),
        ({"key_usage": {"key_cert_sign"}}, "only for CA"),
        ({"ca": True, "key_usage": {"digital_signature"}}, "must include key_cert_sign"),
        ({"extended_key_usage": {"teleportation"}}, "unknown extended key usage"),
        ({"crl_urls": "http://x/crl"}, "as a list"),
        ({"ocsp_urls": ["ftp://x"]}, "not an http"),
        ({"issuer_key": PrivateKey.generate("ec-p256")}, "not the key of the issuer"),
        ({"issuer": None}, "own key"),
    ],
)
def test_refusals(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        _issue(**overrides)


def test_dotted_oids_are_accepted_for_names_and_purposes() -> None:
    cert = _issue(
        subject=[("2.5.4.3", "dotted"), ("2.5.4.97", "NTRCN-91110000802100433B")],
        extended_key_usage={"1.2.156.112562.1.2.3", "client_auth"},
    )
    assert cert.common_name == "dotted"
    assert cert.extended_key_usage == {"1.2.156.112562.1.2.3", "1.3.6.1.5.5.7.3.2"}


def test_crl_refusals() -> None:
    c = chain("ec-p256")
    base: dict[str, object] = {
        "issuer": c.intermediate,
        "issuer_key": c.int_key,
        "revoked": [],
        "this_update": NOW,
        "next_update": NOW + timedelta(days=1),
        "number": 1,
    }
    for overrides, message in (
        ({"issuer_key": c.root_key}, "not the key"),
        ({"next_update": NOW}, "later than"),
        ({"number": -1}, "non-negative"),
        ({"revoked": [(0, NOW)]}, "positive"),
        ({"revoked": [(5, datetime(2026, 1, 1))]}, "timezone-aware"),
    ):
        with pytest.raises(InvalidInput, match=message):
            issue_crl(**{**base, **overrides})  # type: ignore[arg-type]
