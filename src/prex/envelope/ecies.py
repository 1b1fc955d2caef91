"""Hybrid encryption of short secrets (content keys, key shares) to a public key.

Every blob is bound to a caller-chosen context ``info`` (for a sealed bid: tender, section,
bidder, suite, opening key); decryption under any other ``info`` fails. Every failure to decrypt
— wrong key, wrong context, a flipped byte, garbage — is one :class:`DecryptionFailed`, never a
library exception, and its message says nothing about which check failed.

Secrets are 1 to :data:`MAX_SECRET_BYTES` (190) bytes: the capacity of RSA-2048 with OAEP-SHA256,
the smallest of the supported recipients, so that anything that can be wrapped to one recipient
can be wrapped to every other.

Byte format
===========
The first byte names the kind and the version together; the rest depends on it. ``‖`` is
concatenation; points are SEC1 *uncompressed* (``04 ‖ X ‖ Y``, X and Y big-endian, fixed width).

``0x01`` — ECIES on P-256 (65 + 12 + len(secret) + 16 bytes after the kind byte)::

    0x01 ‖ E (65 bytes: the ephemeral public point) ‖ N (12 bytes: AES-GCM nonce) ‖ C ‖ T (16)

``0x02`` — ECIES on P-384, identical with a 97-byte ephemeral point.

How the sender builds a ``0x01``/``0x02`` blob for the recipient point R with context ``info``:

1. generate an ephemeral key pair (e, E = e·G) on the recipient's curve;
2. Z = the X coordinate of e·R, big-endian, 32 bytes (P-256) or 48 bytes (P-384) — exactly
   what ECDH gives (WebCrypto ``deriveBits({name: "ECDH", public: R}, e, 256)``;
   ``cryptography``'s ``exchange(ECDH(), R)``);
3. K = HKDF-SHA256(IKM = Z, salt = E ‖ R, info = ``b"prex-ecies-v1"`` ‖ ``info``, L = 32)
   (RFC 5869; WebCrypto ``deriveKey({name: "HKDF", hash: "SHA-256", salt, info}, …,
   {name: "AES-GCM", length: 256})``);
4. N = 12 random bytes; C ‖ T = AES-256-GCM-Encrypt(K, N, plaintext = secret,
   additional data = ``info``) with a 128-bit tag T appended to the ciphertext C — WebCrypto's
   ``encrypt({name: "AES-GCM", iv: N, additionalData: info, tagLength: 128}, K, secret)``
   returns C ‖ T in exactly this layout.

The recipient recomputes Z with its private key and E, derives K, and opens C ‖ T. R is the
recipient's own public point, so a blob cannot be re-targeted to another key without the
derivation changing.

``0x03`` — SM2 public-key encryption (GB/T 32918.4) for the GM suite::

    0x03 ‖ SM2 ciphertext (DER SEQUENCE { x INTEGER, y INTEGER, hash OCTET STRING (32),
                                          ciphertext OCTET STRING }, i.e. C1 ‖ C3 ‖ C2 order,
                                          GM/T 0009 — what GmSSL and ``openssl pkeyutl`` write)

The SM2 plaintext is ``SM3(info)[:16] ‖ secret``: SM2 encryption takes no associated data, so
the context digest is encrypted with the secret and compared (in constant time) on decryption;
the SM2 C3 hash already protects the plaintext's integrity. Any SM2 implementation interoperates
by prepending those 16 bytes.

``0x04`` — RSA-OAEP with SHA-256 and MGF1-SHA-256, ``info`` as the OAEP label::

    0x04 ‖ OAEP ciphertext (the modulus length)
"""

from __future__ import annotations

import hmac
import secrets as _random
from typing import Any, Literal, get_args

import gmssl_pyx
from asn1crypto import core
from asn1crypto import keys as asn1_keys
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from prex.pki import sm2
from prex.pki.certs import Certificate
from prex.pki.keys import PrivateKey, UnsupportedKey
from prex.shared.errors import InvalidInput

Curve = Literal["p256", "p384", "sm2"]
CURVES: tuple[str, ...] = get_args(Curve)

KIND_P256 = 0x01
KIND_P384 = 0x02
KIND_SM2 = 0x03
KIND_RSA_OAEP = 0x04

#: The largest secret any recipient kind accepts (RSA-2048 OAEP-SHA256: 256 - 2·32 - 2).
MAX_SECRET_BYTES = 190
#: The KDF label of kinds 0x01/0x02, prepended to the caller's context.
HKDF_LABEL = b"prex-ecies-v1"
NONCE_BYTES = 12
TAG_BYTES = 16
#: Bytes of SM3(info) encrypted ahead of the secret in kind 0x03.
SM2_CONTEXT_BYTES = 16

_EC_CURVES: dict[str, tuple[int, ec.EllipticCurve, int]] = {
    "p256": (KIND_P256, ec.SECP256R1(), 65),
    "p384": (KIND_P384, ec.SECP384R1(), 97),
}
_KEY_KINDS = {"ec-p256": "p256", "ec-p384": "p384", "sm2": "sm2"}
_SM2_ORDER = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)
#: What the libraries raise on hostile input; each becomes DecryptionFailed.
_LIBRARY_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    TypeError,
    OverflowError,
    IndexError,
    KeyError,
    InvalidTag,
    gmssl_pyx.GmsslInnerError,
)


