"""SM2 signatures with SM3 (GB/T 32918, GM/T 0009) on top of gmssl_pyx.

gmssl_pyx signs and verifies SM3 digests; the signer identity is folded in here, because the
library refuses an empty identity while OpenSSL 3 signs with one by default. The digest is
``e = SM3(Z || M)`` where ``Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA)``; computing Z
ourselves lets one code path accept the GM/T 0009 default ID ``1234567812345678`` and OpenSSL
3's empty ID alike.

Keys travel in the same encodings OpenSSL uses (PKCS#8 / SubjectPublicKeyInfo with
id-ecPublicKey and the SM2 curve OID), so keys made by ``openssl genpkey`` load here and ours
load there.
"""

from __future__ import annotations

from dataclasses import dataclass

import gmssl_pyx
from asn1crypto import algos, core, keys, pem

from prex.pki import oids
from prex.shared.errors import InvalidInput

DEFAULT_ID = b"1234567812345678"
EMPTY_ID = b""
#: The identities a verifier accepts, in the order tried: GM/T 0009's default, then OpenSSL 3's.
ACCEPTED_IDS = (DEFAULT_ID, EMPTY_ID)
#: The identity that last verified for a key: a CA signs everything with the same one, so trying
#: it first halves the work for CAs that use OpenSSL 3's empty ID. Only an ordering hint.
_ID_HINTS: dict[bytes, bytes] = {}

_A = bytes.fromhex("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC")
_B = bytes.fromhex("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93")
_GX = bytes.fromhex("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7")
_GY = bytes.fromhex("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0")
_N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)


def sm3(data: bytes) -> bytes:
    return bytes(gmssl_pyx.sm3_hash(data))


def z_value(public_point: bytes, signer_id: bytes = DEFAULT_ID) -> bytes:
    """Z_A of GB/T 32918.2 for a 64-byte public point (X || Y)."""
    if len(signer_id) * 8 > 0xFFFF:
        raise InvalidInput("an SM2 signer identity is at most 8191 bytes")
    entl = (len(signer_id) * 8).to_bytes(2, "big")
    return sm3(entl + signer_id + _A + _B + _GX + _GY + public_point)


def message_digest(public_point: bytes, message: bytes, signer_id: bytes = DEFAULT_ID) -> bytes:
    """e = SM3(Z || M): what an SM2 signature actually signs."""
    return sm3(z_value(public_point, signer_id) + message)


@dataclass(frozen=True)
class Sm2PublicKey:
    """An SM2 public key: the 64-byte point X || Y."""

    point: bytes

    def __post_init__(self) -> None:
        if len(self.point) != 64:
            raise InvalidInput("an SM2 public key is a 64-byte point")

    @classmethod
    def from_spki(cls, spki: keys.PublicKeyInfo) -> Sm2PublicKey:
        raw = spki["public_key"].contents
        # A BIT STRING's contents start with the unused-bits byte, then 04 || X || Y.
        if len(raw) != 66 or raw[0] != 0 or raw[1] != 0x04:
            raise InvalidInput("an SM2 public key must be an uncompressed point")
        return cls(bytes(raw[2:]))

    def spki_der(self) -> bytes:
        return bytes(
            keys.PublicKeyInfo(
                {
                    "algorithm": {
                        "algorithm": "ec",
                        "parameters": keys.ECDomainParameters(name="named", value=oids.SM2_CURVE),
                    },
                    "public_key": b"\x04" + self.point,
                }
            ).dump()
        )

    def verify(
        self, message: bytes, signature: bytes, ids: tuple[bytes, ...] = ACCEPTED_IDS
    ) -> bool:
        """True when ``signature`` (DER r, s) signs ``message`` under any of ``ids``."""
        if not _plausible_signature(signature):
            return False
        preferred = _ID_HINTS.get(self.point)
        if preferred is not None and preferred in ids:
            ids = (preferred, *(i for i in ids if i != preferred))
        for signer_id in ids:
            digest = message_digest(self.point, message, signer_id)
            try:
                if gmssl_pyx.sm2_verify_sm3_digest(self.point, digest, signature):
                    if preferred != signer_id:
                        if len(_ID_HINTS) > 4096:
                            _ID_HINTS.clear()
                        _ID_HINTS[self.point] = signer_id
                    return True
            except gmssl_pyx.GmsslInnerError:
                return False
        return False


@dataclass(frozen=True)
class Sm2PrivateKey:
    """An SM2 private key with its public point. ``repr`` never shows the secret."""

    secret: bytes
    public: Sm2PublicKey

    def __repr__(self) -> str:
        return f"Sm2PrivateKey(public={self.public.point[:4].hex()}…)"

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        public, secret = gmssl_pyx.sm2_key_generate()
        return cls(bytes(secret), Sm2PublicKey(bytes(public)))

    def sign(self, message: bytes, signer_id: bytes = DEFAULT_ID) -> bytes:
        """A DER (r, s) signature of ``message`` with Z computed for ``signer_id``."""
        digest = message_digest(self.public.point, message, signer_id)
        return bytes(gmssl_pyx.sm2_sign_sm3_digest(self.secret, digest))

    def pkcs8_der(self) -> bytes:
        ec_key = keys.ECPrivateKey(
            {
                "version": "ecPrivkeyVer1",
                "private_key": int.from_bytes(self.secret, "big"),
                "public_key": b"\x04" + self.public.point,
            }
        )
        info = keys.PrivateKeyInfo(
            {
                "version": 0,
                "private_key_algorithm": {
                    "algorithm": "ec",
                    "parameters": keys.ECDomainParameters(name="named", value=oids.SM2_CURVE),
                },
                "private_key": ec_key,
            }
        )
        return bytes(info.dump())

    def pkcs8_pem(self) -> bytes:
        return bytes(pem.armor("PRIVATE KEY", self.pkcs8_der()))


def is_sm2_spki(spki: keys.PublicKeyInfo) -> bool:
    algorithm = spki["algorithm"]
    return bool(
        algorithm["algorithm"].dotted == "1.2.840.10045.2.1"
        and algorithm["parameters"].chosen.dotted == oids.SM2_CURVE
    )


def private_key_from_info(info: keys.PrivateKeyInfo) -> Sm2PrivateKey:
    """The SM2 key inside a PKCS#8 structure (as ``openssl genpkey`` writes it)."""
    ec_key = info["private_key"].parsed
    secret_int = ec_key["private_key"].native
    if not isinstance(secret_int, int) or not 0 < secret_int < _N:
        raise InvalidInput("the SM2 private key is out of range")
    secret = secret_int.to_bytes(32, "big")
    point = ec_key["public_key"]
    if isinstance(point, core.Void) or point.native is None:
        raise InvalidInput("the SM2 private key carries no public point; re-export it with one")
    raw = point.contents
    if len(raw) != 66 or raw[1] != 0x04:
        raise InvalidInput("the SM2 key's public point must be uncompressed")
    return Sm2PrivateKey(secret, Sm2PublicKey(bytes(raw[2:])))


def _plausible_signature(signature: bytes) -> bool:
    """Reject non-DER or oversized input before it reaches the C library."""
    if not 8 <= len(signature) <= 80:
        return False
    try:
        parsed = algos.DSASignature.load(signature, strict=True)
        r, s = parsed["r"].native, parsed["s"].native
    except (ValueError, TypeError):
        return False
    return isinstance(r, int) and isinstance(s, int) and 0 < r < _N and 0 < s < _N
