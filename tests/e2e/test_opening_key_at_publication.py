"""Publishing a tender makes its opening key, split 3-of-5 among the centre's custodians; the
bidder downloads the parameters, seals offline, and only k custodians' keys open the bid."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from prex.bidding.custodians import remove_custodian
from prex.bidding.orm import opening_key_shares, tender_opening_keys
from prex.bootstrap import Services
from prex.cli.main import app
from prex.envelope import container, threshold
from tests.factories import ADMIN_ACTOR, World, auth, project_body, published_tender, tender_body
from tests.pki_helpers import trust_world
from tests.pki_openssl import PkiWorld


def test_publish_seal_and_open_with_three_custodians(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, tmp_path: Path
) -> None:
    tender = published_tender(client, world, auth(services, "agency"))
    params = client.get(f"/api/v1/tenders/{tender['id']}/bid-parameters")
    assert params.status_code == 200, params.text
    body = params.json()
    assert body["format"] == "prex-tender-parameters" and body["key_mode"] == "custodians"
    path = tmp_path / "params.json"
    path.write_text(json.dumps(body, ensure_ascii=False))

    trust_world(services, pki_world)
    issued = pki_world.leaves["ecdsa-org"]
    doc = tmp_path / "报价清单.xlsx"
    doc.write_bytes(b"PK\x03\x04 not really a spreadsheet")
    out = tmp_path / "bid.env"
    sealed = CliRunner().invoke(
        app,
        [
            "bid",
            "seal",
            str(doc),
            "--tender",
            tender["id"],
            "--params",
            str(path),
            "--section",
            body["sections"][0]["id"],
            "--cert",
            str(issued.cert),
            "--key",
            str(issued.key),
            "--price",
            "11800000",
            "--duration-days",
            "300",
            "--project-manager",
            "李工",
            "--out",
            str(out),
        ],
    )
    assert sealed.exit_code == 0, sealed.output

    assert world.custodians is not None
    with services.read_session() as session:
        key_row = session.execute(
            select(tender_opening_keys).where(tender_opening_keys.c.tender_id == tender["id"])
        ).one()
        shares = session.execute(
            select(opening_key_shares)
            .where(opening_key_shares.c.tender_id == tender["id"])
            .order_by(opening_key_shares.c.share_index)
        ).all()
    assert (key_row.threshold, key_row.custodians, len(shares)) == (3, 5, 5)
    assert {s.custodian_id for s in shares} == set(world.custodians.ids)
    commitments = threshold.Commitments.from_json(key_row.commitments)
    released = [
        threshold.decrypt_share(s.sealed_share, world.custodians.keys[s.custodian_id], tender["id"])
        for s in shares[1:4]
    ]
    scalar = threshold.combine(released, commitments, 3)
    with out.open("rb") as handle:
        parsed = container.read(handle, out.stat().st_size, max_bytes=10**8)
        container.check(handle, parsed)
        key = container.content_key_with_opening_key(parsed, scalar)
        container.open_payload(handle, parsed, key, tmp_path / "opened", max_total=10**8)
    form = json.loads((tmp_path / "opened" / "bid-form.json").read_text())
    assert form["price"] == "11800000.00" and form["tender_id"] == tender["id"]

    # the opening key's private half is nowhere in the database file
    database = Path(services.settings.resolved_database_url.removeprefix("sqlite:///"))
    if database.exists():
        stored = database.read_bytes() + b"".join(
            p.read_bytes() for p in database.parent.glob("prex.db*") if p != database
        )
        assert scalar.to_bytes(32, "big") not in stored


def test_publishing_is_refused_without_enough_custodians(
    client: TestClient, services: Services, world: World
) -> None:
    headers = auth(services, "agency")
    assert world.custodians is not None
    for custodian_id in world.custodians.ids[:2]:
        remove_custodian(services.uow(ADMIN_ACTOR), custodian_id)
    project = client.post("/api/v1/projects", json=project_body(world), headers=headers).json()
    tender = client.post(
        "/api/v1/tenders", json=tender_body(project["id"], services), headers=headers
    ).json()
    client.post(
        f"/api/v1/tenders/{tender['id']}/documents",
        files={"file": ("招标文件.pdf", b"%PDF-1.4", "application/pdf")},
        headers=headers,
    )
    refused = client.post(f"/api/v1/tenders/{tender['id']}/publish", headers=headers)
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["rule"] == "sealing.custodians" and "has 3" in problem["detail"]
    assert (
        client.get(f"/api/v1/tenders/{tender['id']}", headers=headers).json()["status"] == "draft"
    )
    assert client.get(f"/api/v1/tenders/{tender['id']}/bid-parameters").status_code == 404


def test_the_parameters_are_signed_by_the_platform(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, tmp_path: Path
) -> None:
    from prex.envelope.parameters import check_platform_signature
    from prex.shared.errors import InvalidInput

    tender = published_tender(client, world, auth(services, "agency"))
    body = client.get(f"/api/v1/tenders/{tender['id']}/bid-parameters").json()
    ca = services.pki.platform_keys().ca_certificate
    signer = check_platform_signature(body, ca)
    assert signer.common_name.endswith("平台签名")
    forged = {**body, "opening_public_key": "04" + "11" * 64}
    try:
        check_platform_signature(forged, ca)
    except InvalidInput as refused:
        assert "does not match" in refused.message or "not signed" in refused.message
    else:
        raise AssertionError("forged parameters passed the platform signature check")

    trust_world(services, pki_world)
    issued = pki_world.leaves["ecdsa-org"]
    (tmp_path / "ca.pem").write_text(ca.pem())
    doc = tmp_path / "doc.txt"
    doc.write_text("x")
    for name, data in (("good.json", body), ("forged.json", forged)):
        (tmp_path / name).write_text(json.dumps(data))
        result = CliRunner().invoke(
            app,
            [
                "bid",
                "seal",
                str(doc),
                "--tender",
                tender["id"],
                "--params",
                str(tmp_path / name),
                "--cert",
                str(issued.cert),
                "--key",
                str(issued.key),
                "--price",
                "100",
                "--duration-days",
                "30",
                "--project-manager",
                "张工",
                "--out",
                str(tmp_path / f"{name}.env"),
                "--platform-ca",
                str(tmp_path / "ca.pem"),
            ],
        )
        assert result.exit_code == (0 if name == "good.json" else 1), result.output


def test_a_custodian_whose_certificate_is_revoked_receives_no_share(
    client: TestClient, services: Services, world: World
) -> None:
    """The custodian CA revokes custodian 1's encryption certificate (a CRL imported by the
    operator): publishing needs five custodians with unrevoked certificates, and has four."""
    from datetime import UTC, datetime

    from prex.bidding.orm import opening_custodians
    from prex.pki.certs import load_certificate
    from prex.pki.issue import issue_crl
    from tests.custodians import SEED

    assert world.custodians is not None
    with services.read_session() as session:
        der = session.execute(
            select(opening_custodians.c.certificate).where(
                opening_custodians.c.id == world.custodians.ids[0]
            )
        ).scalar_one()
    revoked = load_certificate(bytes(der))
    crl = issue_crl(
        issuer=world.custodians.ca,
        issuer_key=world.custodians.ca_key,
        revoked=[(revoked.serial, datetime(2025, 6, 1, tzinfo=UTC))],
        this_update=datetime(2025, 6, 1, tzinfo=UTC),
        next_update=datetime(2035, 1, 1, tzinfo=UTC),
        number=2,
    )
    services.pki.import_crl(services.uow(SEED), crl)
    headers = auth(services, "agency")
    project = client.post("/api/v1/projects", json=project_body(world), headers=headers).json()
    tender = client.post(
        "/api/v1/tenders", json=tender_body(project["id"], services), headers=headers
    ).json()
    client.post(
        f"/api/v1/tenders/{tender['id']}/documents",
        files={"file": ("招标文件.pdf", b"%PDF-1.4", "application/pdf")},
        headers=headers,
    )
    refused = client.post(f"/api/v1/tenders/{tender['id']}/publish", headers=headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["rule"] == "sealing.custodians" and "has 4" in refused.json()["detail"]
