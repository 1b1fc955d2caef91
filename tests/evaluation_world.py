"""A tender whose evaluation room is open: three sealed bids opened, a committee of five drawn
(one member refuses, the standby is seated), expert accounts linked, the opening record
published and the room started by the centre — over the API, as tests/e2e/test_evaluation.py
does it step by step. Shared by the evaluation room's page and browser tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.e2e.test_evaluation import PRICES, SCORES, committee_with_accounts
from tests.factories import auth
from tests.opening_world import BIDDERS, Opening


@dataclass
class Room:
    opening: Opening
    url: str  # /api/v1/tenders/{id}/evaluation
    sitting: dict[str, str]  # username of a sitting expert → pseudonym
    seats: dict[str, str]  # username of a sitting expert → committee_members id
    outsider: str  # an expert drawn who refused the seat
    names: list[str]  # every expert's name in the registry
    bid_of: dict[str, str]  # certificate leaf → bid id

    @property
    def judges(self) -> list[str]:
        return sorted(self.sitting)

    def name_of(self, user: str) -> str:
        """The registry name of an expert account (``judgeN`` is the N-th expert imported)."""
        return self.names[int(user.removeprefix("judge"))]

    def headers(self, user: str) -> dict[str, str]:
        return auth(self.opening.services, user)

    def marks(self) -> list[dict[str, Any]]:
        """A review sheet that passes every bid on every item."""
        return [
            {"bid_id": bid_id, "item": item, "passed": True, "reason": ""}
            for bid_id in self.bid_of.values()
            for item in ("qualification", "compliance")
        ]

    def scores(self) -> list[dict[str, Any]]:
        return [
            {"bid_id": self.bid_of[leaf], "criterion": criterion, "score": score}
            for leaf, pair in SCORES.items()
            for criterion, score in zip(("construction", "management"), pair, strict=True)
        ]

    def put(self, user: str, sheet: str) -> Any:
        body = {"marks": self.marks()} if sheet == "review" else {"scores": self.scores()}
        return self.opening.client.put(f"{self.url}/{sheet}", json=body, headers=self.headers(user))


def started_room(opening: Opening) -> Room:
    client, services = opening.client, opening.services
    operator = auth(services, "operator")
    accounts, names = committee_with_accounts(opening)
    spec = {
        "venues": [
            {
                "centre_id": opening.world.centre_id,
                "quotas": [{"specialty": "A08", "members": 5, "standby": 1}],
            }
        ]
    }
    committee_url = f"/api/v1/tenders/{opening.id}/committee"
    assert client.put(committee_url, json=spec, headers=operator).status_code == 200
    for n, (leaf, price) in enumerate(PRICES.items()):
        sealed = opening.seal(leaf, price)
        assert opening.submit(sealed, BIDDERS[leaf][0], f"room-{n}-00000001").status_code == 201
    opening.to_deadline()
    assert client.post(f"{committee_url}/draw", headers=operator).status_code == 200
    members = client.get(committee_url, headers=operator).json()["members"]
    drawn = [m for m in members if m["role"] == "member"]
    standby = next(m for m in members if m["role"] == "standby")
    refused = client.post(
        f"/api/v1/committee-members/{drawn[0]['id']}/response",
        json={"response": "refused", "note": "出差"},
        headers=operator,
    )
    assert refused.status_code == 200, refused.text
    for m in drawn[1:]:
        answer = client.post(
            f"/api/v1/committee-members/{m['id']}/response",
            json={"response": "confirmed"},
            headers=operator,
        )
        assert answer.status_code == 200, answer.text
    for n in (1, 2, 3):
        assert opening.release(n).status_code == 200
    assert opening.host("open").status_code == 200
    assert opening.host("record").status_code == 201
    url = f"/api/v1/tenders/{opening.id}/evaluation"
    started = client.post(url, headers=operator)
    assert started.status_code == 201, started.text
    room = client.get(url, headers=operator).json()
    bid_of = {
        leaf: next(b["bid_id"] for b in room["bids"] if b["bidder_uscc"] == opening.pki.uscc[leaf])
        for leaf in PRICES
    }
    return Room(
        opening=opening,
        url=url,
        sitting={accounts[m["expert_id"]]: m["pseudonym"] for m in [*drawn[1:], standby]},
        seats={accounts[m["expert_id"]]: m["id"] for m in [*drawn[1:], standby]},
        outsider=accounts[drawn[0]["expert_id"]],
        names=names,
        bid_of=bid_of,
    )
