"""A tender carried from sealed bids to the award stage, shared by the award tests: experts with
accounts and personal signing certificates of their own ID numbers, a committee over a main and a
sub venue, and the signers of every act (OpenSSL-made leaves through `prex sig sign`)."""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from prex.cli.main import app
from prex.experts.avoidance import blacklist_expert
from prex.identity.orm import organisations
from prex.pki.certs import Certificate
from prex.pki.cms import sign_detached
from prex.pki.keys import PrivateKey
from tests.custodians import EncryptionCa
from tests.expert_accounts import import_rows, link_accounts
from tests.factories import ADMIN_ACTOR, auth
from tests.opening_world import BIDDERS, Opening
from tests.unit.experts.rows import row

runner = CliRunner()
PRICES = {"ecdsa-org": "7,900,000.00", "ecdsa-p384": "11,111,111.11", "sm2-org": "9,999,000.00"}


class Signer:
    """A signing certificate and key: an OpenSSL-made leaf (signed with `prex sig sign`, the
    CLI a user has) or one issued by the experts' test CA (signed in-process)."""

    def __init__(
        self,
        tmp: Path,
        *,
        leaf: Any = None,
        cert: Certificate | None = None,
        key: PrivateKey | None = None,
    ) -> None:
        self.tmp, self.leaf, self.cert, self.key = tmp, leaf, cert, key

    def sign(self, data: bytes) -> str:
        if self.leaf is None:
            assert self.cert is not None and self.key is not None
            der = sign_detached(data, self.cert, self.key, signing_time=datetime.now().astimezone())
            return base64.b64encode(der).decode()
        content, out = self.tmp / "act.json", self.tmp / "act.p7s"
        content.write_bytes(data)
        chain = [a for c in self.leaf.chain for a in ("--chain", str(c))]
        result = runner.invoke(
            app,
            [
                "sig",
                "sign",
                str(content),
                "--cert",
                str(self.leaf.cert),
                "--key",
                str(self.leaf.key),
                *chain,
                "--out",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.output
        return base64.b64encode(out.read_bytes()).decode()


def problem(response: Any, status: int, slug: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = dict(response.json())
    assert body["type"].startswith("/problems/") and body["detail"], body
    if slug is not None:
        assert body["type"].endswith(slug), body
    return body


def seed_committee_pool(opening: Opening) -> tuple[dict[str, Signer], dict[str, str], list[str]]:
    """Three eligible experts in the province and two in the city (so all five sit), plus three
    the avoidance rules exclude: one employed by a bidder, one by the tenderer, one blacklisted.
    Each eligible expert has an account and a personal signing certificate of its own ID number:
    rsa-person and sm2-person from the OpenSSL world, three from a second CA.
    Returns username → signer, expert id → username, and the experts' names."""
    services, pki = opening.services, opening.pki
    with services.read_session() as session:
        usccs = dict(session.execute(select(organisations.c.id, organisations.c.uscc)).all())
    province = [row(n, specialties="A0801", home_centre="330000") for n in range(41, 47)]
    city = [row(n, specialties="A0802", home_centre="330100") for n in range(47, 49)]
    province[0]["id_number"] = pki.person_ids["rsa-person"]
    province[1]["id_number"] = pki.person_ids["sm2-person"]
    province[3]["employer_uscc"] = pki.uscc["ecdsa-org"]  # a bidder's employee
    province[4]["employer_uscc"] = usccs[opening.world.orgs["tenderer"]]
    ids = import_rows(opening, province + city)
    blacklist_expert(
        opening.world.uow(ADMIN_ACTOR),
        ids[province[5]["name"]],
        reason="评标中违规",
        source="浙公管〔2026〕2号",
    )
    ca = EncryptionCa(
        services,
        name="Expert Signing CA",
        purposes=["signing"],
        label="评标专家签名 CA（测试）",
    )
    signers: dict[str, Signer] = {}
    eligible = [*province[:3], *city]
    usernames = [f"expert{n}" for n in range(len(eligible))]
    accounts = link_accounts(opening, eligible, ids, usernames)
    for n, (r, username) in enumerate(zip(eligible, usernames, strict=True)):
        if n == 0:
            signers[username] = Signer(opening.tmp, leaf=pki.leaves["rsa-person"])
        elif n == 1:
            signers[username] = Signer(opening.tmp, leaf=pki.leaves["sm2-person"])
        else:
            cert, key = ca.person(
                r["name"], r["id_number"], usage={"digital_signature", "content_commitment"}
            )
            signers[username] = Signer(opening.tmp, cert=cert, key=key)
    return signers, accounts, [r["name"] for r in province + city]


def two_venues(opening: Opening) -> dict[str, Any]:
    """Three seats at the main venue (the province), two at the sub venue (the city)."""
    return {
        "venues": [
            {
                "centre_id": opening.world.centre_id,
                "quotas": [{"specialty": "A08", "members": 3, "standby": 0}],
            },
            {
                "centre_id": opening.world.city_centre_id,
                "quotas": [{"specialty": "A08", "members": 2, "standby": 0}],
            },
        ]
    }


def submit_bids(opening: Opening) -> None:
    for n, (leaf, price) in enumerate(PRICES.items()):
        sealed = opening.seal(leaf, price)
        assert opening.submit(sealed, BIDDERS[leaf][0], f"award-{n}-0001").status_code == 201


def seat_everyone(opening: Opening, accounts: dict[str, str]) -> dict[str, str]:
    """Every drawn member confirms; returns username → pseudonym."""
    client, operator = opening.client, auth(opening.services, "operator")
    members = client.get(f"/api/v1/tenders/{opening.id}/committee", headers=operator).json()[
        "members"
    ]
    for m in members:
        answer = client.post(
            f"/api/v1/committee-members/{m['id']}/response",
            json={"response": "confirmed"},
            headers=operator,
        )
        assert answer.status_code == 200, answer.text
    return {accounts[m["expert_id"]]: m["pseudonym"] for m in members}


def open_and_start(opening: Opening) -> dict[str, str]:
    """Custodians release, the bids are opened, the record published and the room started;
    returns leaf → bid id."""
    client, operator = opening.client, auth(opening.services, "operator")
    for n in (1, 2, 3):
        assert opening.release(n).status_code == 200
    assert opening.host("open").status_code == 200
    assert opening.host("record").status_code == 201
    url = f"/api/v1/tenders/{opening.id}/evaluation"
    assert client.post(url, headers=operator).status_code == 201
    room = client.get(url, headers=operator).json()
    return {
        leaf: next(b["bid_id"] for b in room["bids"] if b["bidder_uscc"] == opening.pki.uscc[leaf])
        for leaf in PRICES
    }
