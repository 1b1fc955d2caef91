"""Public and private keys of every family a Chinese CA issues: RSA, ECDSA (P-256/P-384), SM2.

One small interface — :meth:`PublicKey.verify` and :meth:`PrivateKey.sign` over a
:class:`Scheme` — so that path validation, CRLs, OCSP, CMS and timestamps never branch on the key
family. RSA and ECDSA go through ``cryptography``; SM2 through :mod:`prex.pki.sm2`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from asn1crypto import algos, keys, pem
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from prex.pki import oids, sm2
from prex.shared.errors import InvalidInput

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
#: Digests too weak to accept in a new signature: SHA-1 collisions are practical.
WEAK_HASHES = frozenset({"sha1", "md5"})

_RSA_WITH = {
    "1.2.840.113549.1.1.5": "sha1",
    "1.2.840.113549.1.1.14": "sha224",
    "1.2.840.113549.1.1.11": "sha256",
    "1.2.840.113549.1.1.12": "sha384",
    "1.2.840.113549.1.1.13": "sha512",
}
_ECDSA_WITH = {
    "1.2.840.10045.4.1": "sha1",
    "1.2.840.10045.4.3.1": "sha224",
    "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384",
    "1.2.840.10045.4.3.4": "sha512",
}
_RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
_RSA_PSS = "1.2.840.113549.1.1.10"
_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
_DIGEST_NAMES = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
    oids.SM3: "sm3",
}
DIGEST_OIDS = {name: oid for oid, name in _DIGEST_NAMES.items()}


class UnsupportedKey(InvalidInput):
    slug = "unsupported-key"


@dataclass(frozen=True)
class Scheme:
    """How a signature was made: ``family`` is rsa-pkcs1, rsa-pss, ecdsa or sm2."""

    family: str
    hash: str
    salt_length: int | None = None

    def algorithm_identifier(self) -> algos.SignedDigestAlgorithm:
        """The AlgorithmIdentifier naming this scheme (for certificates, CMS and timestamps)."""
        if self.family == "sm2":
            return algos.SignedDigestAlgorithm({"algorithm": oids.SM2_WITH_SM3})
        if self.family == "ecdsa":
            oid = next(o for o, h in _ECDSA_WITH.items() if h == self.hash)
            return algos.SignedDigestAlgorithm({"algorithm": oid})
        if self.family == "rsa-pss":
            return algos.SignedDigestAlgorithm(
                {
                    "algorithm": "rsassa_pss",
                    "parameters": {
                        "hash_algorithm": {"algorithm": self.hash},
                        "mask_gen_algorithm": {
                            "algorithm": "mgf1",
                            "parameters": {"algorithm": self.hash},
                        },
                        "salt_length": self.salt_length or HASHES[self.hash].digest_size,
                    },
                }
            )
        oid = next(o for o, h in _RSA_WITH.items() if h == self.hash)
        return algos.SignedDigestAlgorithm({"algorithm": oid})


def digest(name: str, data: bytes) -> bytes:
    if name == "sm3":
        return sm2.sm3(data)
    return hashlib.new(name, data).digest()


def digest_name(oid: str) -> str:
    try:
        return _DIGEST_NAMES[oid]
    except KeyError:
        raise InvalidInput(f"digest algorithm {oid} is not supported") from None


def scheme_for(algorithm_oid: str, parameters: Any = None, digest_oid: str | None = None) -> Scheme:
    """The scheme named by a signature AlgorithmIdentifier.

    CMS SignerInfos may name only the key family (rsaEncryption, ecPublicKey, sm2sign) and give
    the digest separately in ``digest_oid``.
    """
    if algorithm_oid in _RSA_WITH:
        return Scheme("rsa-pkcs1", _RSA_WITH[algorithm_oid])
    if algorithm_oid in _ECDSA_WITH:
        return Scheme("ecdsa", _ECDSA_WITH[algorithm_oid])
    if algorithm_oid in (oids.SM2_WITH_SM3, oids.SM2_SIGN):
        return Scheme("sm2", "sm3")
    if algorithm_oid == _RSA_PSS:
        return _pss_scheme(parameters)
    if algorithm_oid in (_RSA_ENCRYPTION, _EC_PUBLIC_KEY) and digest_oid:
        family = "rsa-pkcs1" if algorithm_oid == _RSA_ENCRYPTION else "ecdsa"
        return Scheme(family, digest_name(digest_oid))
    raise InvalidInput(f"signature algorithm {algorithm_oid} is not supported")


def _pss_scheme(parameters: Any) -> Scheme:
    if not isinstance(parameters, algos.RSASSAPSSParams):
        raise InvalidInput("an RSASSA-PSS signature must state its parameters")
    hash_name = parameters["hash_algorithm"]["algorithm"].native
    mgf_hash = parameters["mask_gen_algorithm"]["parameters"]["algorithm"].native
    if hash_name not in HASHES or mgf_hash != hash_name:
        raise InvalidInput("RSASSA-PSS with different or unknown digests is not supported")
    return Scheme("rsa-pss", hash_name, int(parameters["salt_length"].native))


class PublicKey:
    """A verifying key. ``kind`` is e.g. ``rsa-2048``, ``ec-p256``, ``ec-p384`` or ``sm2``."""

    __slots__ = ("_key", "kind", "spki_der")

    def __init__(self, key: Any, kind: str, spki_der: bytes) -> None:
        self._key = key
        self.kind = kind
        self.spki_der = spki_der

    @classmethod
    def from_spki_der(cls, der: bytes) -> PublicKey:
        try:
            info = keys.PublicKeyInfo.load(der, strict=True)
            if sm2.is_sm2_spki(info):
                return cls(sm2.Sm2PublicKey.from_spki(info), "sm2", der)
        except (ValueError, TypeError) as exc:
            raise InvalidInput("the public key is not a valid SubjectPublicKeyInfo") from exc
        try:
            key = serialization.load_der_public_key(der)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise UnsupportedKey(f"unsupported public key ({exc})") from exc
        return cls(key, _kind_of(key), der)

    @classmethod
    def from_cryptography(cls, key: Any) -> PublicKey:
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(key, _kind_of(key), der)

    @property
    def default_scheme(self) -> Scheme:
        return _default_scheme(self.kind)

    def verify(self, scheme: Scheme, signature: bytes, data: bytes) -> bool:
        """True when ``signature`` over ``data`` is valid for this key under ``scheme``."""
        key = self._key
        try:
            if isinstance(key, sm2.Sm2PublicKey):
                return scheme.family == "sm2" and key.verify(data, signature)
            if scheme.family == "sm2" or scheme.hash not in HASHES:
                return False
            algorithm = HASHES[scheme.hash]()
            if isinstance(key, rsa.RSAPublicKey):
                if scheme.family == "rsa-pkcs1":
                    key.verify(signature, data, padding.PKCS1v15(), algorithm)
                elif scheme.family == "rsa-pss":
                    salt = padding.PSS.AUTO if scheme.salt_length is None else scheme.salt_length
                    pss = padding.PSS(mgf=padding.MGF1(HASHES[scheme.hash]()), salt_length=salt)
                    key.verify(signature, data, pss, algorithm)
                else:
                    return False
                return True
            if isinstance(key, ec.EllipticCurvePublicKey) and scheme.family == "ecdsa":
                key.verify(signature, data, ec.ECDSA(algorithm))
                return True
        except (InvalidSignature, ValueError, TypeError):
            return False
        return False

    def cryptography_key(self) -> Any:
        """The ``cryptography`` key object; None for SM2, which that library does not know."""
        return None if self.kind == "sm2" else self._key


class PrivateKey:
    """A signing key. Never logged: ``repr`` names only the kind."""

    __slots__ = ("_key", "kind")

    def __init__(self, key: Any, kind: str) -> None:
        self._key = key
        self.kind = kind

    def __repr__(self) -> str:
        return f"PrivateKey({self.kind})"

    @classmethod
    def load(cls, data: bytes, password: bytes | None = None) -> PrivateKey:
        """A key from PEM or DER (PKCS#8, PKCS#1 RSA, SEC1 EC; SM2 in PKCS#8 or SEC1)."""
        der = data
        if data.lstrip().startswith(b"-----BEGIN"):
            try:
                _, _, der = pem.unarmor(data.strip())
            except ValueError as exc:
                raise InvalidInput("the private key PEM is malformed") from exc
        info = _sm2_info(der)
        if info is not None:
            return cls(sm2.private_key_from_info(info), "sm2")
        try:
            key = serialization.load_der_private_key(der, password=password)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise InvalidInput(f"cannot read the private key ({exc})") from exc
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise UnsupportedKey("only RSA, ECDSA and SM2 private keys are supported")
        return cls(key, _kind_of(key.public_key()))

    @classmethod
    def generate(cls, kind: str) -> PrivateKey:
        if kind == "sm2":
            return cls(sm2.Sm2PrivateKey.generate(), "sm2")
        if kind == "ec-p256":
            return cls(ec.generate_private_key(ec.SECP256R1()), kind)
        if kind == "ec-p384":
            return cls(ec.generate_private_key(ec.SECP384R1()), kind)
        if kind.startswith("rsa-"):
            return cls(rsa.generate_private_key(65537, int(kind[4:])), kind)
        raise UnsupportedKey(f"unknown key kind {kind}")

    @property
    def default_scheme(self) -> Scheme:
        return _default_scheme(self.kind)

    def public_key(self) -> PublicKey:
        key = self._key
        if isinstance(key, sm2.Sm2PrivateKey):
            return PublicKey(key.public, "sm2", key.public.spki_der())
        return PublicKey.from_cryptography(key.public_key())

    def sign(self, data: bytes, scheme: Scheme | None = None) -> bytes:
        scheme = scheme or self.default_scheme
        key = self._key
        if isinstance(key, sm2.Sm2PrivateKey):
            return key.sign(data)
        algorithm = HASHES[scheme.hash]()
        if isinstance(key, rsa.RSAPrivateKey):
            if scheme.family == "rsa-pss":
                pss = padding.PSS(
                    mgf=padding.MGF1(HASHES[scheme.hash]()),
                    salt_length=scheme.salt_length or algorithm.digest_size,
                )
                return bytes(key.sign(data, pss, algorithm))
            return bytes(key.sign(data, padding.PKCS1v15(), algorithm))
        return bytes(key.sign(data, ec.ECDSA(algorithm)))

    def pkcs8_pem(self) -> bytes:
        """The unencrypted PKCS#8 PEM, for writing a key file the operator then protects."""
        key = self._key
        if isinstance(key, sm2.Sm2PrivateKey):
            return key.pkcs8_pem()
        return bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )


