"""Shamir k-of-n splitting of the opening key with Feldman commitments."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import combinations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prex.envelope import ecies
from prex.envelope.ecies import DecryptionFailed
from prex.envelope.threshold import (
    SHARE_BYTES,
    BadShare,
    Commitments,
    NotEnoughShares,
    Share,
    ThresholdCurve,
    combine,
    decrypt_share,
    encrypt_share,
    split_new_key,
    verify_share,
)
from prex.pki.certs import Certificate
from prex.pki.issue import issue_certificate
from prex.pki.keys import PrivateKey
from prex.shared.errors import InvalidInput

CURVES: list[ThresholdCurve] = ["p256", "sm2"]
ORDER = {
    "p256": int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16),
    "sm2": int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16),
}
NOW = datetime.now(UTC).replace(microsecond=0)


def opens(curve: ThresholdCurve, scalar: int, commitments: Commitments) -> bool:
    """``scalar`` is the private half of the published key, judged by an independent library:
    OpenSSL for P-256, GmSSL (through an SM2 wrap/unwrap) for SM2."""
    if curve == "p256":
        public = ec.derive_private_key(scalar, ec.SECP256R1()).public_key()
        point = public.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return point == commitments.public_point
    blob = ecies.wrap("sm2", commitments.public_point, b"content key", b"ctx")
    try:
        return ecies.unwrap("sm2", scalar, blob, b"ctx") == b"content key"
    except DecryptionFailed:
        return False


@cache
def split(curve: ThresholdCurve, k: int, n: int) -> tuple[Commitments, tuple[Share, ...]]:
    commitments, shares = split_new_key(curve, k, n)
    return commitments, tuple(shares)


@pytest.mark.parametrize("curve", CURVES)
@pytest.mark.parametrize(("k", "n"), [(1, 1), (1, 3), (2, 3), (3, 5), (5, 5)])
def test_any_k_shares_reconstruct_the_committed_key(curve: ThresholdCurve, k: int, n: int) -> None:
    commitments, shares = split(curve, k, n)
    assert commitments.curve == curve and commitments.k == k and len(commitments.points) == k
    assert [share.index for share in shares] == list(range(1, n + 1))
    assert all(verify_share(share, commitments) for share in shares)
    # 1-of-n hands every custodian the key itself; otherwise no two shares are alike.
    assert len({share.value for share in shares}) == (1 if k == 1 else n)
    scalars = {combine(subset, commitments, k) for subset in combinations(shares, k)}
    assert len(scalars) == 1
    (scalar,) = scalars
    assert 0 < scalar < ORDER[curve]
    assert opens(curve, scalar, commitments)
    # More than k shares, in any order, give the same key.
    assert combine(list(reversed(shares)), commitments, k) == scalar


@pytest.mark.parametrize("curve", CURVES)
def test_every_split_is_a_new_key(curve: ThresholdCurve) -> None:
    first, _ = split_new_key(curve, 2, 3)
    second, _ = split_new_key(curve, 2, 3)
    assert first.public_point != second.public_point


@pytest.mark.parametrize("curve", CURVES)
def test_fewer_than_k_distinct_shares_are_refused(curve: ThresholdCurve) -> None:
    commitments, shares = split(curve, 3, 5)
    for given_shares in ([], shares[:1], shares[:2], [shares[0], shares[1], shares[0]]):
        with pytest.raises(NotEnoughShares) as caught:
            combine(given_shares, commitments, 3)
        assert caught.value.context["needed"] == 3
    with pytest.raises(InvalidInput):
        combine(shares, commitments, 2)  # the commitments say 3-of-n


@pytest.mark.parametrize("curve", CURVES)
def test_a_tampered_share_is_named_even_among_enough_good_ones(curve: ThresholdCurve) -> None:
    commitments, shares = split(curve, 3, 5)
    order = ORDER[curve]
    for victim in (1, 4):
        good = [share for share in shares if share.index != victim]
        original = shares[victim - 1]
        forgeries = [
            Share(victim, (original.value + 1) % order),
            Share(victim, shares[victim % 5].value),  # another custodian's value
            Share(victim, order),  # out of range
            Share(victim, 0),
        ]
        if original.value + order < 2**256:
            forgeries.append(Share(victim, original.value + order))  # same residue, out of range
        for forged in forgeries:
            assert not verify_share(forged, commitments)
            with pytest.raises(BadShare) as caught:
                combine([*good, forged], commitments, 3)
            assert caught.value.index == victim
            assert caught.value.slug == "bad-share"
            assert str(victim) in caught.value.message
    # A right value under a wrong index is wrong too.
    relabelled = Share(2, shares[2].value)
    with pytest.raises(BadShare) as caught:
        combine([shares[0], relabelled, shares[3]], commitments, 3)
    assert caught.value.index == 2


@pytest.mark.parametrize("curve", CURVES)
def test_shares_fail_against_other_commitments(curve: ThresholdCurve) -> None:
    commitments, shares = split(curve, 2, 3)
    other, _ = split(curve, 2, 4)
    swapped = Commitments(curve, (other.points[0], commitments.points[1]))
    assert not any(verify_share(share, other) for share in shares)
    assert not any(verify_share(share, swapped) for share in shares)
    with pytest.raises(BadShare):
        combine(shares, swapped, 2)


def test_other_curve_commitments_are_refused_or_fail() -> None:
    commitments, shares = split("p256", 2, 3)
    with pytest.raises(InvalidInput):
        Commitments("sm2", commitments.points)  # P-256 points are not on the SM2 curve
    with pytest.raises(InvalidInput):
        Commitments("p384", commitments.points)


@pytest.mark.parametrize(("k", "n"), [(0, 1), (2, 1), (1, 256), (-1, 3), (3, 0)])
def test_split_parameters_are_validated(k: int, n: int) -> None:
    with pytest.raises(InvalidInput):
        split_new_key("p256", k, n)


def test_split_refuses_unknown_curves() -> None:
    with pytest.raises(InvalidInput):
        split_new_key("p384", 1, 1)  # type: ignore[arg-type]


def test_the_maximum_split() -> None:
    commitments, shares = split_new_key("p256", 2, 255)
    assert shares[-1].index == 255
    assert combine([shares[0], shares[-1]], commitments, 2) == combine(shares[7:9], commitments, 2)


# -- shares and commitments as data ------------------------------------------------------------


def test_share_bytes_round_trip_and_repr_hides_the_value() -> None:
    _, shares = split("sm2", 2, 3)
    for share in shares:
        data = share.to_bytes()
        assert len(data) == SHARE_BYTES and data[0] == 1 and data[1] == share.index
        assert Share.from_bytes(data) == share
        for text in (repr(share), str(share), f"{share}", repr([share])):
            assert str(share.value) not in text
            assert f"{share.value:x}" not in text
            assert f"{share.value:X}" not in text
    assert repr(Share(3, 12345)) == "Share(index=3)"


@pytest.mark.parametrize(
    "data",
    [b"", bytes(34), b"\x02\x01" + bytes(32), b"\x01\x00" + bytes(32), b"\x01\x01" + bytes(31)],
)
def test_bad_share_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        Share.from_bytes(data)


@pytest.mark.parametrize(("index", "value"), [(0, 1), (256, 1), (1, -1), (1, 2**256)])
def test_share_fields_are_validated(index: int, value: int) -> None:
    with pytest.raises(InvalidInput):
        Share(index, value)


@pytest.mark.parametrize("curve", CURVES)
def test_commitments_json_round_trip(curve: ThresholdCurve) -> None:
    commitments, shares = split(curve, 3, 5)
    data = commitments.to_json()
    assert data["curve"] == curve
    assert data["points"][0] == commitments.public_point.hex()
    text = json.dumps(data)
    for source in (data, text, text.encode()):
        again = Commitments.from_json(source)
        assert again == commitments
        assert all(verify_share(share, again) for share in shares)


@pytest.mark.parametrize(
    "source",
    [
        "",
        "[]",
        "{}",
        '{"curve": "p256"}',
        '{"curve": "p256", "points": []}',
        '{"curve": "p256", "points": "04"}',
        '{"curve": "p256", "points": ["zz"]}',
        '{"curve": "p256", "points": [4]}',
        '{"curve": 1, "points": ["04"]}',
        '{"curve": "p521", "points": ["04' + "00" * 64 + '"]}',
        '{"curve": "p256", "points": ["04' + "00" * 64 + '"]}',  # not on the curve
        '{"curve": "p256", "points": ["02' + "00" * 32 + '"]}',  # compressed
        "[" * 5000,
    ],
)
def test_bad_commitments_json_is_refused(source: str) -> None:
    with pytest.raises(InvalidInput):
        Commitments.from_json(source)


# -- shares encrypted to custodians ------------------------------------------------------------


@cache
def custodian(kind: str) -> tuple[PrivateKey, Certificate]:
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


CUSTODIAN_KINDS = ["sm2", "ec-p256", "rsa-2048", "ec-p384"]


@pytest.mark.parametrize("curve", CURVES)
def test_shares_encrypted_to_custodians_round_trip(curve: ThresholdCurve) -> None:
    commitments, shares = split(curve, 3, 4)
    blobs = [
        encrypt_share(share, custodian(kind)[1], "T-2026-0001")
        for share, kind in zip(shares, CUSTODIAN_KINDS, strict=True)
    ]
    received = [
        decrypt_share(blob, custodian(kind)[0], "T-2026-0001")
        for blob, kind in zip(blobs, CUSTODIAN_KINDS, strict=True)
    ]
    assert received == list(shares)
    assert opens(curve, combine(received[1:], commitments, 3), commitments)
    for blob, kind in zip(blobs, CUSTODIAN_KINDS, strict=True):
        with pytest.raises(DecryptionFailed):
            decrypt_share(blob, custodian(kind)[0], "T-2026-0002")
        with pytest.raises(DecryptionFailed):
            decrypt_share(blob, custodian(kind)[0], "T-2026-00010")
        other = CUSTODIAN_KINDS[(CUSTODIAN_KINDS.index(kind) + 1) % len(CUSTODIAN_KINDS)]
        with pytest.raises(DecryptionFailed):
            decrypt_share(blob, custodian(other)[0], "T-2026-0001")


def test_a_blob_that_is_not_a_share_is_refused() -> None:
    key, cert = custodian("ec-p256")
    info = b"prex-share\0T-1"
    with pytest.raises(InvalidInput):
        decrypt_share(ecies.wrap_for_certificate(cert, bytes(32), info), key, "T-1")
    with pytest.raises(DecryptionFailed):  # a content key's context is not a share's
        decrypt_share(ecies.wrap_for_certificate(cert, bytes(34), b"T-1"), key, "T-1")


# -- properties ------------------------------------------------------------------------------------

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(curve=st.sampled_from(CURVES), data=st.data())
def test_random_thresholds_and_subsets_reconstruct(
    curve: ThresholdCurve, data: st.DataObject
) -> None:
    n = data.draw(st.integers(1, 7), label="n")
    k = data.draw(st.integers(1, n), label="k")
    commitments, shares = split_new_key(curve, k, n)
    subset = data.draw(st.lists(st.sampled_from(shares), min_size=k, max_size=n, unique=True))
    distinct = {share.index for share in subset}
    if len(distinct) < k:
        with pytest.raises(NotEnoughShares):
            combine(subset, commitments, k)
        return
    scalar = combine(subset, commitments, k)
    assert opens(curve, scalar, commitments)
    too_few = sorted(distinct)[: k - 1]
    with pytest.raises(NotEnoughShares):
        combine([share for share in shares if share.index in too_few], commitments, k)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=80))
def test_random_share_bytes_raise_only_invalid_input(data: bytes) -> None:
    try:
        share = Share.from_bytes(data)
    except InvalidInput:
        return
    assert share.to_bytes() == data


@FUZZ
@given(
    kind=st.sampled_from(CUSTODIAN_KINDS),
    blob=st.binary(max_size=400),
    tender_id=st.text(max_size=20),
)
def test_random_share_blobs_raise_only_invalid_input(
    kind: str, blob: bytes, tender_id: str
) -> None:
    with pytest.raises(InvalidInput):
        decrypt_share(blob, custodian(kind)[0], tender_id)


@FUZZ
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_random_commitments_json_raises_only_invalid_input(source: str | bytes) -> None:
    with pytest.raises(InvalidInput):
        Commitments.from_json(source)
