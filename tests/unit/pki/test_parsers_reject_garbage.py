"""Every pki parser turns hostile bytes into one clear domain error — never a library traceback:
random bytes, real structures with bytes flipped or cut, and oversized input."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prex.pki.certs import BadCertificate, load_certificate, parse_certificates
from prex.pki.keys import PrivateKey, PublicKey, Scheme
from prex.pki.path import CertificateRefused, PathValidator
from prex.pki.revocation import (
    BadCrl,
    MemoryCrlStore,
    RevocationChecker,
    _read_ocsp,
    parse_crl,
)
from prex.pki.sm2 import Sm2PrivateKey
from prex.pki.trust import ALL_PURPOSES, CaStatus, Purpose, TrustedCa, TrustList
from prex.shared.errors import DomainError, InvalidInput
from tests.pki_openssl import PkiWorld

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
NOW = datetime(2026, 3, 2, 1, tzinfo=UTC)


def mutations(original: bytes) -> st.SearchStrategy[bytes]:
    """Flip, cut or splice bytes of a real structure: deep parser paths, not just the header."""
    position = st.integers(0, max(0, len(original) - 1))
    flip = st.tuples(position, st.integers(1, 255)).map(
        lambda pv: original[: pv[0]] + bytes([original[pv[0]] ^ pv[1]]) + original[pv[0] + 1 :]
    )
    cut = position.map(lambda p: original[:p])
    splice = st.tuples(position, st.binary(max_size=16)).map(
        lambda pb: original[: pb[0]] + pb[1] + original[pb[0] :]
    )
    return st.one_of(flip, cut, splice)


@FUZZ
@given(data=st.binary(max_size=2048))
def test_random_bytes_are_never_a_certificate_crl_or_key(data: bytes) -> None:
    for parse, error in (
        (parse_certificates, BadCertificate),
        (parse_crl, BadCrl),
        (PublicKey.from_spki_der, InvalidInput),
        (PrivateKey.load, InvalidInput),
    ):
        with pytest.raises(error):
            parse(data)


@FUZZ
@given(st.data())
def test_damaged_certificates_fail_cleanly_or_still_validate_cleanly(
    pki_world: PkiWorld, data: st.DataObject
) -> None:
    names = ["rsa-org", "ecdsa-org", "sm2-org", "rsa-pss"]
    original = pki_world.leaves[data.draw(st.sampled_from(names))].der.read_bytes()
    damaged = data.draw(mutations(original))
    root = load_certificate(pki_world.cas["sm2"].der.read_bytes())
    trust = TrustList([TrustedCa("r", root, CaStatus.ACTIVE, ALL_PURPOSES, ())])
    checker = RevocationChecker(MemoryCrlStore(), lambda url, body, limit: b"")
    try:
        cert = load_certificate(damaged)
        PathValidator(trust, checker).validate(cert, purpose=Purpose.SIGNING, now=NOW)
    except (BadCertificate, CertificateRefused, DomainError):
        pass


@FUZZ
@given(st.data())
def test_damaged_crls_fail_cleanly(pki_world: PkiWorld, data: st.DataObject) -> None:
    original = pki_world.crls[data.draw(st.sampled_from(["rsa-int", "sm2-int", "ecdsa"]))]
    with contextlib.suppress(BadCrl):
        parse_crl(data.draw(mutations(original.read_bytes())))


@FUZZ
@given(data=st.binary(max_size=512))
def test_random_ocsp_answers_are_refused(pki_world: PkiWorld, data: bytes) -> None:
    cert = load_certificate(pki_world.leaves["rsa-ocsp-good"].der.read_bytes())
    issuer = load_certificate(pki_world.cas["rsa-int"].der.read_bytes())
    with pytest.raises(InvalidInput):
        _read_ocsp(data, cert, issuer, b"n" * 16, NOW)


@FUZZ
@given(signature=st.binary(max_size=200), message=st.binary(max_size=64))
def test_random_signatures_never_verify(signature: bytes, message: bytes) -> None:
    key = SM2_KEY.public
    assert key.verify(message, signature) is False
    assert RSA_KEY.public_key().verify(Scheme("rsa-pss", "sha256"), signature, message) is False


SM2_KEY = Sm2PrivateKey.generate()
RSA_KEY = PrivateKey.generate("rsa-2048")


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        # a 1 MiB "certificate" (what an attacker uploads to exhaust the parser)
        (b"\x30\x83\x0f\xff\xfc" + b"\x00" * (1024 * 1024 - 5), "is refused: the limit is 64 KiB"),
        (b"\x30" * (1024 * 1024 + 1), "too much for a certificate bundle"),
        (b"\x30\x82\x01\x00", "not a valid DER certificate"),
        (b"-----BEGIN PKCS7-----\nMAA=\n-----END PKCS7-----\n", "PKCS#7 bundle is malformed"),
    ],
)
def test_oversized_and_truncated_input_is_named(blob: bytes, message: str) -> None:
    with pytest.raises(BadCertificate, match=message):
        parse_certificates(blob)


def test_a_der_certificate_ending_in_a_whitespace_byte_is_read_whole() -> None:
    """DER is binary: a certificate whose last byte is 0x09–0x0d or 0x20 (about one in forty
    ECDSA signatures ends so) was cut by a ``strip()`` and refused as malformed — a CA upload
    that failed in CI only for some runs' keys."""
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "空白字节结尾的根证书")])
    builder = (
        cx509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(cx509.random_serial_number())
        .not_valid_before(NOW)
        .not_valid_after(NOW.replace(year=2036))
        .add_extension(cx509.BasicConstraints(ca=True, path_length=None), critical=True)
    )
    for _ in range(5000):  # each signature is random; ~40 tries on average
        der = builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        if der[-1:].isspace():
            break
    else:
        pytest.fail("no signature ended in a whitespace byte in 5000 tries")
    [cert] = parse_certificates(der)
    assert cert.der == der and cert.basic_constraints.ca
    assert load_certificate(der).der == der
