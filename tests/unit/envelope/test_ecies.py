"""ECIES / SM2 / RSA-OAEP wrapping of short secrets, and interop with independent implementations.

The P-256 format is checked against a second implementation written here from the module's
documented format with ``cryptography`` primitives (the stand-in for the browser's WebCrypto),
plus a fixed test vector; the SM2 format against ``openssl pkeyutl``.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import gmssl_pyx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prex.envelope import ecies
from prex.envelope.ecies import DecryptionFailed
from prex.pki.certs import Certificate
from prex.pki.issue import issue_certificate
from prex.pki.keys import PrivateKey, UnsupportedKey
from prex.pki.sm2 import sm3
from prex.shared.errors import InvalidInput

NOW = datetime.now(UTC).replace(microsecond=0)
OPENSSL = shutil.which("openssl")  # CI installs it (.ci/run); the pki tests need it too
KINDS = ["rsa-2048", "ec-p256", "ec-p384", "sm2"]
EC_CURVES: dict[str, ec.EllipticCurve] = {"p256": ec.SECP256R1(), "p384": ec.SECP384R1()}
SECRET = bytes(range(32))
INFO = b"tender T-1\0section 1\0bidder 91110000802100433B"


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


@cache
def recipient(kind: str) -> tuple[PrivateKey, Certificate]:
    key = PrivateKey.generate(kind)
    cert = issue_certificate(
        subject={"C": "CN", "CN": f"custodian {kind}"},
        subject_key=key.public_key(),
        issuer=None,
        issuer_key=key,
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=30),
        key_usage={"key_encipherment"},
    )
    return key, cert


def raw_key_pair(curve: str) -> tuple[int, bytes]:
    """A private scalar and its SEC1 uncompressed public point on ``curve``."""
    if curve == "sm2":
        public, private = gmssl_pyx.sm2_key_generate()
        return int.from_bytes(private, "big"), b"\x04" + bytes(public)
    key = ec.generate_private_key(EC_CURVES[curve])
    return key.private_numbers().private_value, _point(key.public_key())


def flipped(blob: bytes, position: int) -> bytes:
    return blob[:position] + bytes([blob[position] ^ 0x01]) + blob[position + 1 :]


# -- wrap / unwrap with raw keys -----------------------------------------------------------------


@pytest.mark.parametrize("curve", ["p256", "p384", "sm2"])
def test_wrap_round_trips(curve: ecies.Curve) -> None:
    scalar, point = raw_key_pair(curve)
    for secret in (b"\x00", SECRET, secrets.token_bytes(ecies.MAX_SECRET_BYTES)):
        for info in (b"", INFO):
            blob = ecies.wrap(curve, point, secret, info)
            assert blob[0] == {"p256": 1, "p384": 2, "sm2": 3}[curve]
            assert ecies.unwrap(curve, scalar, blob, info) == secret
    # Fresh randomness every time.
    assert ecies.wrap(curve, point, SECRET, INFO) != ecies.wrap(curve, point, SECRET, INFO)


@pytest.mark.parametrize("curve", ["p256", "p384", "sm2"])
def test_unwrap_refuses_wrong_info_key_curve_and_every_flipped_byte(curve: ecies.Curve) -> None:
    scalar, point = raw_key_pair(curve)
    other_scalar, _ = raw_key_pair(curve)
    blob = ecies.wrap(curve, point, SECRET, INFO)
    with pytest.raises(DecryptionFailed):
        ecies.unwrap(curve, scalar, blob, INFO + b"x")
    with pytest.raises(DecryptionFailed):
        ecies.unwrap(curve, scalar, blob, b"")
    with pytest.raises(DecryptionFailed):
        ecies.unwrap(curve, other_scalar, blob, INFO)
    for other_curve in {"p256", "p384", "sm2"} - {curve}:
        with pytest.raises(DecryptionFailed):
            ecies.unwrap(other_curve, scalar, blob, INFO)  # type: ignore[arg-type]
    for position in range(len(blob)):
        with pytest.raises(DecryptionFailed):
            ecies.unwrap(curve, scalar, flipped(blob, position), INFO)
    for cut in (0, 1, len(blob) // 2, len(blob) - 1):
        with pytest.raises(DecryptionFailed):
            ecies.unwrap(curve, scalar, blob[:cut], INFO)
    with pytest.raises(DecryptionFailed):
        ecies.unwrap(curve, scalar, blob + b"\x00", INFO)
    for bad_scalar in (0, -1, 2**384):
        with pytest.raises(DecryptionFailed):
            ecies.unwrap(curve, bad_scalar, blob, INFO)


def test_the_sm2_context_is_checked_even_though_sm2_itself_takes_none() -> None:
    """Same key, same secret, other context: SM2 decrypts, the context prefix refuses."""
    scalar, point = raw_key_pair("sm2")
    blob = ecies.wrap("sm2", point, SECRET, b"tender A")
    plaintext = gmssl_pyx.sm2_decrypt(scalar.to_bytes(32, "big"), blob[1:])
    assert plaintext == sm3(b"tender A")[:16] + SECRET
    with pytest.raises(DecryptionFailed):
        ecies.unwrap("sm2", scalar, blob, b"tender B")


@pytest.mark.parametrize("curve", ["p256", "p384", "sm2"])
def test_wrap_refuses_bad_points_and_secrets(curve: ecies.Curve) -> None:
    _, point = raw_key_pair(curve)
    off_curve = point[:-1] + bytes([point[-1] ^ 1])
    for bad in (b"", point[1:], b"\x02" + point[1:], off_curve, point + b"\x00"):
        with pytest.raises(InvalidInput):
            ecies.wrap(curve, bad, SECRET, INFO)
    for secret in (b"", bytes(ecies.MAX_SECRET_BYTES + 1)):
        with pytest.raises(InvalidInput):
            ecies.wrap(curve, point, secret, INFO)
    with pytest.raises(InvalidInput):
        ecies.wrap("p521", point, SECRET, INFO)  # type: ignore[arg-type]


# -- certificates --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_wrap_for_certificate_round_trips(kind: str) -> None:
    key, cert = recipient(kind)
    for secret in (SECRET, bytes(ecies.MAX_SECRET_BYTES)):
        blob = ecies.wrap_for_certificate(cert, secret, INFO)
        assert ecies.unwrap_with_key(key, blob, INFO) == secret


@pytest.mark.parametrize("kind", KINDS)
def test_unwrap_with_key_refuses_wrong_info_key_and_flipped_bytes(kind: str) -> None:
    key, cert = recipient(kind)
    blob = ecies.wrap_for_certificate(cert, SECRET, INFO)
    with pytest.raises(DecryptionFailed):
        ecies.unwrap_with_key(key, blob, INFO[:-1])
    with pytest.raises(DecryptionFailed):
        ecies.unwrap_with_key(PrivateKey.generate(kind), blob, INFO)
    for other in set(KINDS) - {kind}:
        with pytest.raises(DecryptionFailed):
            ecies.unwrap_with_key(recipient(other)[0], blob, INFO)
    for position in range(0, len(blob), 3 if kind.startswith("rsa") else 1):
        with pytest.raises(DecryptionFailed):
            ecies.unwrap_with_key(key, flipped(blob, position), INFO)
    for garbage in (b"", b"\x01", b"\x03\x30\x00", blob[:-1], blob + b"\x00"):
        with pytest.raises(DecryptionFailed):
            ecies.unwrap_with_key(key, garbage, INFO)


def test_an_rsa_blob_for_another_rsa_key_is_refused() -> None:
    _, cert = recipient("rsa-2048")
    blob = ecies.wrap_for_certificate(cert, SECRET, INFO)
    with pytest.raises(DecryptionFailed):
        ecies.unwrap_with_key(PrivateKey.generate("rsa-2048"), blob, INFO)


def test_wrap_for_certificate_refuses_unsupported_keys_and_long_secrets() -> None:
    p521 = PrivateKey(ec.generate_private_key(ec.SECP521R1()), "ec-p521")
    cert = issue_certificate(
        subject={"CN": "p521"},
        subject_key=p521.public_key(),
        issuer=None,
        issuer_key=p521,
        not_before=NOW,
        not_after=NOW + timedelta(days=1),
    )
    with pytest.raises(UnsupportedKey):
        ecies.wrap_for_certificate(cert, SECRET, INFO)
    with pytest.raises(InvalidInput):
        ecies.wrap_for_certificate(recipient("sm2")[1], bytes(ecies.MAX_SECRET_BYTES + 1), INFO)


def test_decryption_failed_is_invalid_input_and_tells_nothing() -> None:
    key, cert = recipient("ec-p256")
    blob = ecies.wrap_for_certificate(cert, SECRET, INFO)
    with pytest.raises(DecryptionFailed) as caught:
        ecies.unwrap_with_key(key, blob, b"other")
    assert isinstance(caught.value, InvalidInput)
    assert caught.value.slug == "decryption-failed"
    assert SECRET.hex() not in str(caught.value)


# -- interop: a second implementation of the documented P-256/P-384 format ---------------------


def independent_wrap(
    curve: str,
    recipient_point: bytes,
    secret: bytes,
    info: bytes,
    *,
    ephemeral_scalar: int | None = None,
    nonce: bytes | None = None,
) -> bytes:
    """Kind 0x01/0x02 built step by step from the module docstring, nothing from prex."""
    ec_curve = EC_CURVES[curve]
    recipient_key = ec.EllipticCurvePublicKey.from_encoded_point(ec_curve, recipient_point)
    ephemeral = (
        ec.generate_private_key(ec_curve)
        if ephemeral_scalar is None
        else ec.derive_private_key(ephemeral_scalar, ec_curve)
    )
    e_point = _point(ephemeral.public_key())
    z = ephemeral.exchange(ec.ECDH(), recipient_key)
    salt = e_point + recipient_point
    k = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"prex-ecies-v1" + info)
    aes_key = k.derive(z)
    n = secrets.token_bytes(12) if nonce is None else nonce
    kind = b"\x01" if curve == "p256" else b"\x02"
    return kind + e_point + n + AESGCM(aes_key).encrypt(n, secret, info)


def independent_unwrap(curve: str, scalar: int, blob: bytes, info: bytes) -> bytes:
    ec_curve = EC_CURVES[curve]
    size = 65 if curve == "p256" else 97
    assert blob[0] == (1 if curve == "p256" else 2)
    e_point, n, sealed = blob[1 : 1 + size], blob[1 + size : 13 + size], blob[13 + size :]
    private = ec.derive_private_key(scalar, ec_curve)
    z = private.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec_curve, e_point))
    salt = e_point + _point(private.public_key())
    k = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"prex-ecies-v1" + info)
    return AESGCM(k.derive(z)).decrypt(n, sealed, info)


@pytest.mark.parametrize("curve", ["p256", "p384"])
def test_interop_with_an_independent_implementation(curve: ecies.Curve) -> None:
    scalar, point = raw_key_pair(curve)
    theirs = independent_wrap(curve, point, SECRET, INFO)
    assert ecies.unwrap(curve, scalar, theirs, INFO) == SECRET
    ours = ecies.wrap(curve, point, SECRET, INFO)
    assert independent_unwrap(curve, scalar, ours, INFO) == SECRET
    # Through a certificate the blob is the very same format.
    key, cert = recipient(f"ec-{curve}")
    ours = ecies.wrap_for_certificate(cert, SECRET, INFO)
    scalar = key._key.private_numbers().private_value
    assert independent_unwrap(curve, scalar, ours, INFO) == SECRET
    theirs = independent_wrap(curve, _point(key._key.public_key()), SECRET, INFO)
    assert ecies.unwrap_with_key(key, theirs, INFO) == SECRET


#: A fixed P-256 vector for other implementations (the browser's WebCrypto) to reproduce:
#: recipient scalar 0x11…11, ephemeral scalar 0x22…22, nonce 00 01 … 0b,
#: secret 00 01 … 1f, info "prex test vector 1".
VECTOR_RECIPIENT_SCALAR = int("11" * 32, 16)
VECTOR_RECIPIENT_POINT = bytes.fromhex(
    "040217e617f0b6443928278f96999e69a23a4f2c152bdf6d6cdf66e5b80282d4ed"
    "194a7debcb97712d2dda3ca85aa8765a56f45fc758599652f2897c65306e5794"
)
VECTOR_SHARED_X = bytes.fromhex("ccfc261f58193c98ca4ad4a53bbac6f0ee29bc4d48438090446908622ca79af6")
VECTOR_AES_KEY = bytes.fromhex("3b4e4ae77f1cf82e5c6434d9ac8308a61abf6ffb17085b59f23af23b76d8e839")
VECTOR_BLOB = bytes.fromhex(
    "01"
    "04d65a93977caa3d1b081852ff57a79e465f1660577304baead505dd3a48589cf3"
    "50185e895372df6221ea3a137557e473fddb6755f05bd507c3c533fce9c9128500"
    "0102030405060708090a0b"
    "006364f116d60df4bc4f926db5357e668f78d06d3e152c7613223d60290e0345"
    "fa36decb2e8147797c7eeba8a18b429d"
)


def test_the_fixed_p256_vector() -> None:
    info = b"prex test vector 1"
    recipient_key = ec.derive_private_key(VECTOR_RECIPIENT_SCALAR, ec.SECP256R1())
    assert _point(recipient_key.public_key()) == VECTOR_RECIPIENT_POINT
    rebuilt = independent_wrap(
        "p256",
        VECTOR_RECIPIENT_POINT,
        bytes(range(32)),
        info,
        ephemeral_scalar=int("22" * 32, 16),
        nonce=bytes(range(12)),
    )
    assert rebuilt == VECTOR_BLOB
    ephemeral = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), VECTOR_BLOB[1:66])
    assert recipient_key.exchange(ec.ECDH(), ephemeral) == VECTOR_SHARED_X
    salt = VECTOR_BLOB[1:66] + VECTOR_RECIPIENT_POINT
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"prex-ecies-v1" + info)
    assert hkdf.derive(VECTOR_SHARED_X) == VECTOR_AES_KEY
    assert ecies.unwrap("p256", VECTOR_RECIPIENT_SCALAR, VECTOR_BLOB, info) == bytes(range(32))


# -- interop: OpenSSL's SM2 encryption ------------------------------------------------------------


def openssl(*args: str | Path) -> None:
    assert OPENSSL is not None
    result = subprocess.run([OPENSSL, *map(str, args)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_sm2_interop_with_openssl_pkeyutl(tmp_path: Path) -> None:
    key_pem, pub_pem = tmp_path / "sm2.pem", tmp_path / "sm2pub.pem"
    openssl("genpkey", "-algorithm", "SM2", "-out", key_pem)
    openssl("pkey", "-in", key_pem, "-pubout", "-out", pub_pem)
    key = PrivateKey.load(key_pem.read_bytes())
    assert key.kind == "sm2"

    # OpenSSL encrypts SM3(info)[:16] ‖ secret; prex unwraps the 0x03 blob.
    plain, cipher = tmp_path / "plain.bin", tmp_path / "cipher.bin"
    plain.write_bytes(sm3(INFO)[:16] + SECRET)
    openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", pub_pem, "-in", plain, "-out", cipher)
    blob = b"\x03" + cipher.read_bytes()
    assert ecies.unwrap_with_key(key, blob, INFO) == SECRET
    with pytest.raises(DecryptionFailed):
        ecies.unwrap_with_key(key, blob, INFO + b"!")

    # prex wraps; OpenSSL decrypts to the same plaintext.
    public_point = b"\x04" + key._key.public.point
    ours, decrypted = tmp_path / "ours.bin", tmp_path / "decrypted.bin"
    ours.write_bytes(ecies.wrap("sm2", public_point, SECRET, INFO)[1:])
    openssl("pkeyutl", "-decrypt", "-inkey", key_pem, "-in", ours, "-out", decrypted)
    assert decrypted.read_bytes() == sm3(INFO)[:16] + SECRET


# -- garbage --------------------------------------------------------------------------------------

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_SCALARS = {curve: raw_key_pair(curve)[0] for curve in ("p256", "p384", "sm2")}
_PREFIXES = st.sampled_from([b"", b"\x01", b"\x01\x04", b"\x02\x04", b"\x03", b"\x03\x30", b"\x04"])


@FUZZ
@given(prefix=_PREFIXES, rest=st.binary(max_size=400), info=st.binary(max_size=20))
def test_random_blobs_only_raise_decryption_failed(prefix: bytes, rest: bytes, info: bytes) -> None:
    blob = prefix + rest
    for curve, scalar in _SCALARS.items():
        with pytest.raises(DecryptionFailed):
            ecies.unwrap(curve, scalar, blob, info)  # type: ignore[arg-type]
    for kind in KINDS:
        with pytest.raises(DecryptionFailed):
            ecies.unwrap_with_key(recipient(kind)[0], blob, info)


_SM2_SCALAR, _SM2_POINT = raw_key_pair("sm2")
_SM2_BLOB = ecies.wrap("sm2", _SM2_POINT, SECRET, INFO)


@FUZZ
@given(st.data())
def test_mutated_sm2_blobs_only_raise_decryption_failed(data: st.DataObject) -> None:
    """Near-valid DER is what reaches the C library; mutate a real blob a few bytes at a time."""
    blob = bytearray(_SM2_BLOB)
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(blob) - 1))
        blob[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(blob)))
    mutated = bytes(blob[:cut])
    if mutated == _SM2_BLOB:
        return
    with pytest.raises(DecryptionFailed):
        ecies.unwrap("sm2", _SM2_SCALAR, mutated, INFO)
