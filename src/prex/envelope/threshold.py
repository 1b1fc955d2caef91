"""A tender's opening key, split k-of-n among custodians with Shamir and Feldman commitments.

At publication :func:`split_new_key` draws the opening private scalar ``a_0`` and ``k - 1``
further coefficients ``a_1 … a_{k-1}`` (each uniform in ``[1, q-1]``, ``q`` the curve's group
order), hands custodian ``i`` (1 ≤ i ≤ n) the share ``s_i = f(i) mod q`` of the polynomial
``f(x) = a_0 + a_1·x + … + a_{k-1}·x^{k-1}``, and publishes the commitments ``C_j = a_j·G``.
``C_0`` is the opening public key that bidders encrypt to.

Anyone holding the commitments checks a share without learning anything about the key
(:func:`verify_share`: ``s_i·G == Σ_j C_j·i^j``): a custodian on receipt, the platform on every
share handed in at opening, so that a wrong share is attributed to its custodian. :func:`combine`
refuses any share that fails, needs k distinct good shares, interpolates ``f(0)`` from exactly k
of them, and checks the result against ``C_0``.

Secrets: after :func:`split_new_key` returns, no reference to ``a_0`` or the other coefficients
is kept; Python offers no way to overwrite an ``int``, so their memory is freed, not wiped. The
caller is expected to encrypt the shares (:func:`encrypt_share`) and drop them at once, and to
drop the scalar :func:`combine` returns as soon as the content keys are unwrapped.

Arithmetic: scalar multiples of the generator by a secret (coefficients, share values, the
reconstructed key) go through OpenSSL via ``cryptography`` on P-256; SM2, which ``cryptography``
lacks, and every sum of points use the pure-Python ``ecdsa`` package, whose big-integer
arithmetic is not constant-time. Those operations run on the platform, twice per tender; the
leak would need a co-located attacker timing exactly those calls.

Share bytes (:meth:`Share.to_bytes`), 34 bytes: ``0x01`` (version) ‖ index (1 byte, 1–255) ‖
value (32 bytes, big-endian). Commitments JSON: ``{"curve": "p256" | "sm2", "points": [hex of
each SEC1 uncompressed point C_0 … C_{k-1}]}``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from ecdsa.curves import NIST256p
from ecdsa.ellipticcurve import INFINITY, CurveFp, PointJacobi

from prex.envelope.ecies import unwrap_with_key, wrap_for_certificate
from prex.pki.certs import Certificate
from prex.pki.keys import PrivateKey
from prex.shared.errors import InvalidInput

ThresholdCurve = Literal["p256", "sm2"]
MAX_SHARES = 255
SHARE_VERSION = 0x01
SHARE_BYTES = 34
SHARE_INFO_PREFIX = b"prex-share\0"


class NotEnoughShares(InvalidInput):
    slug = "not-enough-shares"


class BadShare(InvalidInput):
    """A share that fails the Feldman check against the published commitments."""

    slug = "bad-share"

    def __init__(self, index: int, message: str | None = None) -> None:
        super().__init__(
            message or f"share {index} does not match the published commitments", index=index
        )
        self.index = index


@dataclass(frozen=True)
class _Group:
    name: str
    curve: CurveFp
    generator: PointJacobi
    order: int


def _nist_p256() -> _Group:
    generator = NIST256p.generator
    return _Group("p256", NIST256p.curve, generator, int(generator.order()))


def _sm2() -> _Group:
    # GB/T 32918.5 recommended curve parameters.
    p = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF", 16)
    a = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC", 16)
    b = int("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93", 16)
    gx = int("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7", 16)
    gy = int("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0", 16)
    n = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)
    curve = CurveFp(p, a, b, 1)
    return _Group("sm2", curve, PointJacobi(curve, gx, gy, 1, n, generator=True), n)


_GROUPS: dict[str, _Group] = {"p256": _nist_p256(), "sm2": _sm2()}


def _group(curve: str) -> _Group:
    try:
        return _GROUPS[curve]
    except (KeyError, TypeError):
        raise InvalidInput(f"curve is one of {', '.join(_GROUPS)}", field="curve") from None


def _decode(group: _Group, data: bytes) -> PointJacobi:
    """A SEC1 uncompressed point, checked to lie on the curve (both cofactors are 1)."""
    p = group.curve.p()
    if not isinstance(data, bytes) or len(data) != 65 or data[0] != 0x04:
        raise InvalidInput(f"a {group.name} point is 65 bytes, SEC1 uncompressed")
    x, y = int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:], "big")
    if not (x < p and y < p and group.curve.contains_point(x, y)):
        raise InvalidInput(f"the point is not on the {group.name} curve")
    return PointJacobi(group.curve, x, y, 1, group.order)


def _encode(point: Any) -> bytes:
    if point == INFINITY:
        raise InvalidInput("the point at infinity has no SEC1 uncompressed encoding")
    return b"\x04" + bytes(point.to_bytes("raw"))


def _base_mul(group: _Group, scalar: int) -> Any:
    """scalar·G; through OpenSSL (constant-time) on P-256."""
    scalar %= group.order
    if scalar == 0:
        return INFINITY
    if group.name == "p256":
        public = ec.derive_private_key(scalar, ec.SECP256R1()).public_key()
        encoded = public.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return _decode(group, encoded)
    return group.generator * scalar


@dataclass(frozen=True)
class Commitments:
    """The Feldman commitments a_j·G, C_0 first: the opening public key."""

    curve: str
    points: tuple[bytes, ...]

    def __post_init__(self) -> None:
        group = _group(self.curve)
        if not isinstance(self.points, tuple) or not 1 <= len(self.points) <= MAX_SHARES:
            raise InvalidInput(f"there are 1 to {MAX_SHARES} commitments")
        for point in self.points:
            _decode(group, point)

    @property
    def k(self) -> int:
        """The threshold: one commitment per coefficient."""
        return len(self.points)

    @property
    def public_point(self) -> bytes:
        """The opening public key, SEC1 uncompressed."""
        return self.points[0]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: ``{"curve": …, "points": [hex, …]}``."""
        return {"curve": self.curve, "points": [point.hex() for point in self.points]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str | bytes) -> Commitments:
        """From :meth:`to_json`'s dict or its JSON text; InvalidInput when malformed."""
        try:
            if isinstance(data, str | bytes):
                data = json.loads(data)
            if not isinstance(data, Mapping):
                raise TypeError
            curve, points = data["curve"], data["points"]
            if not isinstance(curve, str) or not isinstance(points, list):
                raise TypeError
            if not all(isinstance(point, str) for point in points):
                raise TypeError
            decoded = tuple(bytes.fromhex(point) for point in points)
        except (ValueError, TypeError, KeyError, RecursionError) as exc:
            raise InvalidInput("the commitments are not valid JSON of curve and points") from exc
        return cls(curve, decoded)