class DecryptionFailed(InvalidInput):
    slug = "decryption-failed"

    def __init__(self, message: str = "the blob cannot be decrypted with this key and context"):
        super().__init__(message)


class _Sm2Ciphertext(core.Sequence):  # type: ignore[misc]
    """GM/T 0009 SM2Cipher: C1 (x, y), C3 (SM3 hash), C2 (ciphertext)."""

    _fields = [
        ("x", core.Integer),
        ("y", core.Integer),
        ("hash", core.OctetString),
        ("ciphertext", core.OctetString),
    ]


def wrap(curve: Curve, public_point: bytes, secret: bytes, info: bytes) -> bytes:
    """Encrypt ``secret`` to the SEC1 uncompressed ``public_point`` on ``curve``, bound to
    ``info``. Raises InvalidInput for an unknown curve, a point not on it, or a bad secret."""
    _check_secret(secret)
    if curve == "sm2":
        return _sm2_wrap(_sm2_point(public_point), secret, info)
    if curve not in _EC_CURVES:
        raise InvalidInput(f"curve is one of {', '.join(CURVES)}", field="curve")
    _, ec_curve, size = _EC_CURVES[curve]
    if len(public_point) != size or public_point[:1] != b"\x04":
        raise InvalidInput(f"the {curve} public point must be SEC1 uncompressed ({size} bytes)")
    try:
        recipient = ec.EllipticCurvePublicKey.from_encoded_point(ec_curve, public_point)
    except ValueError as exc:
        raise InvalidInput(f"the {curve} public point is not on the curve") from exc
    return _ec_wrap(curve, recipient, secret, info)


def unwrap(curve: Curve, private_scalar: int, blob: bytes, info: bytes) -> bytes:
    """The secret in ``blob`` for the private key ``private_scalar`` on ``curve`` and the same
    ``info`` it was wrapped with; DecryptionFailed on any mismatch or damage."""
    try:
        if curve == "sm2":
            if not 0 < private_scalar < _SM2_ORDER:
                raise DecryptionFailed()
            return _sm2_unwrap(private_scalar.to_bytes(32, "big"), blob, info)
        if curve not in _EC_CURVES:
            raise DecryptionFailed()
        key = ec.derive_private_key(private_scalar, _EC_CURVES[curve][1])
        return _ec_unwrap(curve, key, blob, info)
    except _LIBRARY_ERRORS:
        raise DecryptionFailed() from None


def wrap_for_certificate(cert: Certificate, secret: bytes, info: bytes) -> bytes:
    """Encrypt ``secret`` to the key of ``cert``: ECIES for EC P-256/P-384, SM2 encryption for
    SM2, RSA-OAEP-SHA256 (``info`` as the label) for RSA. The certificate's validity, path and
    key usage are the caller's to check."""
    _check_secret(secret)
    public = cert.public_key
    if public.kind == "sm2":
        spki = asn1_keys.PublicKeyInfo.load(public.spki_der)
        return _sm2_wrap(sm2.Sm2PublicKey.from_spki(spki).point, secret, info)
    key: Any = public.cryptography_key()
    if isinstance(key, ec.EllipticCurvePublicKey) and public.kind in _KEY_KINDS:
        return _ec_wrap(_KEY_KINDS[public.kind], key, secret, info)
    if isinstance(key, rsa.RSAPublicKey):
        if len(secret) > key.key_size // 8 - 2 * 32 - 2:
            raise InvalidInput("the secret is too long for this RSA key")
        return bytes([KIND_RSA_OAEP]) + key.encrypt(secret, _oaep(info))
    raise UnsupportedKey(f"cannot encrypt to a {public.kind} key")


def unwrap_with_key(key: PrivateKey, blob: bytes, info: bytes) -> bytes:
    """The secret in a blob made by :func:`wrap_for_certificate` (or :func:`wrap`) for ``key``'s
    public key with the same ``info``; DecryptionFailed on any mismatch or damage."""
    inner: Any = key._key  # the library key object; PrivateKey exposes no decryption
    try:
        if isinstance(inner, sm2.Sm2PrivateKey):
            return _sm2_unwrap(inner.secret, blob, info)
        if isinstance(inner, ec.EllipticCurvePrivateKey) and key.kind in _KEY_KINDS:
            return _ec_unwrap(_KEY_KINDS[key.kind], inner, blob, info)
        if isinstance(inner, rsa.RSAPrivateKey):
            if blob[:1] != bytes([KIND_RSA_OAEP]):
                raise DecryptionFailed()
            secret = inner.decrypt(blob[1:], _oaep(info))
            if not 0 < len(secret) <= MAX_SECRET_BYTES:
                raise DecryptionFailed()
            return bytes(secret)
    except _LIBRARY_ERRORS:
        raise DecryptionFailed() from None
    raise DecryptionFailed(f"a {key.kind} key cannot decrypt this blob")


