"""Opening one stored envelope (opening/decrypt.py) for both suites, and the art. 31 verdict:
any flipped bit anywhere in the stored file is the platform's fault (withdrawn); a file intact
as received that still does not open is the bidder's (revoked)."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prex.envelope import container, pack, threshold
from prex.opening.decrypt import NotOpened, Opened, open_envelope
from prex.pki.certs import parse_certificates
from prex.pki.keys import PrivateKey
from tests.pki_openssl import PkiWorld

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
TENDER, SECTION = "T-2026-007", "S1"
LIMIT = 10**8


def form(uscc: str, **changes: object) -> bytes:
    body = {
        "tender_id": TENDER,
        "section_id": SECTION,
        "bidder_uscc": uscc,
        "price": "12345678.90",
        "duration_days": 540,
        "project_manager": "王建国",
        "bond": {"kind": "bank_guarantee", "reference": "BG-7"},
        **changes,
    }
    return json.dumps(body, ensure_ascii=False).encode()


def seal(
    pki_world: PkiWorld,
    folder: Path,
    suite: str,
    leaf: str,
    form_bytes: bytes | None = None,
    wrap_to: bytes | None = None,
) -> tuple[Path, str, int]:
    """An envelope sealed for a fresh 3-of-5 key; returns its path, SHA-256 and the key."""
    commitments, shares = threshold.split_new_key(container.SUITES[suite][0], 3, 5)
    issued = pki_world.leaves[leaf]
    cert, *_ = parse_certificates(issued.cert.read_bytes())
    chain = [c for p in issued.chain for c in parse_certificates(p.read_bytes())]
    document = folder / "商务标.txt"
    document.write_bytes("报价说明\n".encode() * 3000)
    result = container.seal(
        out=folder / f"{leaf}-{suite}.env",
        suite=suite,
        tender_id=TENDER,
        section_id=SECTION,
        bidder_uscc=pki_world.uscc[leaf],
        opening_public_point=wrap_to or commitments.public_point,
        items=[
            pack.Item(pack.FORM, data=form_bytes or form(pki_world.uscc[leaf])),
            pack.Item(pack.FINGERPRINT, data=b'{"tool": "test"}'),
            pack.Item("documents/商务标.txt", path=document),
        ],
        signer_certificate=cert,
        signer_key=PrivateKey.load(issued.key.read_bytes()),
        chain=chain,
        sealed_at=NOW,
        chunk_size=4096,
    )
    scalar = threshold.combine(shares[1:4], commitments, 3)
    return result.path, result.sha256, scalar


def opened(path: Path, sha256: str, scalar: int, uscc: str) -> object:
    return open_envelope(
        path,
        expected_sha256=sha256,
        tender_id=TENDER,
        section_id=SECTION,
        bidder_uscc=uscc,
        content_key_for=lambda parsed: container.content_key_with_opening_key(parsed, scalar),
        max_bytes=LIMIT,
    )


@pytest.mark.parametrize(
    ("suite", "leaf"), [("P256-AES256GCM", "rsa-org"), ("SM2-SM4GCM", "sm2-org")]
)
def test_both_suites_open_to_what_was_sealed(
    pki_world: PkiWorld, tmp_path: Path, suite: str, leaf: str
) -> None:
    path, sha256, scalar = seal(pki_world, tmp_path, suite, leaf)
    result = opened(path, sha256, scalar, pki_world.uscc[leaf])
    assert isinstance(result, Opened), result
    assert result.form["price"] == "12345678.90" and result.form["bond"]["kind"] == "bank_guarantee"
    assert result.scanned.documents == (
        pack.Document("商务标.txt", len("报价说明\n".encode()) * 3000),
    )
    assert (
        result.signature.signer.fingerprint
        == parse_certificates(pki_world.leaves[leaf].cert.read_bytes())[0].fingerprint
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(where=st.floats(min_value=0, max_value=1, exclude_max=True), bit=st.integers(0, 7))
def test_any_flipped_bit_is_the_platforms_fault(
    pki_world: PkiWorld, tmp_path_factory: pytest.TempPathFactory, where: float, bit: int
) -> None:
    folder = tmp_path_factory.mktemp("flip")
    path, sha256, scalar = _sealed_once(pki_world, tmp_path_factory)
    damaged = folder / "damaged.env"
    shutil.copyfile(path, damaged)
    data = bytearray(damaged.read_bytes())
    data[int(where * len(data))] ^= 1 << bit
    damaged.write_bytes(bytes(data))
    result = opened(damaged, sha256, scalar, pki_world.uscc["ecdsa-org"])
    assert isinstance(result, NotOpened), "a damaged envelope opened"
    assert (result.outcome, result.fault) == ("withdrawn", "platform")
    assert "视为撤回" in result.reason and hashlib.sha256(data).hexdigest() in result.reason


_CACHE: dict[str, tuple[Path, str, int]] = {}


def _sealed_once(pki_world: PkiWorld, factory: pytest.TempPathFactory) -> tuple[Path, str, int]:
    if "one" not in _CACHE:
        _CACHE["one"] = seal(pki_world, factory.mktemp("sealed"), "P256-AES256GCM", "ecdsa-org")
    return _CACHE["one"]


def test_a_missing_blob_is_the_platforms_fault(pki_world: PkiWorld, tmp_path: Path) -> None:
    result = opened(tmp_path / "gone.env", "0" * 64, 1, pki_world.uscc["rsa-org"])
    assert isinstance(result, NotOpened) and result.outcome == "withdrawn"


def test_an_intact_envelope_that_does_not_open_is_the_bidders_fault(
    pki_world: PkiWorld, tmp_path: Path
) -> None:
    # The bidder's tool wrapped the content key to some other key than the opening key.
    other, _ = threshold.split_new_key("p256", 1, 1)
    path, sha256, scalar = seal(
        pki_world, tmp_path, "P256-AES256GCM", "rsa-org", wrap_to=other.public_point
    )
    result = opened(path, sha256, scalar, pki_world.uscc["rsa-org"])
    assert isinstance(result, NotOpened)
    assert (result.outcome, result.fault) == ("revoked", "bidder") and "视为撤销" in result.reason


@pytest.mark.parametrize(
    "changes",
    [{"price": "-1"}, {"section_id": "S9"}, {"bidder_uscc": "91330100MA0000000X"}, {"bond": 3}],
)
def test_a_bid_form_that_does_not_match_is_the_bidders_fault(
    pki_world: PkiWorld, tmp_path: Path, changes: dict[str, object]
) -> None:
    uscc = pki_world.uscc["rsa-org"]
    path, sha256, scalar = seal(
        pki_world, tmp_path, "P256-AES256GCM", "rsa-org", form_bytes=form(uscc, **changes)
    )
    result = opened(path, sha256, scalar, uscc)
    assert isinstance(result, NotOpened) and result.outcome == "revoked", result


def test_the_bid_forms_contact_telephone_is_read_when_given(
    pki_world: PkiWorld, tmp_path: Path
) -> None:
    uscc = pki_world.uscc["rsa-org"]
    path, sha256, scalar = seal(
        pki_world,
        tmp_path,
        "P256-AES256GCM",
        "rsa-org",
        form_bytes=form(uscc, contact_phone=" 0571-88001234 "),
    )
    result = opened(path, sha256, scalar, uscc)
    assert isinstance(result, Opened), result
    assert result.form["contact_phone"] == "0571-88001234"
    (tmp_path / "plain").mkdir()
    plain = seal(pki_world, tmp_path / "plain", "P256-AES256GCM", "rsa-org")
    without = opened(*plain, uscc)
    assert isinstance(without, Opened) and "contact_phone" not in without.form


@pytest.mark.parametrize("phone", ["12", "call me", "0571-8800x123", "+" + "1" * 40])
def test_a_contact_telephone_that_is_not_a_number_is_refused_when_sealing(phone: str) -> None:
    from decimal import Decimal

    from prex.sealing.client import BidForm
    from prex.shared.errors import InvalidInput

    with pytest.raises(InvalidInput, match="contact telephone"):
        BidForm(Decimal("100.00"), 30, "王建国", "cash", "", phone)
    assert BidForm.parse("100", 30, "王建国", "cash", "", " +86 571-8800 1234 ").contact_phone == (
        "+86 571-8800 1234"
    )
