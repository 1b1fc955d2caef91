"""`prex opening release` and `prex opening decrypt` against a real server: custodians release
their shares from their own machines (keys never leave them), a bidder decrypts its own bid where
the tender allows it, and every refusal is one line with a non-zero exit."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from prex.bidding.orm import tender_opening_keys
from prex.cli.main import app
from prex.pki.keys import PrivateKey
from tests.custodians import EncryptionCa
from tests.factories import auth
from tests.live_server import serve
from tests.opening_world import BIDDERS, Opening

runner = CliRunner()


def token(opening: Opening, user: str) -> str:
    return auth(opening.services, user)["Authorization"].removeprefix("Bearer ")


def key_file(tmp: Path, name: str, key: PrivateKey) -> Path:
    path = tmp / f"{name}.key"
    path.write_bytes(key.pkcs8_pem())
    return path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_custodians_release_from_the_command_line(opening: Opening, tmp_path: Path) -> None:
    for n, leaf in enumerate(("rsa-org", "ecdsa-org", "sm2-org")):
        user, price = BIDDERS[leaf]
        assert (
            opening.submit(opening.seal(leaf, price), user, f"cli-{n}-00000001").status_code == 201
        )
    custodians = opening.world.custodians
    assert custodians is not None
    keys = [
        key_file(tmp_path, f"c{n}", custodians.keys[cid]) for n, cid in enumerate(custodians.ids, 1)
    ]
    with serve(opening.services) as url:
        common = [
            "--tender",
            opening.id,
            "--server",
            url,
            "--platform-ca",
            str(opening.platform_ca),
        ]
        code, out = run(
            "opening",
            "release",
            *common,
            "--key",
            str(keys[0]),
            "--token",
            token(opening, "custodian1"),
        )
        assert code == 1 and "截止时间" in out and out.count("\n") <= 2  # before the deadline
        opening.to_deadline()
        # Custodian 2 with custodian 1's key: its share does not decrypt; nothing is sent.
        code, out = run(
            "opening",
            "release",
            *common,
            "--key",
            str(keys[0]),
            "--token",
            token(opening, "custodian2"),
        )
        assert code == 1 and "error:" in out
        for n in (1, 2, 3):
            code, out = run(
                "opening",
                "release",
                *common,
                "--key",
                str(keys[n - 1]),
                "--token",
                token(opening, f"custodian{n}"),
                "--json",
            )
            assert code == 0, out
        assert '"released": 3' in out
        # A platform CA other than the platform's: the escrow certificate is refused locally.
        other = tmp_path / "other-ca.pem"
        other.write_text(custodians.ca.pem())
        code, out = run(
            "opening",
            "release",
            "--tender",
            opening.id,
            "--server",
            url,
            "--platform-ca",
            str(other),
            "--key",
            str(keys[3]),
            "--token",
            token(opening, "custodian4"),
        )
        assert code == 1 and "escrow certificate" in out
    result = opening.host("open").json()
    assert result["opened"] == 3 and result["shares_used"] == [1, 2, 3]


@pytest.mark.parametrize("mode", ["bidder_or_custodians"])
def test_a_bidder_decrypts_its_own_bid(opening: Opening, tmp_path: Path, mode: str) -> None:
    # The tender as published under a rule pack whose sealing.key_mode lets bidders open their
    # own bids (the pack's setting is copied to the opening key at publication).
    with opening.services.writer_session() as session:
        session.execute(
            update(tender_opening_keys)
            .where(tender_opening_keys.c.tender_id == opening.id)
            .values(key_mode=mode)
        )
        session.commit()
    opening.params.write_text(
        opening.client.get(f"/api/v1/tenders/{opening.id}/bid-parameters").text
    )
    ca = EncryptionCa(opening.services, name="Bidder Encryption CA")
    encryption_cert, encryption_key = ca.person("投标人加密", "330106198503151234")
    cert_file = tmp_path / "enc.pem"
    cert_file.write_text(encryption_cert.pem())
    envelopes, bid_ids = {}, {}
    for n, leaf in enumerate(("rsa-org", "ecdsa-org", "sm2-org")):
        user, price = BIDDERS[leaf]
        envelopes[leaf] = opening.seal(leaf, price, encryption_cert=cert_file)
        receipt = opening.submit(envelopes[leaf], user, f"own-{n}-00000001").json()
        bid_ids[leaf] = receipt["bid_id"]
    opening.to_deadline()
    enc_key = key_file(tmp_path, "enc", encryption_key)
    with serve(opening.services) as url:
        for leaf in ("rsa-org", "ecdsa-org"):
            user = BIDDERS[leaf][0]
            code, out = run(
                "opening",
                "decrypt",
                "--bid",
                bid_ids[leaf],
                "--envelope",
                str(envelopes[leaf]),
                "--key",
                str(enc_key),
                "--server",
                url,
                "--token",
                token(opening, user),
                "--platform-ca",
                str(opening.platform_ca),
            )
            assert code == 0, out
        # Another bidder's bid id: refused by the server, one line.
        code, out = run(
            "opening",
            "decrypt",
            "--bid",
            bid_ids["sm2-org"],
            "--envelope",
            str(envelopes["sm2-org"]),
            "--key",
            str(enc_key),
            "--server",
            url,
            "--token",
            token(opening, "bidder_rsa"),
        )
        assert code == 1 and "404" in out
    assert opening.hall()["own_keys_released"] == 2
    # The window is still open and the SM2 bidder has not decrypted: the host cannot open yet
    # with its own keys alone; with k custodian shares the rest opens.
    assert opening.host("open").status_code == 409
    for n in (1, 2, 3):
        assert opening.release(n).status_code == 200
    result = opening.host("open").json()
    assert result["opened"] == 3
    decrypted_by = sorted(r["decrypted_by"] for r in opening.hall()["reading"])
    assert decrypted_by == ["bidder", "bidder", "custodians"]


def test_bidder_only_bids_left_undecrypted_when_the_window_closes_are_revoked(
    opening: Opening, tmp_path: Path
) -> None:
    """Rule-pack mode ``bidder_only`` (legacy practice): each bidder decrypts its own bid within
    the window; a release after it is refused quoting art. 31, and the bid is deemed revoked."""
    from datetime import datetime, timedelta

    from prex.envelope import release
    from prex.pki.certs import parse_certificate

    with opening.services.writer_session() as session:
        session.execute(
            update(tender_opening_keys)
            .where(tender_opening_keys.c.tender_id == opening.id)
            .values(key_mode="bidder_only")
        )
        session.commit()
    opening.params.write_text(
        opening.client.get(f"/api/v1/tenders/{opening.id}/bid-parameters").text
    )
    ca = EncryptionCa(opening.services, name="Bidder Encryption CA")
    cert, key = ca.person("投标人加密", "330106198503151234")
    cert_file = tmp_path / "enc.pem"
    cert_file.write_text(cert.pem())
    escrow = parse_certificate(
        opening.client.get("/api/v1/opening/escrow-certificate").json()["certificate"].encode()
    )
    bids = {}
    for n, leaf in enumerate(("rsa-org", "ecdsa-org", "sm2-org")):
        user, price = BIDDERS[leaf]
        envelope = opening.seal(leaf, price, encryption_cert=cert_file)
        bid_id = opening.submit(envelope, user, f"only-{n}-00000001").json()["bid_id"]
        _, blob = release.release_content_key(
            envelope=envelope, bidder_key=key, escrow=escrow, max_bytes=10**8
        )
        bids[leaf] = (user, bid_id, base64.b64encode(blob).decode())

    def decrypt(leaf: str) -> Any:
        user, bid_id, blob = bids[leaf]
        return opening.client.post(
            f"/api/v1/bids/{bid_id}/content-key",
            json={"escrowed": blob},
            headers=auth(opening.services, user),
        )

    assert decrypt("rsa-org").status_code == 422  # before the deadline: refused
    opening.to_deadline()
    assert decrypt("rsa-org").status_code == 204
    assert decrypt("ecdsa-org").status_code == 204
    assert opening.host("open").status_code == 409  # the window is open, one has not decrypted
    closes = datetime.fromisoformat(opening.hall()["window_closes_at"])
    opening.clock.set(closes + timedelta(seconds=1))
    late = decrypt("sm2-org")
    assert late.status_code == 422 and late.json()["rule"] == "opening.decryption-window"
    assert "第三十一条" in late.json()["detail"]
    result = opening.host("open").json()
    assert (result["opened"], result["revoked"]) == (2, 1)
    reading = {r["bid_id"]: r for r in opening.hall()["reading"]}
    revoked = reading[bids["sm2-org"][1]]
    assert revoked["outcome"] == "revoked" and "视为撤销" in revoked["reason"]
    assert {reading[bids[leaf][1]]["decrypted_by"] for leaf in ("rsa-org", "ecdsa-org")} == {
        "bidder"
    }