# -- ECIES (kinds 0x01, 0x02) ------------------------------------------------------------------


def _ec_wrap(curve: str, recipient: ec.EllipticCurvePublicKey, secret: bytes, info: bytes) -> bytes:
    kind, ec_curve, _ = _EC_CURVES[curve]
    ephemeral = ec.generate_private_key(ec_curve)
    ephemeral_point = _encode(ephemeral.public_key())
    shared = ephemeral.exchange(ec.ECDH(), recipient)
    key = _kdf(shared, ephemeral_point, _encode(recipient), info)
    nonce = _random.token_bytes(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, secret, info)
    return bytes([kind]) + ephemeral_point + nonce + sealed


def _ec_unwrap(curve: str, private: ec.EllipticCurvePrivateKey, blob: bytes, info: bytes) -> bytes:
    kind, ec_curve, size = _EC_CURVES[curve]
    minimum = 1 + size + NONCE_BYTES + TAG_BYTES + 1
    if len(blob) < minimum or blob[0] != kind or blob[1] != 0x04:
        raise DecryptionFailed()
    ephemeral_point = blob[1 : 1 + size]
    nonce = blob[1 + size : 1 + size + NONCE_BYTES]
    sealed = blob[1 + size + NONCE_BYTES :]
    ephemeral = ec.EllipticCurvePublicKey.from_encoded_point(ec_curve, ephemeral_point)
    shared = private.exchange(ec.ECDH(), ephemeral)
    key = _kdf(shared, ephemeral_point, _encode(private.public_key()), info)
    return AESGCM(key).decrypt(nonce, sealed, info)


def _kdf(shared: bytes, ephemeral_point: bytes, recipient_point: bytes, info: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral_point + recipient_point,
        info=HKDF_LABEL + info,
    ).derive(shared)


def _encode(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


# -- SM2 (kind 0x03) ---------------------------------------------------------------------------


def _sm2_point(public_point: bytes) -> bytes:
    """The 64-byte X ‖ Y that gmssl_pyx takes, after checking the point lies on the curve."""
    if len(public_point) != 65 or public_point[:1] != b"\x04":
        raise InvalidInput("the sm2 public point must be SEC1 uncompressed (65 bytes)")
    try:
        point = bytes(gmssl_pyx.normalize_sm2_public_key(public_point[1:]))
    except (gmssl_pyx.GmsslInnerError, ValueError, TypeError) as exc:
        raise InvalidInput("the sm2 public point is not on the curve") from exc
    if len(point) != 64:
        raise InvalidInput("the sm2 public point is not on the curve")
    return point


def _sm2_context(info: bytes) -> bytes:
    return sm2.sm3(info)[:SM2_CONTEXT_BYTES]


def _sm2_wrap(point: bytes, secret: bytes, info: bytes) -> bytes:
    try:
        ciphertext = gmssl_pyx.sm2_encrypt(point, _sm2_context(info) + secret)
    except gmssl_pyx.GmsslInnerError as exc:
        raise InvalidInput("the sm2 public key cannot be used for encryption") from exc
    return bytes([KIND_SM2]) + bytes(ciphertext)


def _sm2_unwrap(private: bytes, blob: bytes, info: bytes) -> bytes:
    if blob[:1] != bytes([KIND_SM2]) or not _plausible_sm2_ciphertext(blob[1:]):
        raise DecryptionFailed()
    plaintext = bytes(gmssl_pyx.sm2_decrypt(private, blob[1:]))
    context, secret = plaintext[:SM2_CONTEXT_BYTES], plaintext[SM2_CONTEXT_BYTES:]
    if not hmac.compare_digest(context, _sm2_context(info)) or not secret:
        raise DecryptionFailed()
    return secret


def _plausible_sm2_ciphertext(der: bytes) -> bool:
    """Strict DER of GM/T 0009 SM2Cipher within size limits, before the C library sees it."""
    if not 45 <= len(der) <= 366:
        return False
    try:
        parsed = _Sm2Ciphertext.load(der, strict=True)
        x, y = parsed["x"].native, parsed["y"].native
        digest, body = parsed["hash"].native, parsed["ciphertext"].native
    except _LIBRARY_ERRORS:
        return False
    return (
        isinstance(x, int)
        and isinstance(y, int)
        and 0 <= x < 2**256
        and 0 <= y < 2**256
        and isinstance(digest, bytes)
        and len(digest) == 32
        and isinstance(body, bytes)
        and 0 < len(body) <= 255
    )


# -- common ------------------------------------------------------------------------------------


def _oaep(label: bytes) -> padding.OAEP:
    return padding.OAEP(
        mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=label or None
    )


def _check_secret(secret: bytes) -> None:
    if not isinstance(secret, bytes) or not 0 < len(secret) <= MAX_SECRET_BYTES:
        raise InvalidInput(f"a wrapped secret is 1 to {MAX_SECRET_BYTES} bytes")
