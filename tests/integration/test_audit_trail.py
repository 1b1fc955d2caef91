"""The audit trail in the database: every change is logged with actor and address, the chain
verifies, and editing one row is detected at that row, by the service and by the CLI."""

from __future__ import annotations

import os
import subprocess
import sys

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from prex.audit.orm import audit_log, outbox
from prex.bootstrap import Services
from tests.factories import World, auth, chain_of, project_body, published_tender, tender_body


def _prex(services: Services, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PREX_DATABASE_URL": services.settings.resolved_database_url,
        "PREX_DATA_DIR": str(services.settings.data_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "prex.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_changes_are_logged_with_actor_address_and_a_gap_free_sequence(
    client: TestClient, world: World, services: Services
) -> None:
    tender = published_tender(client, world, auth(services, "agency"))
    with services.read_session() as session:
        entries = session.execute(select(audit_log).order_by(audit_log.c.seq)).mappings().all()
        queued = session.execute(select(outbox.c.seq).order_by(outbox.c.seq)).scalars().all()
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1)) == list(queued)
    published = [e for e in entries if e["action"] == "TenderPublished"]
    assert len(published) == 1
    assert published[0]["object_id"] == tender["id"]
    assert published[0]["actor_label"].startswith("agency")
    assert published[0]["address"] == "testclient"
    assert chain_of(services).ok


def test_editing_one_audit_row_is_named_by_verify_and_by_the_cli(
    client: TestClient, world: World, services: Services
) -> None:
    published_tender(client, world, auth(services, "agency"))
    assert _prex(services, "audit", "verify").returncode == 0
    with services.read_session() as session:
        victim = session.execute(
            select(audit_log.c.seq)
            .where(audit_log.c.action == "TenderPublished")
            .order_by(audit_log.c.seq)
        ).scalar_one()
    with services.engines.writer.begin() as conn:
        conn.execute(
            text("UPDATE audit_log SET actor_label = 'someone else' WHERE seq = :s"), {"s": victim}
        )
    result = chain_of(services)
    assert result.broken is not None and result.broken.seq == victim
    cli = _prex(services, "audit", "verify")
    assert cli.returncode == 1
    assert f"audit entry {victim} is broken" in cli.stderr
    as_json = _prex(services, "audit", "verify", "--json")
    assert as_json.returncode == 1 and f'"broken_seq": {victim}' in as_json.stdout


def test_deleting_the_last_entries_is_noticed(
    client: TestClient, world: World, services: Services
) -> None:
    published_tender(client, world, auth(services, "agency"))
    with services.engines.writer.begin() as conn:
        last = conn.execute(text("SELECT max(seq) FROM audit_log")).scalar_one()
        conn.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": last})
    result = chain_of(services)
    assert result.broken is not None and result.broken.seq == last


def test_a_refused_action_writes_nothing(
    client: TestClient, world: World, services: Services
) -> None:
    headers = auth(services, "agency")
    with services.read_session() as session:
        before = session.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    project = client.post(
        "/api/v1/projects", json=project_body(world, name="x", budget="1.00"), headers=headers
    ).json()
    body = tender_body(
        project["id"],
        services,
        bid_deadline=(services.clock.now().replace(microsecond=0)).isoformat(),
    )
    created = client.post("/api/v1/tenders", json=body, headers=headers).json()
    client.post(
        f"/api/v1/tenders/{created['id']}/documents",
        headers=headers,
        files={"file": ("a.pdf", b"%PDF", "application/pdf")},
    )
    with services.read_session() as session:
        middle = session.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    refused = client.post(f"/api/v1/tenders/{created['id']}/publish", headers=headers)
    assert refused.status_code == 422
    with services.read_session() as session:
        after = session.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
        status = session.execute(
            text("SELECT status FROM tenders WHERE id = :i"), {"i": created["id"]}
        ).scalar_one()
    assert before < middle == after
    assert status == "draft"
