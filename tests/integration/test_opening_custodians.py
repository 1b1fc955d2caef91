"""Opening custodians: registered with an encryption certificate the trust list accepts, shares
of an opening key encrypted to them open only with their keys, every change audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from prex.audit.orm import audit_log
from prex.bidding.custodians import custodians_of, register_custodian, remove_custodian
from prex.bootstrap import Services
from prex.envelope import threshold
from prex.identity import service as identity
from prex.identity.policy import Actor, Role
from prex.pki.path import CertificateRefused, Reason
from prex.shared.errors import PermissionDenied
from tests.custodians import EncryptionCa
from tests.factories import ADMIN_ACTOR, PASSWORD, World, auth

START, END = datetime(2025, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC)


def Ca(services: Services) -> EncryptionCa:  # noqa: N802 - reads like the class it makes
    return EncryptionCa(
        services, name="Custodian Test CA", profile=["person:serialNumber", "uscc:serialNumber"]
    )


IDS = [
    "110101199003074514",
    "110101199003078515",
    "11010119900307651X",
    "110101199003072834",
    "110101199003079171",
]


def centre_operator(world: World) -> Actor:
    return Actor(
        user_id="op",
        label="中心操作员",
        roles=frozenset({Role.OPERATOR}),
        centre_id=world.city_centre_id,
        address="10.0.0.8",
    )


def staff(services: Services, world: World, count: int) -> list[str]:
    return [
        identity.create_user(
            services.uow(ADMIN_ACTOR),
            username=f"keeper{i}",
            password=PASSWORD,
            display_name=f"保管人{i}",
            roles=["operator"],
            org_id=world.orgs["operator"],
            centre_id=world.city_centre_id,
        )
        for i in range(count)
    ]


def test_shares_of_an_opening_key_open_only_for_the_registered_custodians(
    services: Services, world: World
) -> None:
    ca = Ca(services)
    users = staff(services, world, 5)
    keys = {}
    for user_id, id_number in zip(users, IDS, strict=True):
        cert, key = ca.person("保管人", id_number)
        register_custodian(
            services.uow(
                Actor(
                    user_id="op",
                    label="市中心操作员",
                    roles=frozenset({Role.OPERATOR}),
                    centre_id=world.city_centre_id,
                    address="10.0.0.8",
                )
            ),
            services.pki,
            centre_id=world.city_centre_id,
            user_id=user_id,
            certificate_data=cert.pem().encode(),
        )
        keys[cert.fingerprint] = key
    with services.read_session() as session:
        custodians = custodians_of(session, world.city_centre_id)
    assert [c.user_id for c in custodians] == users

    commitments, shares = threshold.split_new_key("p256", 3, 5)
    sealed = [
        threshold.encrypt_share(s, c.certificate, "T-1")
        for s, c in zip(shares, custodians, strict=True)
    ]
    released = [
        threshold.decrypt_share(blob, keys[c.certificate.fingerprint], "T-1")
        for blob, c in zip(sealed[:3], custodians[:3], strict=True)
    ]
    scalar = threshold.combine(released, commitments, 3)
    assert scalar > 0  # combine() checked it against the opening public key

    remove_custodian(services.uow(ADMIN_ACTOR), custodians[0].id)
    with services.read_session() as session:
        assert len(custodians_of(session, world.city_centre_id)) == 4
        actions = [
            r.action
            for r in session.execute(select(audit_log.c.action).order_by(audit_log.c.seq)).all()
        ]
    assert actions.count("CustodianRegistered") == 5 + 5  # the world's five and ours
    assert "CustodianRemoved" in actions


def test_a_certificate_not_made_for_encryption_is_refused(services: Services, world: World) -> None:
    ca = Ca(services)
    [user] = staff(services, world, 1)
    signing_only, _ = ca.person("张三", IDS[0], usage={"digital_signature"})
    with pytest.raises(CertificateRefused) as refused:
        register_custodian(
            services.uow(ADMIN_ACTOR),
            services.pki,
            centre_id=world.city_centre_id,
            user_id=user,
            certificate_data=signing_only.pem().encode(),
        )
    assert refused.value.reason is Reason.KEY_USAGE


def test_only_the_centres_operators_manage_custodians_over_http(
    client: TestClient, services: Services, world: World
) -> None:
    ca = Ca(services)
    [user] = staff(services, world, 1)
    cert, _ = ca.person("李四", IDS[1], kind="sm2")
    body = {"user_id": user, "certificate": cert.pem()}
    url = f"/api/v1/centres/{world.city_centre_id}/custodians"
    assert client.post(url, json=body, headers=auth(services, "bidder")).status_code == 403
    # the province's operator is not the city centre's
    assert client.post(url, json=body, headers=auth(services, "operator")).status_code == 403
    assert client.get(url, headers=auth(services, "operator")).status_code == 403
    created = client.post(url, json=body, headers=auth(services, "admin"))
    assert created.status_code == 201, created.text
    again = client.post(url, json=body, headers=auth(services, "admin"))
    assert again.status_code == 409
    listed = client.get(url, headers=auth(services, "admin")).json()
    assert [(c["username"], c["key"]) for c in listed] == [("keeper0", "sm2")]
    province = client.get(
        f"/api/v1/centres/{world.centre_id}/custodians", headers=auth(services, "operator")
    )
    assert province.status_code == 200 and len(province.json()) == 5  # the world's own
    assert (
        client.delete(
            f"/api/v1/custodians/{listed[0]['id']}", headers=auth(services, "admin")
        ).status_code
        == 204
    )
    with pytest.raises(PermissionDenied):
        register_custodian(
            services.uow(Actor(user_id="b", label="b", roles=frozenset({Role.BIDDER}))),
            services.pki,
            centre_id=world.city_centre_id,
            user_id=user,
            certificate_data=cert.pem().encode(),
        )


def test_custodians_from_the_shell(
    services: Services, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from prex.cli.main import app

    monkeypatch.setenv("PREX_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("PREX_DATA_DIR", str(services.settings.data_dir))
    runner = CliRunner()
    ca = Ca(services)
    staff(services, world, 1)
    cert, _ = ca.person("赵六", IDS[2], kind="rsa-2048")
    pem = tmp_path / "custodian.pem"
    pem.write_text(cert.pem())
    added = runner.invoke(
        app, ["custodians", "add", str(pem), "--centre", "330100", "--user", "keeper0"]
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["custodians", "list", "--centre", "330100", "--json"])
    assert [r["key"] for r in json.loads(listed.output)] == ["rsa-2048"]
    nobody = runner.invoke(
        app, ["custodians", "add", str(pem), "--centre", "330100", "--user", "nobody"]
    )
    assert nobody.exit_code == 1 and "no user 'nobody'" in nobody.output
