"""A published tender with five bidders' organisations (certificates from the RSA, ECDSA and
SM2 test CAs) and the tools to seal with the real `prex bid seal` CLI, submit, reach the deadline
and release custodians' shares as their client does: shared by the opening tests."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from prex.bootstrap import Services
from prex.cli.main import app
from prex.envelope import release, threshold
from prex.envelope.ecies import wrap_for_certificate
from prex.pki.certs import parse_certificate
from prex.shared.clock import FixedClock
from prex.worker import run_once
from tests.factories import World, auth, published_tender
from tests.pki_helpers import member_of, trust_world
from tests.pki_openssl import PkiWorld

runner = CliRunner()
MARKER = "开标前谁也看不到的标记-7f3a"
# leaf certificate → (user, price sealed). Three CAs: RSA (two bidders), ECDSA (two), SM2 (one).
# In the end-to-end test the rsa-pss bidder seals in the browser.
BIDDERS = {
    "rsa-org": ("bidder_rsa", "10,234,567.89"),
    "rsa-pss": ("bidder_rsa_pss", "10,500,000.00"),
    "ecdsa-org": ("bidder_ec", "9,876,543.21"),
    "ecdsa-p384": ("bidder_p384", "11,111,111.11"),
    "sm2-org": ("bidder_sm2", "9,999,000.00"),
}
REPLACEMENT_PRICE = "9,800,000.00"


class Opening:
    def __init__(
        self,
        client: TestClient,
        services: Services,
        world: World,
        pki: PkiWorld,
        tmp: Path,
        clock: FixedClock,
        **tender: Any,
    ) -> None:
        self.client, self.services, self.world, self.pki = client, services, world, pki
        self.tmp, self.clock = tmp, clock
        self.tender = published_tender(client, world, auth(services, "agency"), **tender)
        self.id = self.tender["id"]
        trust_world(services, pki)
        for leaf, (user, _) in BIDDERS.items():
            member_of(services, world, pki.uscc[leaf], user)
        params = client.get(f"/api/v1/tenders/{self.id}/bid-parameters")
        self.params = tmp / f"tender-{self.id}.json"
        self.params.write_text(json.dumps(params.json(), ensure_ascii=False))
        self.platform_ca = tmp / "platform-ca.pem"
        self.platform_ca.write_text(services.pki.platform_keys().ca_certificate.pem())
        self.count = 0

    def seal(
        self,
        leaf: str,
        price: str,
        encryption_cert: Path | None = None,
        section: str | None = None,
    ) -> Path:
        """Seal with the real CLI, offline, checking the parameters' platform signature."""
        self.count += 1
        doc = self.tmp / f"技术标{self.count}.txt"
        doc.write_text(f"{MARKER} {leaf} {price}")
        out = self.tmp / f"bid{self.count}.env"
        issued = self.pki.leaves[leaf]
        result = runner.invoke(
            app,
            [
                "bid",
                "seal",
                str(doc),
                "--tender",
                self.id,
                "--params",
                str(self.params),
                "--cert",
                str(issued.cert),
                "--key",
                str(issued.key),
                "--price",
                price,
                "--duration-days",
                "365",
                "--project-manager",
                "李建国",
                "--bond",
                "bank_guarantee",
                "--bond-reference",
                f"BG-{self.count}",
                "--platform-ca",
                str(self.platform_ca),
                "--out",
                str(out),
                *(["--encryption-cert", str(encryption_cert)] if encryption_cert else []),
                *(["--section", section] if section else []),
            ],
        )
        assert result.exit_code == 0, result.output
        return out

    def submit(self, envelope: Path, user: str, key: str) -> Any:
        return self.client.post(
            f"/api/v1/tenders/{self.id}/bids",
            content=envelope.read_bytes(),
            headers={
                **auth(self.services, user),
                "Idempotency-Key": key,
                "Content-Type": "application/octet-stream",
            },
        )

    def to_deadline(self) -> None:
        self.clock.set(datetime.fromisoformat(self.tender["bid_deadline"]) + timedelta(seconds=1))
        assert run_once(self.services).transitions == 1

    def escrowed_share(self, n: int, *, tamper: bool = False) -> tuple[int, str]:
        """What custodian n's client makes: its share, checked, encrypted to the escrow key."""
        mine = self.client.get(
            f"/api/v1/tenders/{self.id}/opening/my-share",
            headers=auth(self.services, f"custodian{n}"),
        )
        assert mine.status_code == 200, mine.text
        data = mine.json()
        escrow = parse_certificate(data["escrow_certificate"].encode())
        release.check_escrow_certificate(escrow, parse_certificate(data["platform_ca"].encode()))
        assert self.world.custodians is not None
        key = self.world.custodians.keys[self.world.custodians.ids[n - 1]]
        sealed = base64.b64decode(data["sealed_share"])
        if tamper:  # a custodian handing in a wrong value, escrowed correctly
            share = threshold.decrypt_share(sealed, key, self.id)
            wrong = threshold.Share(share.index, (share.value + 1) % 2**255)
            blob = wrap_for_certificate(
                escrow, wrong.to_bytes(), release.share_release_info(self.id, share.index)
            )
            return share.index, base64.b64encode(blob).decode()
        index, blob = release.release_share(
            tender_id=self.id,
            sealed_share=sealed,
            custodian_key=key,
            commitments=threshold.Commitments.from_json(data["commitments"]),
            escrow=escrow,
        )
        return index, base64.b64encode(blob).decode()

    def release(self, n: int, *, tamper: bool = False) -> Any:
        index, blob = self.escrowed_share(n, tamper=tamper)
        return self.client.post(
            f"/api/v1/tenders/{self.id}/opening/shares/{index}",
            json={"escrowed": blob},
            headers=auth(self.services, f"custodian{n}"),
        )

    def host(self, path: str, **kwargs: Any) -> Any:
        return self.client.post(
            f"/api/v1/tenders/{self.id}/opening/{path}",
            headers=auth(self.services, "agency"),
            **kwargs,
        )

    def hall(self, user: str | None = None) -> dict[str, Any]:
        headers = auth(self.services, user) if user else {}
        response = self.client.get(f"/api/v1/tenders/{self.id}/opening", headers=headers)
        assert response.status_code == 200, response.text
        return dict(response.json())
