"""Detached CMS / GB/T 35275 signatures, checked against the ``openssl`` command-line tool.

Every key and certificate here is made by ``openssl``; signatures go both ways (OpenSSL signs,
prex verifies; prex signs, OpenSSL verifies). OpenSSL 3.0 cannot ``cms -sign`` with an SM2 key,
so the SM2 signatures are checked piecewise: the raw SM2 signature over the signed attributes
with ``openssl dgst -sm3 -sigopt distid:…``, and an SM2 id-signedData with ``openssl cms -verify``.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms as asn1_cms
from asn1crypto import core, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prex.pki import oids, sm2
from prex.pki.certs import Certificate, parse_certificates
from prex.pki.cms import BadSignature, SignatureCheck, sign_detached, verify_detached
from prex.pki.keys import PrivateKey, Scheme
from prex.shared.errors import InvalidInput

SM2_ID = "1234567812345678"
SIGNED_AT = datetime(2026, 3, 2, 1, 0, 30, tzinfo=UTC)
CONTENT = b"tender document \x00\x01\x02 \xe6\x8a\x95\xe6\xa0\x87\xe6\x96\x87\xe4\xbb\xb6\n" * 50

_EXT = """\
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""
_NEWKEY = {
    "rsa": ["-newkey", "rsa:2048"],
    "p256": ["-newkey", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "p384": ["-newkey", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
    "sm2": ["-newkey", "SM2"],
}
_DIGEST = {"rsa": "-sha256", "p256": "-sha256", "p384": "-sha384", "sm2": "-sm3"}
_SM2_SIGN = ["-sigopt", f"distid:{SM2_ID}"]


def openssl(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["openssl", *map(str, args)], check=check, capture_output=True)
    except subprocess.CalledProcessError as exc:
        exc.add_note(exc.stderr.decode(errors="replace"))
        raise


@dataclass(frozen=True)
class Party:
    """A certificate made by openssl, its key file, and both loaded into prex."""

    cert_path: Path
    key_path: Path
    cert: Certificate
    key: PrivateKey


@dataclass(frozen=True)
class Pki:
    dir: Path
    roots: dict[str, Path]  # key kind → root certificate PEM
    parties: dict[str, Party]  # rsa, p256, p384, sm2, imposter, other

    def root_of(self, name: str) -> Path:
        return self.roots["p256" if name == "p384" else name]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    base = tmp_path_factory.mktemp("cms-pki")
    (base / "ext.cnf").write_text(_EXT)

    def request(name: str, kind: str, subject: str) -> None:
        extra = _SM2_SIGN if kind == "sm2" else []
        args: list[str | Path] = ["req", "-new", "-noenc", *_NEWKEY[kind]]
        args += ["-keyout", base / f"{name}.key", "-subj", subject, _DIGEST[kind], *extra]
        openssl(*args, "-out", base / f"{name}.csr")

    def issue(name: str, kind: str, issuer: str | None, serial: str, key: str = "") -> None:
        args: list[str | Path] = ["x509", "-req", "-in", base / f"{name}.csr", _DIGEST[kind]]
        args += ["-days", "3650", "-set_serial", serial, "-extfile", base / "ext.cnf"]
        if kind == "sm2":
            args += [*_SM2_SIGN, "-vfyopt", f"distid:{SM2_ID}"]
        if issuer is None:
            args += ["-key", base / f"{name}.key", "-extensions", "ca"]
        else:
            args += ["-CA", base / f"{issuer}.pem", "-CAkey", base / f"{issuer}.key"]
            args += ["-extensions", "leaf"]
        if key:  # issue the request's subject for another key (a certificate swap)
            args += ["-force_pubkey", base / key]
        openssl(*args, "-out", base / f"{name}.pem")

    requests = [
        ("rsa-root", "rsa", "/CN=CMS Test RSA Root"),
        ("rsa", "rsa", "/O=Prex/CN=RSA Signer"),
        ("p256-root", "p256", "/CN=CMS Test ECDSA Root"),
        ("p256", "p256", "/O=Prex/CN=P-256 Signer"),
        ("p384", "p384", "/O=Prex/CN=P-384 Signer"),
        ("sm2-root", "sm2", "/CN=CMS Test SM2 Root"),
        ("sm2", "sm2", "/O=Prex/CN=SM2 Signer"),
    ]
    with ThreadPoolExecutor(len(requests)) as pool:
        list(pool.map(lambda r: request(*r), requests))
    issue("rsa-root", "rsa", None, "0x01")
    issue("p256-root", "p256", None, "0x01")
    issue("sm2-root", "sm2", None, "0x01")
    issue("rsa", "rsa", "rsa-root", "0x1001")
    issue("p256", "p256", "p256-root", "0x2001")
    issue("p384", "p256", "p256-root", "0x2002")
    issue("sm2", "sm2", "sm2-root", "0x3001")
    # Same issuer, same serial and subject as the RSA signer, but the root's key inside.
    openssl("pkey", "-in", base / "rsa-root.key", "-pubout", "-out", base / "rsa-root.pub")
    (base / "imposter.csr").write_bytes((base / "rsa.csr").read_bytes())
    issue("imposter", "rsa", "rsa-root", "0x1001", key="rsa-root.pub")
    (base / "imposter.key").write_bytes((base / "rsa-root.key").read_bytes())

    def party(name: str) -> Party:
        cert_path, key_path = base / f"{name}.pem", base / f"{name}.key"
        [cert] = parse_certificates(cert_path.read_bytes())
        return Party(cert_path, key_path, cert, PrivateKey.load(key_path.read_bytes()))

    roots = {kind: base / f"{kind}-root.pem" for kind in ("rsa", "p256", "sm2")}
    parties = {name: party(name) for name in ("rsa", "p256", "p384", "sm2", "imposter")}
    (base / "content.bin").write_bytes(CONTENT)
    return Pki(base, roots, parties)


def root_cert(pki: Pki, name: str) -> Certificate:
    [cert] = parse_certificates(pki.root_of(name).read_bytes())
    return cert


def openssl_sign(pki: Pki, name: str, *extra: str, outform: str = "DER") -> bytes:
    party = pki.parties[name]
    out = pki.dir / f"openssl-{name}-{len(extra)}.{outform.lower()}"
    args: list[str | Path] = ["cms", "-sign", "-binary", "-in", pki.dir / "content.bin"]
    args += ["-signer", party.cert_path, "-inkey", party.key_path, *extra]
    openssl(*args, "-outform", outform, "-out", out)
    return out.read_bytes()


def prex_sign(pki: Pki, name: str, content: bytes = CONTENT, **kwargs: Any) -> bytes:
    party = pki.parties[name]
    kwargs.setdefault("chain", [root_cert(pki, name)])
    return sign_detached(content, party.cert, party.key, signing_time=SIGNED_AT, **kwargs)


def signer_info(der: bytes) -> Any:
    return asn1_cms.ContentInfo.load(der)["content"]["signer_infos"][0]


def resign(der: bytes, key: PrivateKey, edit: Callable[[list[Any]], list[Any]]) -> bytes:
    """``der`` with its signed attributes edited by ``edit`` and signed again by ``key``."""
    info = asn1_cms.ContentInfo.load(der)
    si = info["content"]["signer_infos"][0]
    attributes = asn1_cms.CMSAttributes(edit([a.copy() for a in si["signed_attrs"]]))
    si["signed_attrs"] = attributes
    si["signature"] = key.sign(attributes.dump())
    return bytes(info.dump(force=True))


def attribute(kind: str, value: Any) -> Any:
    return asn1_cms.CMSAttribute({"type": kind, "values": [value]})


def replace_attribute(kind: str, value: Any) -> Callable[[list[Any]], list[Any]]:
    def edit(attributes: list[Any]) -> list[Any]:
        kept = [a for a in attributes if a["type"].native != kind]
        return [*kept, attribute(kind, value)]

    return edit


def with_certificates(der: bytes, certificates: list[Certificate]) -> bytes:
    info = asn1_cms.ContentInfo.load(der)
    info["content"]["certificates"] = [
        asn1_cms.CertificateChoices(name="certificate", value=asn1_x509.Certificate.load(c.der))
        for c in certificates
    ]
    return bytes(info.dump(force=True))


def bad(content: bytes, signature: bytes, match: str, **kwargs: Any) -> BadSignature:
    with pytest.raises(BadSignature, match=match) as caught:
        verify_detached(content, signature, **kwargs)
    assert caught.value.slug == "bad-signature"
    return caught.value


# -- OpenSSL signs, prex verifies ------------------------------------------------------------

OPENSSL_CASES = {
    "rsa-pkcs1": ("rsa", (), Scheme("rsa-pkcs1", "sha256")),
    "rsa-pss": ("rsa", ("-keyopt", "rsa_padding_mode:pss"), None),
    "p256": ("p256", (), Scheme("ecdsa", "sha256")),
    "p384": ("p384", ("-md", "sha384"), Scheme("ecdsa", "sha384")),
}


@pytest.mark.parametrize("case", OPENSSL_CASES)
def test_an_openssl_signature_verifies(pki: Pki, case: str) -> None:
    name, extra, scheme = OPENSSL_CASES[case]
    signature = openssl_sign(pki, name, *extra)

    check = verify_detached(CONTENT, signature)

    assert isinstance(check, SignatureCheck)
    assert check.signer == pki.parties[name].cert
    assert check.certificates == (pki.parties[name].cert,)
    assert check.signing_time is not None and check.signing_time.tzinfo is not None
    if scheme is None:  # OpenSSL picks the PSS salt length (the maximum, in 3.0)
        assert (check.scheme.family, check.scheme.hash) == ("rsa-pss", "sha256")
        assert check.scheme.salt_length
    else:
        assert check.scheme == scheme
    assert check.digest_algorithm == check.scheme.hash


def test_pem_armoured_input_is_accepted(pki: Pki) -> None:
    signature = openssl_sign(pki, "p256", outform="PEM")
    assert signature.startswith(b"-----BEGIN CMS-----")
    assert verify_detached(CONTENT, signature).signer == pki.parties["p256"].cert
    der = openssl_sign(pki, "p256")
    as_pkcs7 = asn1_pem.armor("PKCS7", der)
    assert verify_detached(CONTENT, as_pkcs7).signer == pki.parties["p256"].cert


def test_the_signer_is_found_by_subject_key_identifier(pki: Pki) -> None:
    signature = openssl_sign(pki, "p256", "-keyid")
    assert signer_info(signature)["sid"].name == "subject_key_identifier"
    assert verify_detached(CONTENT, signature).signer == pki.parties["p256"].cert


def test_a_signature_without_signed_attributes_signs_the_content_itself(pki: Pki) -> None:
    signature = openssl_sign(pki, "rsa", "-noattr")
    assert isinstance(signer_info(signature)["signed_attrs"], core.Void)

    check = verify_detached(CONTENT, signature)

    assert check.signing_time is None
    bad(CONTENT + b"!", signature, "^the signature does not verify with the signer's certificate$")


# -- prex signs, OpenSSL verifies ------------------------------------------------------------

PREX_CASES = {
    "rsa-pkcs1": ("rsa", None),
    "rsa-pss": ("rsa", Scheme("rsa-pss", "sha256", 32)),
    "p256": ("p256", None),
    "p384": ("p384", None),
}


@pytest.mark.parametrize("case", PREX_CASES)
def test_a_prex_signature_verifies_with_openssl(pki: Pki, case: str) -> None:
    name, scheme = PREX_CASES[case]
    signature = prex_sign(pki, name, scheme=scheme)
    path = pki.dir / f"prex-{case}.der"
    path.write_bytes(signature)

    args: list[str | Path] = ["cms", "-verify", "-binary", "-inform", "DER", "-in", path]
    args += ["-content", pki.dir / "content.bin", "-CAfile", pki.root_of(name)]
    result = openssl(*args, "-purpose", "any", "-out", "/dev/null", check=False)

    assert result.returncode == 0, result.stderr.decode()
    assert b"Verification successful" in result.stderr
    check = verify_detached(CONTENT, signature)
    assert check.signer == pki.parties[name].cert
    assert check.certificates == (pki.parties[name].cert, root_cert(pki, name))
    assert check.signing_time == SIGNED_AT.replace(microsecond=0)
    assert check.scheme == (scheme or pki.parties[name].key.default_scheme)


def test_signed_attributes_are_der_sorted_and_bind_the_certificate(pki: Pki) -> None:
    si = signer_info(prex_sign(pki, "p256"))
    names = [a["type"].native for a in si["signed_attrs"]]
    assert sorted(names) == sorted(
        ["content_type", "signing_time", "message_digest", "signing_certificate_v2"]
    )
    encodings = [a.dump() for a in si["signed_attrs"]]
    assert encodings == sorted(encodings)
    assert si["sid"].name == "issuer_and_serial_number"
    assert si["sid"].chosen["serial_number"].native == 0x2001


# -- SM2 (GB/T 35275) ------------------------------------------------------------------------


def test_sm2_signs_gbt35275_signed_data(pki: Pki) -> None:
    party = pki.parties["sm2"]
    signature = prex_sign(pki, "sm2")

    info = asn1_cms.ContentInfo.load(signature)
    assert info["content_type"].dotted == oids.GM_SIGNED_DATA
    signed_data = info["content"]
    assert signed_data["encap_content_info"]["content_type"].dotted == oids.GM_DATA
    assert isinstance(signed_data["encap_content_info"]["content"], core.Void)  # detached
    si = signed_data["signer_infos"][0]
    assert si["digest_algorithm"]["algorithm"].dotted == oids.SM3
    assert si["signature_algorithm"]["algorithm"].dotted == oids.SM2_SIGN
    content_type = next(a for a in si["signed_attrs"] if a["type"].native == "content_type")
    assert content_type["values"][0].dotted == oids.GM_DATA

    check = verify_detached(CONTENT, signature)
    assert check.signer == party.cert
    assert check.scheme == Scheme("sm2", "sm3") and check.digest_algorithm == "sm3"
    assert check.signing_time == SIGNED_AT.replace(microsecond=0)
    bad(CONTENT[:-1], signature, "message digest differs")


def test_gbt35275_signed_data_without_authenticated_attributes(pki: Pki) -> None:
    """The layout of many Chinese e-seal systems: SM2 over the content itself, no attributes."""
    party = pki.parties["sm2"]
    info = asn1_cms.ContentInfo.load(prex_sign(pki, "sm2"))
    si = info["content"]["signer_infos"][0]
    si["signed_attrs"] = None
    si["signature"] = party.key.sign(CONTENT)
    signature = bytes(info.dump(force=True))

    check = verify_detached(CONTENT, signature)

    assert check.signer == party.cert and check.signing_time is None
    bad(CONTENT + b" ", signature, "^the signature does not verify with the signer's certificate$")


def test_the_sm2_signature_inside_verifies_with_openssl_under_the_default_id(pki: Pki) -> None:
    si = signer_info(prex_sign(pki, "sm2"))
    attrs, raw = pki.dir / "sm2-attrs.der", pki.dir / "sm2-sig.der"
    attrs.write_bytes(b"\x31" + si["signed_attrs"].dump()[1:])  # the [0] tag becomes SET
    raw.write_bytes(si["signature"].native)
    public = pki.dir / "sm2.pub"
    openssl("x509", "-in", pki.parties["sm2"].cert_path, "-pubkey", "-noout", "-out", public)

    def dgst(*opts: str) -> subprocess.CompletedProcess[bytes]:
        args: list[str | Path] = ["dgst", "-sm3", "-verify", public, *opts]
        return openssl(*args, "-signature", raw, attrs, check=False)

    assert dgst("-sigopt", f"distid:{SM2_ID}").stdout.strip() == b"Verified OK"
    assert dgst().returncode != 0  # OpenSSL's default, the empty ID, is not what we sign with


def test_openssl_cms_sign_with_an_sm2_key(pki: Pki) -> None:
    """OpenSSL 3.0 cannot `cms -sign` with an SM2 key (it writes a SignerInfo without a
    signature algorithm and fails on output), which is why SM2 interop is tested with
    `openssl dgst` above. Should a newer OpenSSL manage it, its signature must verify here."""
    try:
        signature = openssl_sign(pki, "sm2")
    except subprocess.CalledProcessError as exc:
        assert b"illegal zero content" in exc.stderr
        assert openssl("version").stdout.startswith(b"OpenSSL 3.0")
        return
    check = verify_detached(CONTENT, signature)
    assert check.scheme.family == "sm2"


def test_sm2_in_a_standard_signed_data_as_openssl_reads_it(pki: Pki) -> None:
    """id-signedData with SM2withSM3; OpenSSL 3 signs and verifies SM2 with the empty ID."""
    party = pki.parties["sm2"]
    signature = prex_sign(pki, "sm2", sm2_profile="cms", chain=[])
    info = asn1_cms.ContentInfo.load(signature)
    assert info["content_type"].native == "signed_data"
    si = info["content"]["signer_infos"][0]
    assert si["signature_algorithm"]["algorithm"].dotted == oids.SM2_WITH_SM3
    assert verify_detached(CONTENT, signature).scheme == Scheme("sm2", "sm3")

    # The same structure signed with OpenSSL 3's empty SM2 identity.
    der = pem_key_der(party.key_path.read_bytes())
    sm2_key = sm2.private_key_from_info(asn1_keys.PrivateKeyInfo.load(der))
    to_sign = b"\x31" + si["signed_attrs"].dump()[1:]
    si["signature"] = sm2_key.sign(to_sign, signer_id=sm2.EMPTY_ID)
    empty_id = bytes(info.dump(force=True))
    path = pki.dir / "sm2-empty-id.der"
    path.write_bytes(empty_id)

    # `cms -verify` cannot take a distid, so it cannot check the certificate (signed with the
    # default ID): -noverify checks the CMS signature alone.
    args: list[str | Path] = ["cms", "-verify", "-binary", "-inform", "DER", "-in", path]
    args += ["-content", pki.dir / "content.bin", "-noverify"]
    result = openssl(*args, "-out", "/dev/null", check=False)
    assert result.returncode == 0, result.stderr.decode()
    assert verify_detached(CONTENT, empty_id).signer == party.cert


def pem_key_der(data: bytes) -> bytes:
    _, _, der = asn1_pem.unarmor(data)
    return bytes(der)


# -- refusals --------------------------------------------------------------------------------


def test_tampered_content(pki: Pki) -> None:
    signature = prex_sign(pki, "rsa")
    tampered = CONTENT.replace(b"tender", b"TENDER", 1)
    bad(
        tampered,
        signature,
        r"^the content does not match the signature \(message digest differs\)$",
    )


def test_a_certificate_swapped_for_one_with_the_same_issuer_and_serial(pki: Pki) -> None:
    imposter = pki.parties["imposter"].cert
    assert imposter.serial == pki.parties["rsa"].cert.serial
    assert imposter.issuer_der == pki.parties["rsa"].cert.issuer_der
    swapped = with_certificates(prex_sign(pki, "rsa"), [imposter])
    bad(CONTENT, swapped, "^the signature does not verify with the signer's certificate$")


def test_a_certificate_swapped_for_another_signer(pki: Pki) -> None:
    swapped = with_certificates(prex_sign(pki, "rsa"), [pki.parties["p256"].cert])
    error = bad(CONTENT, swapped, "^the signer's certificate is not in the signature")
    assert "serial 1001" in error.message and "CMS Test RSA Root" in error.message


def test_the_signer_may_come_from_the_extra_certificates(pki: Pki) -> None:
    bare = with_certificates(prex_sign(pki, "p384"), [])
    bad(CONTENT, bare, "^the signer's certificate is not in the signature")
    check = verify_detached(CONTENT, bare, extra_certificates=[pki.parties["p384"].cert])
    assert check.signer == pki.parties["p384"].cert and check.certificates == ()


def test_signing_certificate_v2_must_name_the_signer(pki: Pki) -> None:
    party = pki.parties["p256"]
    other = tsp.SigningCertificateV2({"certs": [{"cert_hash": b"\x00" * 32}]})
    edited = resign(
        prex_sign(pki, "p256"), party.key, replace_attribute("signing_certificate_v2", other)
    )
    bad(CONTENT, edited, "signingCertificateV2 attribute names another certificate")


def test_the_wrong_content_type_attribute(pki: Pki) -> None:
    party = pki.parties["p256"]
    edited = resign(
        prex_sign(pki, "p256"), party.key, replace_attribute("content_type", "signed_data")
    )
    bad(
        CONTENT,
        edited,
        r"^the contentType attribute \(1\.2\.840\.113549\.1\.7\.2\) does not match the signed "
        r"content type \(1\.2\.840\.113549\.1\.7\.1\)$",
    )


def test_missing_message_digest(pki: Pki) -> None:
    party = pki.parties["p256"]

    def drop(attributes: list[Any]) -> list[Any]:
        return [a for a in attributes if a["type"].native != "message_digest"]

    edited = resign(prex_sign(pki, "p256"), party.key, drop)
    bad(CONTENT, edited, "^the signed attributes lack the messageDigest attribute$")


def test_truncated_der(pki: Pki) -> None:
    signature = prex_sign(pki, "rsa")
    bad(CONTENT, signature[: len(signature) // 2], r"^truncated or malformed DER \(")
    bad(CONTENT, signature + b"\x00", r"^truncated or malformed DER \(")


def test_garbage_bytes() -> None:
    bad(CONTENT, b"this is no signature at all", r"^not a CMS SignedData structure \(neither DER")


def test_der_that_is_not_signed_data(pki: Pki) -> None:
    bad(CONTENT, pki.parties["rsa"].cert.der, "^not a CMS SignedData structure$")
    data = asn1_cms.ContentInfo({"content_type": "data", "content": b"x"}).dump()
    bad(
        CONTENT,
        data,
        r"^not a CMS SignedData structure \(content type 1\.2\.840\.113549\.1\.7\.1\)$",
    )
    bad(CONTENT, b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n", "PEM block")


def test_empty_and_oversized_input() -> None:
    bad(CONTENT, b"", "^the signature is empty$")
    bad(CONTENT, b"\x30" + b"\x00" * (1024 * 1024), r"^a signature of 1048577 bytes is refused")


def test_sha1_is_refused(pki: Pki) -> None:
    signature = openssl_sign(pki, "rsa", "-md", "sha1")
    bad(CONTENT, signature, "^the digest algorithm sha1 is too weak")


def test_more_than_one_signer_is_refused(pki: Pki) -> None:
    second = pki.parties["p256"]
    extra = ("-signer", str(second.cert_path), "-inkey", str(second.key_path))
    signature = openssl_sign(pki, "rsa", *extra)
    bad(CONTENT, signature, "^the signature has 2 signers; only single-signer signatures")


def test_embedded_content_must_be_the_content_given(pki: Pki) -> None:
    signature = openssl_sign(pki, "p256", "-nodetach")
    assert verify_detached(CONTENT, signature).signer == pki.parties["p256"].cert
    bad(b"other", signature, "^the signature embeds content other than the content given$")


def test_signing_refuses_a_key_that_does_not_fit(pki: Pki) -> None:
    rsa, p256 = pki.parties["rsa"], pki.parties["p256"]
    with pytest.raises(InvalidInput, match="does not belong to the signer's certificate"):
        sign_detached(CONTENT, rsa.cert, pki.parties["imposter"].key, signing_time=SIGNED_AT)
    with pytest.raises(InvalidInput, match="cannot sign with ecdsa"):
        sign_detached(
            CONTENT, rsa.cert, rsa.key, signing_time=SIGNED_AT, scheme=Scheme("ecdsa", "sha256")
        )
    with pytest.raises(InvalidInput, match="too weak"):
        sign_detached(
            CONTENT, p256.cert, p256.key, signing_time=SIGNED_AT, scheme=Scheme("ecdsa", "sha1")
        )
    with pytest.raises(InvalidInput, match="timezone-aware"):
        sign_detached(CONTENT, p256.cert, p256.key, signing_time=datetime(2026, 3, 2))


def test_a_signing_time_after_2049_is_generalized_time(pki: Pki) -> None:
    party = pki.parties["p256"]
    late = datetime(2051, 1, 1, tzinfo=UTC)
    signature = sign_detached(CONTENT, party.cert, party.key, signing_time=late)
    si = signer_info(signature)
    signing_time = next(a for a in si["signed_attrs"] if a["type"].native == "signing_time")
    assert signing_time["values"][0].name == "generalized_time"
    assert verify_detached(CONTENT, signature).signing_time == late


# -- only BadSignature, whatever the input ---------------------------------------------------


def only_bad_signature(signature: bytes) -> None:
    with contextlib.suppress(BadSignature):
        verify_detached(CONTENT, signature)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_raise_only_bad_signature(data: bytes) -> None:
    only_bad_signature(data)
    only_bad_signature(b"\x30" + data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_signatures_raise_only_bad_signature(pki: Pki, data: st.DataObject) -> None:
    signature = bytearray(_valid_signature(pki, data.draw(st.sampled_from(["p256", "sm2"]))))
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(signature) - 1))
        action = data.draw(st.sampled_from(["set", "flip", "delete", "insert", "truncate"]))
        if action == "set":
            signature[position] = data.draw(st.integers(0, 255))
        elif action == "flip":
            signature[position] ^= 1 << data.draw(st.integers(0, 7))
        elif action == "delete":
            del signature[position]
        elif action == "insert":
            signature[position:position] = data.draw(st.binary(min_size=1, max_size=8))
        else:
            del signature[position:]
        if not signature:
            signature = bytearray(b"\x30")
    only_bad_signature(bytes(signature))


_SIGNATURES: dict[str, bytes] = {}


def _valid_signature(pki: Pki, name: str) -> bytes:
    if name not in _SIGNATURES:
        _SIGNATURES[name] = prex_sign(pki, name)
    return _SIGNATURES[name]
