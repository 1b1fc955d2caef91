"""Whole envelopes: sealed for an opening key split 3-of-5, opened from three custodian shares;
the plaintext never appears in the file; every damaged region is caught with its own error."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prex.envelope import container, ecies, pack, stream, threshold
from prex.envelope.parameters import TenderParameters
from prex.pki.certs import parse_certificates
from prex.pki.cms import BadSignature
from prex.pki.keys import PrivateKey
from prex.shared.errors import InvalidInput
from tests.pki_openssl import PkiWorld

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
MARKER = "绝密投标报价标记-7f3a"
FORM = f'{{"price": "98765432.10", "note": "{MARKER}"}}'.encode()


def sealed(
    pki_world: PkiWorld, tmp_path: Path, suite: str, leaf: str, with_bidder: bool = False
) -> tuple[container.Sealed, threshold.Commitments, list[threshold.Share]]:
    curve = container.SUITES[suite][0]
    commitments, shares = threshold.split_new_key(curve, 3, 5)
    issued = pki_world.leaves[leaf]
    document = tmp_path / "技术标.txt"
    document.write_bytes((MARKER + "\n").encode() * 5000)
    cert, *_ = parse_certificates(issued.cert.read_bytes())
    chain = [c for p in issued.chain for c in parse_certificates(p.read_bytes())]
    result = container.seal(
        out=tmp_path / f"{leaf}.env",
        suite=suite,
        tender_id="T-2026-001",
        section_id="S1",
        bidder_uscc=pki_world.uscc[leaf],
        opening_public_point=commitments.public_point,
        items=[
            pack.Item(pack.FORM, data=FORM),
            pack.Item(pack.FINGERPRINT, data=b'{"mac_sha256": []}'),
            pack.Item("documents/技术标.txt", path=document),
        ],
        signer_certificate=cert,
        signer_key=PrivateKey.load(issued.key.read_bytes()),
        chain=chain,
        bidder_encryption_certificate=cert if with_bidder else None,
        sealed_at=NOW,
        chunk_size=4096,
    )
    return result, commitments, shares


def parse(path: Path) -> container.Parsed:
    with path.open("rb") as handle:
        return container.read(handle, path.stat().st_size, max_bytes=10**8)


@pytest.mark.parametrize(
    ("suite", "leaf"),
    [("P256-AES256GCM", "rsa-org"), ("P256-AES256GCM", "ecdsa-org"), ("SM2-SM4GCM", "sm2-org")],
)
def test_sealed_then_opened_from_three_of_five_shares(
    pki_world: PkiWorld, tmp_path: Path, suite: str, leaf: str
) -> None:
    result, commitments, shares = sealed(pki_world, tmp_path, suite, leaf)
    raw = result.path.read_bytes()
    assert MARKER.encode() not in raw and b"98765432" not in raw
    parsed = parse(result.path)
    assert parsed.header.bidder_uscc == pki_world.uscc[leaf]
    with result.path.open("rb") as handle:
        check = container.check(handle, parsed)
        assert (
            check.signer.fingerprint
            == parse_certificates(pki_world.leaves[leaf].cert.read_bytes())[0].fingerprint
        )
        scalar = threshold.combine([shares[4], shares[1], shares[2]], commitments, 3)
        key = container.content_key_with_opening_key(parsed, scalar)
        out = tmp_path / "opened"
        entries = container.open_payload(handle, parsed, key, out, max_total=10**8)
    assert [n for n, _ in entries] == [pack.FORM, pack.FINGERPRINT, "documents/技术标.txt"]
    assert (out / pack.FORM).read_bytes() == FORM
    with pytest.raises(threshold.NotEnoughShares):
        threshold.combine(shares[:2], commitments, 3)


def test_a_bidder_can_open_its_own_envelope_when_the_rule_pack_allows(
    pki_world: PkiWorld, tmp_path: Path
) -> None:
    result, _, _ = sealed(pki_world, tmp_path, "P256-AES256GCM", "ecdsa-org", with_bidder=True)
    parsed = parse(result.path)
    key = container.content_key_with_bidder_key(
        parsed, PrivateKey.load(pki_world.leaves["ecdsa-org"].key.read_bytes())
    )
    with result.path.open("rb") as handle:
        container.open_payload(handle, parsed, key, tmp_path / "mine", max_total=10**8)
    assert (tmp_path / "mine" / pack.FORM).read_bytes() == FORM
    with pytest.raises(ecies.DecryptionFailed):  # someone else's key
        container.content_key_with_bidder_key(
            parsed, PrivateKey.load(pki_world.leaves["rsa-org"].key.read_bytes())
        )


def test_every_damaged_region_is_caught(pki_world: PkiWorld, tmp_path: Path) -> None:
    result, commitments, shares = sealed(pki_world, tmp_path, "P256-AES256GCM", "rsa-org")
    raw = result.path.read_bytes()
    parsed = parse(result.path)
    scalar = threshold.combine(shares[:3], commitments, 3)
    header_at = len(container.MAGIC) + 4 + 20
    payload_at = parsed.payload_offset + 5000
    signature_at = len(raw) - 100

    def attempt(data: bytes) -> None:
        damaged = tmp_path / "damaged.env"
        damaged.write_bytes(data)
        handle = io.BytesIO(data)
        p = container.read(handle, len(data), max_bytes=10**8)
        container.check(handle, p)
        key = container.content_key_with_opening_key(p, scalar)
        container.open_payload(handle, p, key, tmp_path / "x", max_total=10**8)

    def flip(at: int) -> bytes:
        return raw[:at] + bytes([raw[at] ^ 0x20]) + raw[at + 1 :]

    with pytest.raises((container.BadEnvelope, BadSignature)):
        attempt(flip(header_at))
    with pytest.raises(stream.StreamCorrupted, match="differ from what was signed"):
        attempt(flip(payload_at))
    with pytest.raises(BadSignature):
        attempt(flip(signature_at))
    with pytest.raises(container.BadEnvelope, match="not a prex envelope"):
        attempt(flip(2))
    with pytest.raises(container.BadEnvelope, match="truncated|wrong length"):
        attempt(raw[:-1])
    with pytest.raises(container.BadEnvelope, match="truncated"):
        attempt(raw[: parsed.payload_offset + 10])
    with pytest.raises(container.BadEnvelope, match="limit"):
        container.read(io.BytesIO(raw), len(raw), max_bytes=1000)


def test_a_wrapped_key_does_not_open_under_another_tender(
    pki_world: PkiWorld, tmp_path: Path
) -> None:
    result, commitments, shares = sealed(pki_world, tmp_path, "SM2-SM4GCM", "sm2-org")
    parsed = parse(result.path)
    scalar = threshold.combine(shares[1:4], commitments, 3)
    other = container.binding_of(
        parsed.header.suite, "T-OTHER", "S1", parsed.header.bidder_uscc, parsed.header.opening_key
    )
    blob = parsed.header.recipients[0].blob
    with pytest.raises(ecies.DecryptionFailed):
        ecies.unwrap("sm2", scalar, blob, other)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_hostile_envelopes_and_parameters_fail_cleanly(
    pki_world: PkiWorld, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    global _GOOD
    if _GOOD is None:
        result, _, _ = sealed(
            pki_world, tmp_path_factory.mktemp("fuzz"), "P256-AES256GCM", "ecdsa-org"
        )
        _GOOD = result.path.read_bytes()
    good = _GOOD
    at = data.draw(st.integers(0, len(good) - 1))
    candidate = data.draw(
        st.one_of(
            st.binary(max_size=300),
            st.just(good[:at]),
            st.just(
                good[:at] + bytes([good[at] ^ data.draw(st.integers(1, 255))]) + good[at + 1 :]
            ),
        )
    )
    handle = io.BytesIO(candidate)
    try:
        parsed = container.read(handle, len(candidate), max_bytes=10**8)
        container.check(handle, parsed)
    except InvalidInput:
        pass
    with pytest.raises(InvalidInput):
        TenderParameters.loads(data.draw(st.binary(max_size=200)))


_GOOD: bytes | None = None


_ENVELOPE: list[bytes] = []


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cuts=st.lists(st.integers(min_value=1, max_value=70_000), max_size=12))
def test_the_digester_follows_an_upload_in_any_pieces(
    pki_world: PkiWorld, tmp_path_factory: pytest.TempPathFactory, cuts: list[int]
) -> None:
    """Fed the envelope in arbitrary pieces, the digester gives the file's and the payload's
    SHA-256 exactly as reading the whole file does."""
    import hashlib

    if not _ENVELOPE:  # sealed once for all examples
        folder = tmp_path_factory.mktemp("digest")
        result, _, _ = sealed(pki_world, folder, "P256-AES256GCM", "ecdsa-org")
        _ENVELOPE.append(result.path.read_bytes())
    data = _ENVELOPE[0]
    digester = container.Digester()
    at = 0
    for cut in [*cuts, len(data)]:
        digester.update(data[at : at + cut])
        at += cut
        if at >= len(data):
            break
    digester.update(data[at:])
    parsed = container.read(io.BytesIO(data), len(data), max_bytes=10**8)
    assert digester.whole.hexdigest() == hashlib.sha256(data).hexdigest()
    assert digester.payload_sha256 == parsed.header.payload_sha256
    truncated = container.Digester()
    truncated.update(data[: parsed.payload_offset + 10])
    assert truncated.payload_sha256 is None
    garbage = container.Digester()
    garbage.update(b"not an envelope at all" * 10)
    assert garbage.payload_sha256 is None