@dataclass(frozen=True, repr=False)
class Share:
    """Custodian ``index``'s share ``value`` = f(index). ``repr`` never shows the value."""

    index: int
    value: int

    def __post_init__(self) -> None:
        if not isinstance(self.index, int) or not 1 <= self.index <= MAX_SHARES:
            raise InvalidInput(f"a share index is 1 to {MAX_SHARES}", field="index")
        if not isinstance(self.value, int) or not 0 <= self.value < 2**256:
            raise InvalidInput("a share value is a 256-bit number", field="value")

    def __repr__(self) -> str:
        return f"Share(index={self.index})"

    __str__ = __repr__

    def to_bytes(self) -> bytes:
        return bytes([SHARE_VERSION, self.index]) + self.value.to_bytes(32, "big")

    @classmethod
    def from_bytes(cls, data: bytes) -> Share:
        if not isinstance(data, bytes) or len(data) != SHARE_BYTES or data[0] != SHARE_VERSION:
            raise InvalidInput(f"a share is {SHARE_BYTES} bytes of format version {SHARE_VERSION}")
        return cls(data[1], int.from_bytes(data[2:], "big"))


def split_new_key(curve: ThresholdCurve, k: int, n: int) -> tuple[Commitments, list[Share]]:
    """A fresh opening key split k-of-n: the commitments (``points[0]`` is the public key) and
    the n shares, indices 1…n. The private scalar itself is never returned."""
    group = _group(curve)
    if not isinstance(k, int) or not isinstance(n, int) or not 1 <= k <= n <= MAX_SHARES:
        raise InvalidInput(f"a threshold needs 1 ≤ k ≤ n ≤ {MAX_SHARES} (got k={k}, n={n})")
    coefficients = [secrets.randbelow(group.order - 1) + 1 for _ in range(k)]
    points = tuple(_encode(_base_mul(group, a)) for a in coefficients)
    shares = [Share(i, _evaluate(coefficients, i, group.order)) for i in range(1, n + 1)]
    coefficients.clear()
    del coefficients
    return Commitments(curve, points), shares


