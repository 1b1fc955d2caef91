"""The warehouse refresh over a real tender life cycle (over the API, as tests/e2e/test_award.py
does it): cash bonds paid from one account by two bidders, three sealed bids opened, reviewed
(one failed by a majority), scored and ranked; the warehouse refreshed and its rows checked
against the database; then the report, the publicity and the award notice, and a second refresh
that writes only that tender's new files. A refresh with nothing changed writes nothing; a full
refresh shows what the incremental ones show; a compaction and a refresh interrupted before its
cursor moved change nothing a reader sees."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from prex.analytics.warehouse.changes import consumer_for, read_changes
from prex.analytics.warehouse.extract import extract_organisations, extract_tenders
from prex.analytics.warehouse.files import data_files, last_refresh, write_table
from prex.analytics.warehouse.refresh import (
    compact_warehouse,
    refresh_warehouse,
)
from prex.analytics.warehouse.schema import KEYS, PLATFORM_TABLES, all_keys
from prex.analytics.warehouse.store import open_warehouse, warehouse_root
from prex.bidding.orm import bid_bonds, bids
from prex.bootstrap import Services
from prex.cli.main import app
from prex.exchange.federation.importing import import_demo_publisher
from prex.exchange.federation.orm import federated_records
from prex.exchange.releases.orm import ocds_records
from prex.identity import service as identity
from prex.identity.orm import organisations
from prex.opening.orm import opened_bids
from tests.award_world import (
    PRICES,
    open_and_start,
    seat_everyone,
    seed_committee_pool,
    submit_bids,
    two_venues,
)
from tests.e2e.test_award import SCORES
from tests.factories import ADMIN_ACTOR, World, auth, uscc_for
from tests.opening_world import BIDDERS, Opening

runner = CliRunner()
ACCOUNT = "6222 0212-0300 1234 567"
FAILED = "ecdsa-p384"  # failed on qualification by three of the five members


def _cash(name: str) -> dict[str, Any]:
    return {
        "kind": "cash",
        "amount": "240000.00",
        "payer_account_name": name,
        "payer_account_number": ACCOUNT,
        "payer_bank": "中国工商银行杭州分行",
    }


def _to_award_decision(opening: Opening) -> dict[str, Any]:
    """Bonds, bids, committee, opening and a complete evaluation; returns what the award
    stage needs."""
    client, services = opening.client, opening.services
    operator = auth(services, "operator")
    signers, accounts, _ = seed_committee_pool(opening)
    committee_url = f"/api/v1/tenders/{opening.id}/committee"
    assert client.put(committee_url, json=two_venues(opening), headers=operator).status_code == 200
    section = client.get(f"/api/v1/tenders/{opening.id}/bid-parameters").json()["sections"][0]["id"]
    for leaf in ("ecdsa-org", "sm2-org"):  # one account pays for two bidders
        put = client.put(
            f"/api/v1/tenders/{opening.id}/bonds/{section}",
            json=_cash(f"{leaf} 出纳"),
            headers=auth(services, BIDDERS[leaf][0]),
        )
        assert put.status_code == 201, put.text
    submit_bids(opening)
    opening.to_deadline()
    assert client.post(f"{committee_url}/draw", headers=operator).status_code == 200
    pseudonym = seat_everyone(opening, accounts)
    judges = sorted(pseudonym)
    bid_of = open_and_start(opening)
    url = f"/api/v1/tenders/{opening.id}/evaluation"
    for n, judge in enumerate(judges):
        marks = [
            {
                "bid_id": bid,
                "item": item,
                "passed": not (leaf == FAILED and item == "qualification" and n < 3),
                "reason": "" if not (leaf == FAILED and n < 3) else "资质证书已过期",
            }
            for leaf, bid in bid_of.items()
            for item in ("qualification", "compliance")
        ]
        put = client.put(f"{url}/review", json={"marks": marks}, headers=auth(services, judge))
        assert put.status_code == 200, put.text
    for judge in judges:
        scores = [
            {"bid_id": bid_of[leaf], "criterion": criterion, "score": score}
            for leaf, pair in SCORES.items()
            if leaf != FAILED
            for criterion, score in zip(("construction", "management"), pair, strict=True)
        ]
        put = client.put(f"{url}/scores", json={"scores": scores}, headers=auth(services, judge))
        assert put.status_code == 200, put.text
    completed = client.post(f"{url}/complete", headers=operator)
    if completed.status_code == 409:  # an abnormally low price: explained and accepted
        low = bid_of["ecdsa-org"]
        asked = client.post(f"{url}/explanations/{low}/request", headers=auth(services, judges[0]))
        assert asked.status_code == 200, asked.text
        decided = client.post(
            f"{url}/explanations/{low}/decision",
            json={"explanation": "自有设备与材料储备", "accepted": True},
            headers=auth(services, judges[1]),
        )
        assert decided.status_code == 200, decided.text
        completed = client.post(f"{url}/complete", headers=operator)
    assert completed.status_code == 200, completed.text
    return {
        "signers": signers,
        "judges": judges,
        "bid_of": bid_of,
        "section": section,
        "ranking": completed.json()["sections"][0]["ranking"],
    }


def _award(opening: Opening, state: dict[str, Any]) -> dict[str, Any]:
    """The report signed by all, the candidates published, the notice to the first."""
    client, services = opening.client, opening.services
    operator, agency = auth(services, "operator"), auth(services, "agency")
    report_url = f"/api/v1/tenders/{opening.id}/report"
    assert client.post(report_url, headers=operator).status_code == 201
    to_sign = base64.b64decode(
        client.get(report_url, headers=auth(services, state["judges"][0])).json()["to_sign"]
    )
    for judge in state["judges"]:
        body = {"signature": state["signers"][judge].sign(to_sign)}
        signed = client.post(f"{report_url}/signatures", json=body, headers=auth(services, judge))
        assert signed.status_code == 201, signed.text
    published = client.post(f"/api/v1/tenders/{opening.id}/publicity", headers=agency)
    assert published.status_code == 200, published.text
    until = datetime.fromisoformat(published.json()["publicity_until"])
    opening.clock.set(until + timedelta(minutes=1))
    awarded = client.post(
        f"/api/v1/tenders/{opening.id}/awards",
        json={"section_id": state["section"]},
        headers=auth(services, "tenderer"),
    )
    assert awarded.status_code == 201, awarded.text
    return dict(awarded.json())


def _view(root: Path, table: str) -> list[dict[str, Any]]:
    con = open_warehouse(root, KEYS)
    try:
        rows = con.sql(f'SELECT * EXCLUDE (refresh) FROM "{table}"').to_arrow_table()
    finally:
        con.close()
    return sorted(rows.to_pylist(), key=lambda r: str(r[KEYS[table]]))


def _views(root: Path) -> dict[str, list[dict[str, Any]]]:
    return {table: _view(root, table) for table in PLATFORM_TABLES}


def _ocds_processes(root: Path) -> list[tuple[Any, ...]]:
    con = open_warehouse(root, all_keys())
    try:
        return sorted(con.execute("SELECT * EXCLUDE (refresh) FROM ocds_processes").fetchall())
    finally:
        con.close()


def _check_against_database(services: Services, root: Path, tender_id: str) -> None:
    """Every bid of the tender in the warehouse as the database has it."""
    warehouse = {r["bid_id"]: r for r in _view(root, "bids") if r["tender_id"] == tender_id}
    with services.read_session() as session:
        received = session.execute(select(bids).where(bids.c.tender_id == tender_id)).all()
        opened = {
            r.bid_id: r
            for r in session.execute(
                select(opened_bids).where(opened_bids.c.tender_id == tender_id)
            )
        }
        bonds = {
            r.bidder_org_id: r
            for r in session.execute(select(bid_bonds).where(bid_bonds.c.tender_id == tender_id))
        }
        usccs = dict(session.execute(select(organisations.c.id, organisations.c.uscc)).all())
    assert set(warehouse) == {b.id for b in received} and len(received) == len(PRICES)
    for bid in received:
        row = warehouse[bid.id]
        assert row["bidder_id"] == bid.bidder_org_id and row["upload_ip"] == bid.address
        assert row["bidder_uscc"] == usccs[bid.bidder_org_id] and row["status"] == bid.status
        assert row["received_at"] == bid.received_at
        fp = opened[bid.id].fingerprint
        assert row["opened"] and row["price"] == Decimal(opened[bid.id].form["price"])
        assert row["duration_days"] == 365 and row["project_manager"] == "李建国"
        assert row["mac_hashes"] == fp["mac_sha256"] and row["cpu_hash"] == fp["cpu_sha256"]
        assert row["disk_hashes"] == fp["disk_ids_sha256"] and row["tool"] == fp["tool"]
        assert row["document_hashes"] == [d["sha256"] for d in fp["documents"]]
        assert len(row["document_hashes"]) == 1
        bond = bonds.get(bid.bidder_org_id)
        assert row["bond_account"] == (bond.payer_account_number if bond else None)
        assert row["bond_kind"] == (bond.kind if bond else "bank_guarantee")


def test_refresh_follows_a_tender_from_its_bids_to_its_award(
    opening: Opening, services: Services, tmp_path: Path
) -> None:
    root = tmp_path / "warehouse"  # a root of its own: its own outbox cursor
    state = _to_award_decision(opening)
    prices = {leaf: Decimal(p.replace(",", "")) for leaf, p in PRICES.items()}

    first = refresh_warehouse(services, root=root)
    assert first.refresh == 1 and first.full  # an empty warehouse: everything
    assert (first.tenders, first.lots, first.bids) == (1, 1, 3)
    _check_against_database(services, root, opening.id)
    by_leaf = {
        leaf: next(r for r in _view(root, "bids") if r["bid_id"] == bid)
        for leaf, bid in state["bid_of"].items()
    }
    assert {leaf: r["price"] for leaf, r in by_leaf.items()} == prices
    assert by_leaf[FAILED]["qualified"] is False and by_leaf[FAILED]["rank"] is None
    ranked = {c["bid_id"]: c["rank"] for c in state["ranking"]}
    for leaf, row in by_leaf.items():
        if leaf != FAILED:
            assert row["qualified"] is True and row["rank"] == ranked[row["bid_id"]]
    shared = {r["bond_account"] for leaf, r in by_leaf.items() if leaf != "ecdsa-p384"}
    assert shared == {"6222021203001234567"}  # normalised: the collusion screen's join key
    [tender] = _view(root, "tenders")
    assert tender["status"] == "evaluation" and tender["awarded_at"] is None
    assert tender["sandbox"] is False and tender["month"] == "2026-03"
    [lot] = _view(root, "lots")
    assert lot["winner_id"] is None and lot["ceiling_price"] == Decimal("12000000.00")
    assert len(_view(root, "organisations")) > 5
    with services.read_session() as session:
        own = set(session.execute(select(ocds_records.c.ocid)).scalars())
    assert own and first.ocds["ocds_processes"] == len(own)  # published by the worker's passes
    con = open_warehouse(root, all_keys())
    assert {r[0] for r in con.execute("SELECT ocid FROM ocds_processes").fetchall()} == own
    con.close()

    files_before = {str(p) for t in PLATFORM_TABLES for p in data_files(root, t)}
    idle = refresh_warehouse(services, root=root)  # nothing happened: nothing written
    assert idle.refresh is None and idle.files == []
    assert {str(p) for t in PLATFORM_TABLES for p in data_files(root, t)} == files_before

    notice = _award(opening, state)
    second = refresh_warehouse(services, root=root)
    assert second.refresh == 2 and not second.full
    assert (second.tenders, second.lots, second.bids) == (1, 1, 3)
    files_after = {str(p) for t in PLATFORM_TABLES for p in data_files(root, t)}
    assert files_before < files_after  # only added, none rewritten
    assert all("part-00000002-" in f for f in files_after - files_before)
    [lot] = _view(root, "lots")
    winner_bid = notice["notice"]["bid_id"]
    assert lot["winning_bid_id"] == winner_bid == state["ranking"][0]["bid_id"]
    assert lot["award_amount"] == Decimal(notice["notice"]["price"])
    assert lot["awarded_at"] is not None
    assert [r["bid_id"] for r in _view(root, "bids") if r["won"]] == [winner_bid]
    [tender] = _view(root, "tenders")
    assert tender["status"] == "awarded" and tender["awarded_at"] == lot["awarded_at"]
    _check_against_database(services, root, opening.id)

    # Full equals incremental, both through the CLI's own code path.
    incremental = _views(root)
    full_root = tmp_path / "full"
    assert refresh_warehouse(services, root=full_root, full=True).refresh == 1
    assert _views(full_root) == incremental

    # A refresh interrupted after its files, before its cursor: the next one repeats it.
    with services.writer_session() as session, services.read_connection() as conn:
        consumer = consumer_for(root, warehouse_root(services.settings))
        pending = read_changes(session, conn, consumer)
        session.rollback()
        number = last_refresh(root, PLATFORM_TABLES) + 1
        for name, table in extract_tenders(conn, [opening.id], number).items():
            write_table(root, name, table, number)
        write_table(root, "organisations", extract_organisations(conn, None, number), number)
    assert pending.empty  # nothing new in the outbox, yet files were written: a duplicate
    assert _views(root) == incremental
    forced = refresh_warehouse(services, root=root, full=True)
    assert forced.refresh == number + 1 and _views(root) == incremental

    # Compaction: one file per partition, the same view.
    processes = _ocds_processes(root)
    replaced = {p: p.read_bytes() for p in data_files(root, "bids")}
    done = {c.table: c.files_after for c in compact_warehouse(services, root=root)}
    assert {t: done[t] for t in PLATFORM_TABLES} == dict.fromkeys(PLATFORM_TABLES, 1)
    assert done["ocds_processes"] == 1
    assert _views(root) == incremental and _ocds_processes(root) == processes
    # Interrupted after renaming its file in, before deleting the old ones: still the same.
    for path, content in replaced.items():
        path.write_bytes(content)
    assert len(data_files(root, "bids")) == len(replaced) + 1
    assert _views(root) == incremental
    again = {c.table: c for c in compact_warehouse(services, root=root, tables=["bids"])}
    assert again["bids"].files_after == 1 and _views(root) == incremental
    [compacted] = data_files(root, "bids")
    assert "month" not in pq.read_schema(compacted).names  # the folder is the column
    assert compacted.parent.name == "month=2026-03"


def test_the_cli_refreshes_compacts_and_refuses_an_unknown_table(
    services: Services, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = services.settings
    monkeypatch.setenv("PREX_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PREX_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("PREX_ENVIRONMENT", "test")
    first = runner.invoke(app, ["analytics", "refresh", "--json"])
    assert first.exit_code == 0, first.output
    done = json.loads(first.stdout)
    assert done["refresh"] == 1 and done["full"] and done["organisations"] == len(world.orgs)
    again = runner.invoke(app, ["analytics", "refresh"])
    assert again.exit_code == 0 and "nothing changed" in again.output

    # An organisation registered: only it is extracted.
    org_id = identity.register_organisation(
        world.uow(ADMIN_ACTOR),
        uscc=uscc_for("330100", 900),
        name="新登记 有限公司",
        centre_id=world.centre_id,
        kinds=["bidder"],
    )
    registered = runner.invoke(app, ["analytics", "refresh", "--json"])
    assert registered.exit_code == 0, registered.output
    assert json.loads(registered.stdout)["organisations"] == 1
    con = open_warehouse(warehouse_root(settings), all_keys())
    names = dict(con.execute("SELECT org_id, name FROM organisations").fetchall())
    con.close()
    assert names[org_id] == "新登记 有限公司" and len(names) == len(world.orgs) + 1

    # Imported OCDS arrives without outbox events: its records table tells what changed.
    imported = import_demo_publisher(services)
    assert imported.totals.stored > 0
    with services.read_session() as session:
        ocids = set(
            session.execute(
                select(federated_records.c.ocid).where(
                    federated_records.c.source == imported.source
                )
            ).scalars()
        )
    third = runner.invoke(app, ["analytics", "refresh", "--json"])
    assert third.exit_code == 0, third.output
    assert json.loads(third.stdout)["ocds"]["ocds_processes"] == len(ocids)
    con = open_warehouse(warehouse_root(settings), all_keys())
    found = con.execute("SELECT ocid, source FROM ocds_processes").fetchall()
    assert {o for o, _ in found} == ocids and {s for _, s in found} == {"import"}
    con.close()
    assert import_demo_publisher(services).totals.stored == 0  # the same file again
    idle = runner.invoke(app, ["analytics", "refresh", "--json"])
    assert json.loads(idle.stdout)["refresh"] is None
    compacted = runner.invoke(app, ["analytics", "compact", "--table", "tenders"])
    assert compacted.exit_code == 0, compacted.output
    bad = runner.invoke(app, ["analytics", "compact", "--table", "nonsense"])
    assert bad.exit_code == 1 and "no warehouse table 'nonsense'" in bad.output
