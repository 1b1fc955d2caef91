"""Plain factory functions for tests: a small province with every role, and tenders in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from prex.bootstrap import Services
from prex.identity import service as identity
from prex.identity.policy import Actor, Role
from prex.identity.uscc import make_uscc
from tests.custodians import Custodians, seed_custodians

PASSWORD = "correct-horse-battery"
ADMIN_ACTOR = Actor(
    user_id="seed", label="test seed", roles=frozenset({Role.ADMIN}), address="127.0.0.1"
)

ROLE_ORG_KIND = {
    Role.TENDERER: "tenderer",
    Role.AGENCY: "agency",
    Role.BIDDER: "bidder",
    Role.OPERATOR: "centre",
    Role.SUPERVISOR: "supervisor",
    Role.EXPERT: "expert_employer",
}


def uscc_for(division: str, serial: int) -> str:
    """A valid credit code in ``division`` (enterprise, registered by market regulation)."""
    return make_uscc(f"91{division}{serial:09d}")


@dataclass
class World:
    services: Services
    centre_id: str
    city_centre_id: str
    orgs: dict[str, str] = field(default_factory=dict)  # name → id
    users: dict[str, str] = field(default_factory=dict)  # username → id
    custodians: Custodians | None = None  # the province's opening custodians, with their keys

    def uow(self, actor: Actor = ADMIN_ACTOR) -> Any:
        return self.services.uow(actor)


def make_world(services: Services) -> World:
    """A province (浙江 330000) with one city (杭州 330100); one organisation and one user per
    role, plus a second tenderer, agency and bidder (to test 'not a party')."""
    uow = services.uow
    province = identity.create_centre(
        uow(ADMIN_ACTOR),
        name="浙江省公共资源交易中心",
        division_code="330000",
        parent_id=None,
        platform_code="PREX33",
    )
    city = identity.create_centre(
        uow(ADMIN_ACTOR),
        name="杭州市公共资源交易中心",
        division_code="330100",
        parent_id=province,
        platform_code="PREX3301",
    )
    world = World(services, province, city)
    serial = 1
    for role in (
        Role.TENDERER,
        Role.AGENCY,
        Role.BIDDER,
        Role.OPERATOR,
        Role.SUPERVISOR,
        Role.EXPERT,
    ):
        for suffix in (
            ("", "2", "3") if role in (Role.TENDERER, Role.AGENCY, Role.BIDDER) else ("",)
        ):
            name = f"{role.value}{suffix}"
            org_id = identity.register_organisation(
                uow(ADMIN_ACTOR),
                uscc=uscc_for("330100", serial),
                name=f"{name} 有限公司",
                centre_id=province,
                kinds=[ROLE_ORG_KIND[role]],
            )
            serial += 1
            world.orgs[name] = org_id
            world.users[name] = identity.create_user(
                uow(ADMIN_ACTOR),
                username=name,
                password=PASSWORD,
                display_name=f"{name} 用户",
                roles=[role.value],
                org_id=org_id,
                centre_id=province,
                email=f"{name}@example.com",
            )
    world.users["admin"] = identity.create_user(
        uow(ADMIN_ACTOR),
        username="admin",
        password=PASSWORD,
        display_name="管理员",
        roles=["admin"],
        org_id=None,
        centre_id=province,
    )
    world.custodians = seed_custodians(services, province, PASSWORD)
    return world


def token_for(services: Services, username: str) -> str:
    credential = identity.sign_in(
        services.uow(Actor(address="127.0.0.1")),
        username=username,
        password=PASSWORD,
        kind="token",
        lifetime=timedelta(days=365),
    )
    return credential.secret


def auth(services: Services, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(services, username)}"}


def tender_body(project_id: str, services: Services, **overrides: Any) -> dict[str, Any]:
    """A valid open tender whose deadline lies 30 days ahead and documents 10 days."""
    now = services.clock.now()
    body: dict[str, Any] = {
        "project_id": project_id,
        "title": "杭州市第一中学体育馆改造工程施工招标",
        "description": "本项目已具备招标条件，现对该项目的施工进行公开招标。",
        "qualification": "具备建筑工程施工总承包二级及以上资质。",
        "evaluation_method": "comprehensive_scoring",
        "bid_deadline": (now + timedelta(days=30)).isoformat(),
        "documents_until": (now + timedelta(days=10)).isoformat(),
        "opening_place": "杭州市公共资源交易中心 第3开标室",
        "sections": [
            {
                "name": "施工一标段",
                "budget": "12500000.00",
                "ceiling_price": "12000000.00",
                "duration_days": 365,
            },
        ],
    }
    body.update(overrides)
    return body


def project_body(world: World, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "杭州市第一中学体育馆改造工程",
        "transaction_type": "engineering",
        "region_code": "330100",
        "tenderer_org_id": world.orgs["tenderer"],
        "agency_org_id": world.orgs["agency"],
        "budget": "12500000.00",
    }
    body.update(overrides)
    return body


def published_tender(
    client: TestClient, world: World, headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    """Create a project and a tender through the API, upload documents, publish it."""
    services = world.services
    project = client.post("/api/v1/projects", json=project_body(world), headers=headers)
    assert project.status_code == 201, project.text
    tender = client.post(
        "/api/v1/tenders",
        json=tender_body(project.json()["id"], services, **overrides),
        headers=headers,
    )
    assert tender.status_code == 201, tender.text
    tender_id = tender.json()["id"]
    upload = client.post(
        f"/api/v1/tenders/{tender_id}/documents",
        files={"file": ("招标文件.pdf", b"%PDF-1.4 tender documents", "application/pdf")},
        headers=headers,
    )
    assert upload.status_code == 201, upload.text
    published = client.post(f"/api/v1/tenders/{tender_id}/publish", headers=headers)
    assert published.status_code == 200, published.text
    return dict(published.json())


def chain_of(services: Services) -> Any:
    """Verify the audit chain in a session that is closed again (no lingering transaction)."""
    from prex.audit.service import verify_chain

    with services.read_session() as session:
        return verify_chain(session)