def _default_scheme(kind: str) -> Scheme:
    if kind == "sm2":
        return Scheme("sm2", "sm3")
    if kind == "ec-p384":
        return Scheme("ecdsa", "sha384")
    if kind.startswith("ec-"):
        return Scheme("ecdsa", "sha256")
    return Scheme("rsa-pkcs1", "sha256")


def _kind_of(key: Any) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048:
            raise UnsupportedKey(f"RSA keys shorter than 2048 bits are refused ({key.key_size})")
        return f"rsa-{key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        curve = {"secp256r1": "ec-p256", "secp384r1": "ec-p384", "secp521r1": "ec-p521"}
        if key.curve.name not in curve:
            raise UnsupportedKey(f"elliptic curve {key.curve.name} is not supported")
        return curve[key.curve.name]
    raise UnsupportedKey("only RSA, ECDSA and SM2 keys are supported")


def _sm2_info(der: bytes) -> keys.PrivateKeyInfo | None:
    """The PKCS#8 structure when ``der`` holds an SM2 key (PKCS#8, or SEC1 naming the curve)."""
    try:
        info = keys.PrivateKeyInfo.load(der, strict=True)
        algorithm = info["private_key_algorithm"]
        if (
            algorithm["algorithm"].dotted == "1.2.840.10045.2.1"
            and algorithm["parameters"].chosen.dotted == oids.SM2_CURVE
        ):
            return info
        return None
    except (ValueError, TypeError, KeyError):
        pass
    try:
        ec_key = keys.ECPrivateKey.load(der, strict=True)
        if ec_key["parameters"].chosen.dotted != oids.SM2_CURVE:
            return None
        return keys.PrivateKeyInfo(
            {
                "version": 0,
                "private_key_algorithm": {"algorithm": "ec", "parameters": ec_key["parameters"]},
                "private_key": ec_key,
            }
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
