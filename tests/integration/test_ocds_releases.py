"""prex's own OCDS releases, from the demo province: every public event of every tender and
listing becomes a valid release (the bids and lots extensions, closed codelists), each record
compiles them; nothing sealed, secret or unpublished leaks; the publisher is idempotent and two
workers at once publish each release once."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from prex.auctions.orm import listing_registrations, listings
from prex.award.awarding import retender
from prex.bootstrap import Services
from prex.cli.run import _ocds_line
from prex.demo import DemoSeed, _actor
from prex.exchange.releases import mapping, store
from prex.exchange.releases.orm import ocds_releases
from prex.exchange.releases.publisher import publish_all, publish_releases
from prex.exchange.releases.sources import tender_ocid, tender_snapshot
from prex.identity.orm import organisations
from prex.opening.orm import openings
from prex.tenders.orm import tenders
from prex.worker import run_once
from tests.ocds_checks import codelist_errors, schema_errors


def _published(
    services: Services, demo: DemoSeed
) -> tuple[DemoSeed, list[dict[str, Any]], list[dict[str, Any]]]:
    seed = demo
    publish_all(services)
    with services.read_session() as session:
        return seed, list(store.iter_releases(session)), list(store.iter_records(session))


def _ocid(services: Services, tender_id: str) -> str:
    with services.read_session() as session:
        ocid = tender_ocid(session, services.settings.ocds_prefix, tender_id)
    assert ocid is not None
    return ocid


def test_every_public_event_of_the_demo_is_a_valid_release_compiled_into_its_record(
    services: Services,
    demo: DemoSeed,
) -> None:
    seed, releases, records = _published(services, demo)
    assert releases and records
    for release in releases:
        assert schema_errors("release", release) == [], release["id"]
        assert codelist_errors(release) == []
        assert release["id"].startswith(release["ocid"] + "-")
        assert release["ocid"].startswith(f"ocds-{services.settings.ocds_prefix}-")
    for record in records:
        assert schema_errors("release", record["compiledRelease"]) == [], record["ocid"]
        assert codelist_errors(record["compiledRelease"]) == []
    assert len({r["id"] for r in releases}) == len(releases)
    tags = Counter(t for r in releases for t in r["tag"])
    assert {"tender", "tenderAmendment", "tenderCancellation", "tenderUpdate", "award"} <= set(tags)
    assert tags["contract"] == 2  # recorded by the tenderer, then countersigned

    # The tender carried to its contract: tender → opening (bids) → candidates → notice →
    # contract, and a compiled release in its final state.
    by_ocid = {r["ocid"]: r for r in records}
    done = by_ocid[_ocid(services, seed.tenders["complete"])]
    assert [r["tag"][0] for r in done["releases"]] == [
        "tender",
        "tenderUpdate",
        "award",
        "award",
        "contract",
        "contract",
    ]
    compiled = done["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    assert compiled["tender"]["procurementMethod"] in {"open", "limited"}
    assert compiled["tender"]["lots"] and compiled["tender"]["value"]["currency"] == "CNY"
    assert compiled["bids"]["details"] and compiled["bids"]["statistics"]
    # Read out at opening as pending, judged by the published result.
    assert {b["status"] for b in compiled["bids"]["details"]} <= {"valid", "disqualified"}
    assert all("value" in b and b["tenderers"] for b in compiled["bids"]["details"])
    active = [a for a in compiled["awards"] if a["status"] == "active"]
    assert len(active) == len(compiled["contracts"]) >= 1
    assert {c["status"] for c in compiled["contracts"]} == {"active"}
    assert {c["awardID"] for c in compiled["contracts"]} == {a["id"] for a in active}
    winner = active[0]["suppliers"][0]["id"]
    roles = {p["id"]: set(p["roles"]) for p in compiled["parties"]}
    assert roles[winner] == {"tenderer", "supplier"}
    assert any({"buyer"} <= r for r in roles.values())
    assert all(p["identifier"]["scheme"] == "CN-USCC" for p in compiled["parties"])
    # The sold listing: announced, then awarded to its buyer.
    with services.read_session() as session:
        code = session.execute(
            select(listings.c.code).where(listings.c.id == seed.listings["sold"])
        ).scalar_one()
    sold = by_ocid[f"ocds-{services.settings.ocds_prefix}-{code}"]
    assert [r["tag"][0] for r in sold["releases"]] == ["tender", "award"]
    assert sold["compiledRelease"]["awards"][0]["status"] == "active"


def test_nothing_sealed_secret_or_unpublished_leaks(services: Services, demo: DemoSeed) -> None:
    seed, releases, _records = _published(services, demo)
    text = json.dumps(releases, ensure_ascii=False)
    with services.read_session() as session:
        rows = session.execute(
            select(tenders.c.id, tenders.c.deal_code, tenders.c.sandbox, tenders.c.published_at)
        ).all()
        recorded = set(
            session.execute(
                select(openings.c.tender_id).where(openings.c.record_sha256.is_not(None))
            ).scalars()
        )
        reserves = [
            r for r in session.execute(select(listings.c.reserve)).scalars() if r is not None
        ]
        registrants = session.execute(
            select(listing_registrations.c.listing_id, organisations.c.uscc).join(
                organisations, organisations.c.id == listing_registrations.c.org_id
            )
        ).all()
        confirmations = {
            r.id: r.confirmation
            for r in session.execute(select(listings.c.id, listings.c.confirmation))
        }
    # Sandbox tenders and drafts are never published.
    for row in rows:
        if row.sandbox or row.published_at is None:
            assert row.deal_code not in text, row.id
    # Bids only from a published opening record; before it, no tenderer at all.
    prefix = services.settings.ocds_prefix
    for row in rows:
        if row.sandbox or row.published_at is None or row.id in recorded:
            continue
        mine = [r for r in releases if r["ocid"] == f"ocds-{prefix}-{row.deal_code}"]
        assert mine, row.id
        for release in mine:
            assert "bids" not in release and "awards" not in release, release["id"]
            assert all(set(p["roles"]) <= {"buyer", "procuringEntity"} for p in release["parties"])
    # Experts' names are never published (the committee is no part of OCDS here).
    assert seed.experts and not any(name in text for name in seed.experts)
    # A listing's reserve price is never published, nor a bidder but the confirmed buyer.
    for reserve in reserves:
        amount = float(reserve)
        assert f'"amount": {amount}' not in json.dumps(releases), reserve
    for listing_id, uscc in registrants:
        confirmation = confirmations.get(listing_id) or {}
        if confirmation.get("buyer", {}).get("uscc") != uscc:
            listing_text = json.dumps(
                [r for r in releases if r.get("tender", {}).get("id") == listing_id]
            )
            assert uscc not in listing_text


def test_the_publisher_is_idempotent_and_two_workers_publish_each_release_once(
    services: Services,
    demo: DemoSeed,
) -> None:
    errors: list[BaseException] = []
    made: list[int] = []

    def work() -> None:
        try:
            made.append(publish_all(services, batch=25))
        except BaseException as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert errors == []
    with services.read_session() as session:
        stored = session.execute(select(func.count()).select_from(ocds_releases)).scalar_one()
        seqs = session.execute(select(ocds_releases.c.outbox_seq)).scalars().all()
        positions = (
            session.execute(select(ocds_releases.c.position).order_by(ocds_releases.c.position))
            .scalars()
            .all()
        )
    assert sum(made) == stored > 0
    assert len(set(seqs)) == len(seqs)
    assert positions == list(range(1, stored + 1))
    assert publish_releases(services) == 0
    assert run_once(services).releases == 0
    with services.read_session() as session:
        assert store.counts(session)[0] == stored


def test_a_worker_pass_publishes_new_public_events(services: Services, demo: DemoSeed) -> None:
    assert run_once(services).releases > 0


def test_a_re_tender_is_a_new_contracting_process_naming_the_failed_one(
    services: Services,
    demo: DemoSeed,
) -> None:
    seed = demo
    failed = _ocid(services, seed.tenders["failed"])
    agency = _actor(services, seed, "agency")
    now = services.clock.now()
    again = retender(
        services.uow(agency),
        services,
        seed.tenders["failed"],
        bid_deadline=now + timedelta(days=30),
        documents_until=now + timedelta(days=10),
    )
    assert _ocid(services, again["retender_id"]) == f"{failed}-2"
    assert _ocid(services, seed.tenders["failed"]) == failed  # the first keeps its ocid

    with services.read_session() as session:
        snapshot = tender_snapshot(session, seed.tenders["failed"])
    assert snapshot is not None
    release = mapping.tender_published(
        f"{failed}-2",
        1,
        now,
        snapshot,
        {"bid_deadline": (now + timedelta(days=30)).isoformat()},
        "http://testserver",
        (failed,),
    )
    assert release["relatedProcesses"] == [
        {"id": "1", "relationship": ["unsuccessfulProcess"], "scheme": "ocid", "identifier": failed}
    ]
    assert schema_errors("release", release) == []


def test_the_demo_names_its_release_feed_and_a_record_that_the_worker_publishes(
    services: Services,
    demo: DemoSeed,
) -> None:
    seed = demo
    line = _ocds_line(services, seed, "http://127.0.0.1:8000")
    assert "http://127.0.0.1:8000/api/v1/ocds/releases" in line
    ocid = line.rsplit("/records/", 1)[1]
    publish_all(services)
    with services.read_session() as session:
        assert store.record(session, ocid)["compiledRelease"]["contracts"]
