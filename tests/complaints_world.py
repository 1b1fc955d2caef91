"""Challenges and complaints over HTTP with real certificates: a complainant organisation whose
OpenSSL-made certificate signs its filings (through `prex sig sign`), and a supervisor whose
personal certificate is bound to the account and signs the decision. Shared by the complaint
tests (API and browser)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from prex.bootstrap import Services
from prex.complaints.service import challenge_bytes, complaint_bytes
from prex.shared.clock import FixedClock
from tests.award_world import Signer
from tests.factories import World, auth, tender_body
from tests.pki_helpers import bind, member_of, trust_world
from tests.pki_openssl import PkiWorld

COMPLAINANT = "complainant"  # a bidder organisation with the rsa-org certificate
COMPETITOR = "competitor"  # a bidder with the ecdsa-org certificate (not a party)
BEIJING_9AM = 1  # 09:00 in Beijing is 01:00 UTC


def beijing(day: str, hour: int = 9) -> datetime:
    """09:00 (or ``hour``) Beijing time on ``day``, as the UTC instant the clock holds."""
    return datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(hours=hour - 8)


class Complaints:
    def __init__(
        self,
        client: TestClient,
        services: Services,
        world: World,
        pki: PkiWorld,
        tmp: Path,
        clock: FixedClock,
    ) -> None:
        self.client, self.services, self.world, self.pki, self.tmp = (
            client,
            services,
            world,
            pki,
            tmp,
        )
        self.clock = clock
        trust_world(services, pki, "rsa", "rsa-int", "ecdsa", "ecdsa-int")
        self.org = member_of(services, world, pki.uscc["rsa-org"], COMPLAINANT)
        self.competitor_org = member_of(services, world, pki.uscc["ecdsa-org"], COMPETITOR)
        bound = bind(client, services, pki, "supervisor", "rsa-person", "rsa-pkcs1-sha256", tmp)
        assert bound.status_code == 201, bound.text
        self.filer = Signer(tmp, leaf=pki.leaves["rsa-org"])
        self.supervisor = Signer(tmp, leaf=pki.leaves["rsa-person"])

    # -- tenders ---------------------------------------------------------------------------

    def tender(self, transaction_type: str = "engineering", **overrides: Any) -> dict[str, Any]:
        """A tender published now by the agency, bids due in 30 days."""
        headers = auth(self.services, "agency")
        if transaction_type == "procurement":  # documents offered 5 working days at least
            until = self.clock.now() + timedelta(days=15)
            overrides.setdefault("documents_until", until.isoformat())
        project = self.client.post(
            "/api/v1/projects",
            json={
                "name": "西湖区文化中心改造工程",
                "transaction_type": transaction_type,
                "region_code": "330100",
                "tenderer_org_id": self.world.orgs["tenderer"],
                "agency_org_id": self.world.orgs["agency"],
                "budget": "12500000.00",
            },
            headers=headers,
        )
        assert project.status_code == 201, project.text
        tender = self.client.post(
            "/api/v1/tenders",
            json=tender_body(project.json()["id"], self.services, **overrides),
            headers=headers,
        )
        assert tender.status_code == 201, tender.text
        tender_id = tender.json()["id"]
        upload = self.client.post(
            f"/api/v1/tenders/{tender_id}/documents",
            files={"file": ("招标文件.pdf", b"%PDF-1.4 tender documents", "application/pdf")},
            headers=headers,
        )
        assert upload.status_code == 201, upload.text
        published = self.client.post(f"/api/v1/tenders/{tender_id}/publish", headers=headers)
        assert published.status_code == 200, published.text
        return dict(published.json())

    # -- filing ----------------------------------------------------------------------------

    def evidence(self, user: str = COMPLAINANT) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/complaint-evidence",
            files={
                "file": ("证据材料.pdf", b"%PDF-1.4 evidence: the scoring table", "application/pdf")
            },
            headers=auth(self.services, user),
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def filing(
        self,
        tender_id: str,
        *,
        challenge: bool = False,
        subject: str = "documents",
        text: str = "招标文件设定的资格条件排斥潜在投标人。",
        known_on: str | None = None,
        known_note: str = "",
        challenge_id: str | None = None,
        signer: Signer | None = None,
    ) -> dict[str, Any]:
        """A filing body signed by the complainant's certificate over the act's bytes; the
        knowing day signed is the one the platform will use (stated, or the act's day)."""
        evidence = [self.evidence()]
        shas = [e["sha256"] for e in evidence]
        known = known_on or self.act_day(tender_id, subject)
        if challenge:
            data = challenge_bytes(tender_id, subject, known, known_note, text, shas)
        else:
            data = complaint_bytes(tender_id, challenge_id, subject, known, known_note, text, shas)
        body: dict[str, Any] = {
            "subject": subject,
            "text": text,
            "evidence": evidence,
            "known_note": known_note,
            "signature": (signer or self.filer).sign(data),
        }
        if known_on:
            body["known_on"] = known_on
        if challenge_id:
            body["challenge_id"] = challenge_id
        return body

    def act_day(self, tender_id: str, subject: str) -> str:
        tender = self.client.get(f"/api/v1/tenders/{tender_id}").json()
        kinds = {"documents": ("tender", "amendment"), "result": ("result",)}[subject]
        times = [a["published_at"] for a in tender["announcements"] if a["kind"] in kinds]
        at = datetime.fromisoformat(max(times))
        return (at + timedelta(hours=8)).date().isoformat()

    def file(self, tender_id: str, **kwargs: Any) -> Any:
        return self.client.post(
            f"/api/v1/tenders/{tender_id}/complaints",
            json=self.filing(tender_id, **kwargs),
            headers=auth(self.services, COMPLAINANT),
        )

    def challenge(self, tender_id: str, **kwargs: Any) -> Any:
        return self.client.post(
            f"/api/v1/tenders/{tender_id}/challenges",
            json=self.filing(tender_id, challenge=True, **kwargs),
            headers=auth(self.services, COMPLAINANT),
        )

    # -- the supervisor --------------------------------------------------------------------

    def handle(self, complaint_id: str, verb: str, **body: Any) -> Any:
        return self.client.post(
            f"/api/v1/complaints/{complaint_id}/{verb}",
            json=body or None,
            headers=auth(self.services, "supervisor"),
        )

    def decide(self, complaint_id: str, **decision: Any) -> Any:
        headers = auth(self.services, "supervisor")
        prepared = self.client.post(
            f"/api/v1/complaints/{complaint_id}/decision/to-sign", json=decision, headers=headers
        )
        assert prepared.status_code == 200, prepared.text
        signature = self.supervisor.sign(base64.b64decode(prepared.json()["to_sign"]))
        return self.client.post(
            f"/api/v1/complaints/{complaint_id}/decision",
            json={**decision, "signature": signature},
            headers=headers,
        )