def _evaluate(coefficients: Sequence[int], x: int, order: int) -> int:
    result = 0
    for coefficient in reversed(coefficients):
        result = (result * x + coefficient) % order
    return result


def verify_share(share: Share, commitments: Commitments) -> bool:
    """True when ``share`` lies on the committed polynomial: s_i·G == Σ_j C_j·i^j."""
    group = _group(commitments.curve)
    if not 0 <= share.value < group.order:
        return False
    # Horner's rule on points: ((C_{k-1}·i + C_{k-2})·i + …)·i + C_0.
    expected: Any = INFINITY
    for encoded in reversed(commitments.points):
        expected = expected * share.index + _decode(group, encoded)
    return bool(_base_mul(group, share.value) == expected)


def combine(shares: Sequence[Share], commitments: Commitments, k: int) -> int:
    """The opening private scalar from k of ``shares``.

    Every share given is checked first (BadShare names the first that fails, even when enough
    good ones are present too); then at least k distinct indices are required (NotEnoughShares);
    exactly k are interpolated at 0 and the result is checked against the public key.
    """
    group = _group(commitments.curve)
    if k != commitments.k:
        raise InvalidInput(f"the commitments are for a {commitments.k}-of-n split, not {k}-of-n")
    distinct: dict[int, Share] = {}
    for share in shares:
        if not verify_share(share, commitments):
            raise BadShare(share.index)
        distinct[share.index] = share
    if len(distinct) < k:
        raise NotEnoughShares(
            f"{k} verified shares are needed to open, {len(distinct)} were given",
            needed=k,
            given=len(distinct),
        )
    chosen = [distinct[index] for index in sorted(distinct)[:k]]
    scalar = _interpolate_at_zero(chosen, group.order)
    if _encode_or_none(_base_mul(group, scalar)) != commitments.public_point:
        raise InvalidInput("the shares do not reconstruct the committed opening key")
    return scalar


def _interpolate_at_zero(shares: Sequence[Share], order: int) -> int:
    """f(0) = Σ_i s_i · Π_{j≠i} x_j / (x_j − x_i)  (mod q)."""
    result = 0
    for share in shares:
        numerator, denominator = 1, 1
        for other in shares:
            if other.index != share.index:
                numerator = numerator * other.index % order
                denominator = denominator * (other.index - share.index) % order
        result = (result + share.value * numerator * pow(denominator, -1, order)) % order
    return result


def _encode_or_none(point: Any) -> bytes | None:
    return None if point == INFINITY else _encode(point)


def share_info(tender_id: str) -> bytes:
    """The ECIES context a share travels under: ``b"prex-share\\0"`` ‖ UTF-8 tender id."""
    return SHARE_INFO_PREFIX + tender_id.encode("utf-8")


def encrypt_share(share: Share, custodian_cert: Certificate, tender_id: str) -> bytes:
    """``share`` encrypted to the custodian's (encryption) certificate for this tender only."""
    return wrap_for_certificate(custodian_cert, share.to_bytes(), share_info(tender_id))


def decrypt_share(blob: bytes, custodian_key: PrivateKey, tender_id: str) -> Share:
    """The share in ``blob``; DecryptionFailed for another key or tender, InvalidInput when the
    plaintext is not a share."""
    return Share.from_bytes(unwrap_with_key(custodian_key, blob, share_info(tender_id)))
