"""The demo province: every status, a valid audit chain, and a sandbox tender that the worker
moves on within real minutes."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select

from prex import demo_award as award
from prex.archive.orm import archives
from prex.archive.verify import verify_archive
from prex.bootstrap import Services
from prex.demo import DemoSeed, already_seeded, seed_demo
from prex.identity.orm import organisations
from prex.identity.uscc import validate_uscc
from prex.tenders.model import TenderStatus
from prex.tenders.orm import tenders
from prex.worker import run_once
from tests.conftest import T0
from tests.factories import chain_of


def test_the_demo_has_tenders_in_every_status_and_a_verifying_chain(services: Services) -> None:
    assert not already_seeded(services)
    seed = seed_demo(services, now=T0)
    assert already_seeded(services)
    with services.read_session() as session:
        statuses = set(session.execute(select(tenders.c.status)).scalars())
        codes = session.execute(select(organisations.c.uscc)).scalars().all()
    assert statuses == set(TenderStatus)
    assert all(validate_uscc(code) == code for code in codes)
    assert len(seed.centre_ids) == 4
    result = chain_of(services)
    assert result.ok and result.entries > 50
    # The completed tender's archive is there to download, and verifies offline.
    with services.read_session() as session:
        [archive] = session.execute(select(archives)).all()
    assert archive.id == seed.archive_id and archive.tender_id == seed.tenders["complete"]
    report = verify_archive(b"".join(services.blobs.iter_bytes(archive.sha256)))
    assert report.ok, report.failures
    # The broker's machine client it registers obtains a token with the secret printed once.
    from prex.web.app import create_app

    assert seed.integration is not None
    with TestClient(create_app(services)) as client:
        issued = client.post(
            "/api/v1/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=seed.integration,
        )
    assert issued.status_code == 200, issued.text
    assert issued.json()["scope"] == "bid.submit public.read webhooks.manage"


def test_the_sandbox_tender_reaches_its_deadline_in_21_real_minutes(
    services: Services, demo: DemoSeed
) -> None:
    seed = demo
    run_once(services)
    services.clock.advance(timedelta(minutes=20))  # type: ignore[attr-defined]
    assert run_once(services).transitions == 0
    services.clock.advance(timedelta(minutes=1, seconds=1))  # type: ignore[attr-defined]
    assert run_once(services).transitions == 1
    with services.read_session() as session:
        status = session.execute(
            select(tenders.c.status).where(tenders.c.id == seed.tenders["sandbox"])
        ).scalar_one()
    assert status is TenderStatus.OPENING


def test_the_demo_recognises_two_cas_and_binds_the_bidders_certificates(
    services: Services,
    demo: DemoSeed,
) -> None:
    from prex.pki.certs import parse_certificates
    from prex.pki.login import bindings_of
    from prex.pki.path import CertificateRefused, Reason
    from prex.pki.trust import Purpose

    seed = demo
    assert seed.pki is not None
    trust = services.pki.trust_list()
    assert sorted(e.certificate.public_key.kind for e in trust.entries) == [
        "rsa-2048",
        "rsa-2048",
        "sm2",
        "sm2",
    ]
    with services.read_session() as session:
        bound = {u: bindings_of(session, seed.user_ids[u]) for u in ("bidder1", "bidder2")}
    assert [len(b) for b in bound.values()] == [1, 1]
    assert bound["bidder2"][0].identity_kind == "organisation"
    for label, purpose in (("bidder2", Purpose.LOGIN), ("expert", Purpose.SIGNING)):
        cert, *chain = parse_certificates(seed.pki.files[label].read_bytes())
        _, holder = services.pki.verify(cert, purpose=purpose, intermediates=chain)
        assert holder.kind == ("person" if label == "expert" else "organisation")
    revoked, *chain = parse_certificates(seed.pki.files["revoked"].read_bytes())
    try:
        services.pki.verify(revoked, purpose=Purpose.SIGNING, intermediates=chain)
    except CertificateRefused as refused:
        assert refused.reason is Reason.REVOKED
    else:
        raise AssertionError("the demo's revoked certificate validated")
    assert (seed.pki.directory / "README.txt").exists()
    assert chain_of(services).ok


def test_the_demo_opens_its_past_tenders_and_leaves_one_opening_half_way(
    services: Services,
    demo: DemoSeed,
) -> None:
    from prex.opening.orm import openings, share_releases

    with services.read_session() as session:
        states = dict(session.execute(select(openings.c.tender_id, openings.c.status)).all())
        in_progress = [t for t, s in states.items() if s == "decrypting"]
        closed = [t for t, s in states.items() if s == "closed"]
        released = session.execute(
            select(share_releases.c.share_index).where(share_releases.c.tender_id.in_(in_progress))
        ).scalars()
        assert sorted(released) == [1, 2] and len(in_progress) == 1
        # complete, awarded, publicity and evaluation went through a real, recorded opening
        assert len(closed) == 4
        records = session.execute(
            select(openings.c.record).where(openings.c.status == "closed")
        ).scalars()
        assert all(
            len(r["bids"]) == 3 and all(b["outcome"] == "opened" for b in r["bids"])
            for r in records
        )


def test_the_demo_commits_a_committee_seed_for_its_open_engineering_tender(
    services: Services,
    demo: DemoSeed,
) -> None:
    from prex.experts.committee_orm import committee_draws
    from prex.experts.queries import pool_for_draw

    seed = demo
    with services.read_session() as session:
        rows = session.execute(
            select(committee_draws).where(committee_draws.c.status == "committed")
        ).all()
        assert [(r.tender_id, r.status) for r in rows] == [(seed.tenders["published"], "committed")]
        assert len(rows[0].seed_sha256) == 64
        venues = [v["centre_id"] for v in rows[0].spec["venues"]]
        pool = pool_for_draw(session, venues, T0.date())
    # enough experts of the quota's specialty for the draw after the deadline, in each venue
    for venue in rows[0].spec["venues"]:
        needed = sum(q["members"] + q["standby"] for q in venue["quotas"])
        fit = [e for e in pool if e.centre_id == venue["centre_id"] and "A" in e.specialties]
        assert len(fit) >= needed + 2, venue


def test_the_demo_carries_one_tender_through_the_award_stage_and_leaves_one_in_publicity(
    services: Services, demo: DemoSeed, client: TestClient
) -> None:
    from prex.award import acts, reporting
    from prex.envelope.container import canonical
    from prex.experts.committee_orm import committee_draws, committee_members
    from prex.experts.orm import experts
    from prex.pki.cms import verify_detached
    from prex.pki.tsa import verify_token

    seed = demo
    done, shown = seed.awards["complete"], seed.awards["publicity"]
    assert (done.tender_id, shown.tender_id) == (
        seed.tenders["complete"],
        seed.tenders["publicity"],
    )
    with services.read_session() as session:
        status = dict(session.execute(select(tenders.c.id, tenders.c.status)).all())
        draws = dict(
            session.execute(select(committee_draws.c.tender_id, committee_draws.c.status)).all()
        )
    assert status[done.tender_id] is TenderStatus.COMPLETE
    assert status[shown.tender_id] is TenderStatus.PUBLICITY
    assert draws == {
        done.tender_id: "revealed",
        shown.tender_id: "revealed",
        seed.tenders["published"]: "committed",
    }
    # Five sitting experts each, with accounts of their own (expert1 … or 张工's expert).
    accounts = dict(seed.expert_accounts)
    assert len(done.judges) == len(shown.judges) == 5 and len(accounts) >= 5
    assert set(done.judges) | set(shown.judges) <= set(accounts) | {"expert"}

    # The report: signed by every sitting member with a personal certificate of its own ID.
    operator = seed.signed_in["operator"]
    for outcome in (done, shown):
        report = reporting.report_of(services, operator, outcome.tender_id)
        to_sign = base64.b64decode(report["to_sign"])
        assert report["outcome"] == "candidates" and len(report["signatures"]) == 5
        with services.read_session() as session:
            digests = dict(
                session.execute(
                    select(committee_members.c.pseudonym, experts.c.id_digest)
                    .join(experts, experts.c.id == committee_members.c.expert_id)
                    .where(committee_members.c.tender_id == outcome.tender_id)
                ).all()
            )
        for entry in report["signatures"]:
            assert entry["signed"], entry
            der = base64.b64decode(entry["signature"])
            assert verify_detached(to_sign, der)
            acts.verify_person(
                services, to_sign, der, id_digest=digests[entry["member"]], who=entry["member"]
            )

    # The public record of the completed one: objection answered, notice, signed contract.
    public = client.get(f"/api/v1/tenders/{done.tender_id}/publicity")
    assert public.status_code == 200, public.text
    body = public.json()
    assert body["outcome"] == "candidates"
    assert [o["answer"] for o in body["objections"]] == [award.ANSWER]
    (notice,) = body["awards"]
    notice_bytes = canonical(notice["notice"])
    assert seed.cast is not None
    assert notice["notice"]["winner"]["uscc"] == seed.cast.usccs[done.winner]
    assert verify_detached(notice_bytes, base64.b64decode(notice["signature"]))
    verify_token(
        base64.b64decode(notice["timestamp"]), digest=hashlib.sha256(notice_bytes).digest()
    )
    (contract,) = body["contracts"]
    assert contract["countersigned_at"] and not contract["late"]
    contract_bytes = canonical(contract["contract"])
    assert contract["contract"]["award_notice_sha256"] == notice["sha256"]
    for signature in (contract["buyer_signature"], contract["supplier_signature"]):
        assert verify_detached(contract_bytes, base64.b64decode(signature))
    published = client.get(f"/api/v1/tenders/{done.tender_id}/publicity/report")
    assert published.status_code == 200 and all(s["signed"] for s in published.json()["signatures"])

    page = client.get(f"/tenders/{done.tender_id}")
    assert page.status_code == 200 and "中标通知书" in page.text and award.ANSWER in page.text

    # The one in publicity: candidates out, publicity running past the demo's present.
    shown_public = client.get(f"/api/v1/tenders/{shown.tender_id}/publicity").json()
    assert shown_public["sections"][0]["candidates"] and not shown_public["awards"]
    assert datetime.fromisoformat(shown_public["publicity_until"]) > T0
    assert chain_of(services).ok


def test_the_demo_sells_one_listing_fails_one_and_leaves_one_in_live_bidding(
    services: Services, demo: DemoSeed, client: TestClient
) -> None:
    from prex.auctions.orm import listing_registrations as regs
    from prex.envelope.container import canonical
    from prex.pki.cms import verify_detached

    seed = demo
    sold, failed, live = (seed.listings[k] for k in ("sold", "failed", "live"))

    # Sold above the reserve after a timed round; the platform's confirmation verifies.
    result = client.get(f"/api/v1/listings/{sold}/result").json()
    assert result["status"] == "sold"
    assert Decimal(result["outcome"]["price"]) > Decimal(result["outcome"]["reserve"])
    confirmation = canonical(result["confirmation"])
    assert hashlib.sha256(confirmation).hexdigest() == result["sha256"]
    assert verify_detached(confirmation, base64.b64decode(result["signature"]))
    assert result["confirmation"]["buyer"]["name"] == "浙江之江建设工程有限公司"
    with services.read_session() as session:
        settled = dict(
            session.execute(
                select(regs.c.number, regs.c.deposit_status).where(regs.c.listing_id == sold)
            ).all()
        )
        sources = set(
            session.execute(select(regs.c.deposit_source).where(regs.c.listing_id == sold))
            .scalars()
            .all()
        )
    assert sorted(settled.values()) == ["applied", "released", "released"]
    assert settled[result["outcome"]["winner"]] == "applied"
    assert "manual" in sources and any(s.startswith("statement:") for s in sources)

    # Failed: the best quote stayed below the reserve, deposits released.
    assert client.get(f"/api/v1/listings/{failed}/result").json()["status"] == "failed"

    # Live: its listing period runs past the demo's present, with quotes in the book.
    book = client.get(f"/api/v1/listings/{live}/book")
    assert book.status_code == 200, book.text
    body = book.json()
    assert body["status"] in ("listing", "round") and body["seq"] == 5 and body["bids"]
    assert datetime.fromisoformat(body["listing_ends_at"]) == T0 + timedelta(hours=2)
    page = client.get(f"/listings/{live}/live")
    assert page.status_code == 200 and "9,400,000.00" in page.text
    listed = client.get("/listings")
    assert listed.status_code == 200
    assert all(f"/listings/{i}/live" in listed.text for i in (sold, failed, live))
    assert chain_of(services).ok


def test_the_demo_cities_push_their_records_and_the_quality_ranking_tells_them_apart(
    services: Services,
    demo: DemoSeed,
) -> None:
    from prex.exchange.quality.queries import findings, ranking

    with services.read_session() as session:
        ranked = {r.code: r.as_dict() for r in ranking(session, services.settings.platform_code)}
        stalled = findings(session, "PREX330300", dimension="lifecycle")
        wrong = findings(session, "PREX330300", dimension="accuracy")
        missing = findings(session, "PREX330200", dimension="coverage")
    assert set(ranked) == {"PREX330100", "PREX330200", "PREX330300"}
    hangzhou, ningbo, wenzhou = (ranked[c] for c in ("PREX330100", "PREX330200", "PREX330300"))
    assert hangzhou["overall"] == 100.0
    assert ningbo["timeliness"] < 100.0 and ningbo["coverage"] < 100.0
    assert wenzhou["lifecycle"] < 100.0 and wenzhou["accuracy"] < 100.0
    assert [f["code"] for f in stalled["items"]] == ["result-overdue"]
    assert [f["code"] for f in wrong["items"]] == ["amount-mismatch"]
    assert {f["field"] for f in missing["items"]} == {"TENDER_AGENCY_NAME", "TENDER_AGENCY_CODE"}


def test_the_demo_warehouse_and_red_flags_find_the_collusion_it_plants(
    services: Services, demo: DemoSeed
) -> None:
    """Two bidders of the Hangzhou metro tender seal on one machine (demo._bids); every other
    bidder has a machine of its own, so the art. 40 rules flag that tender's lot and no other,
    and the demo's supervisor (of Hangzhou) is alerted."""
    from prex.analytics.risk.orm import flag_hits
    from prex.demo_supervision import seed_supervision

    seed = demo
    refreshed, summary = seed_supervision(services)
    assert refreshed.tenders == len(seed.tenders) and refreshed.bids > 0
    assert {"C001", "S001", "M006"} <= set(summary.rules)
    with services.read_session() as session:
        collusion = session.execute(
            select(flag_hits.c.rule_code, flag_hits.c.tender_id, flag_hits.c.detail).where(
                flag_hits.c.family == "collusion"
            )
        ).all()
    assert {(code, tender) for code, tender, _ in collusion} == {
        ("C001", seed.tenders["publicity"])
    }
    assert len(collusion[0].detail["bidders"]) == 2
    assert summary.alerts  # a high-severity collusion hit raises the tender's alert level
    # The demo's supervisor (Hangzhou's) sees the hit and the alert.
    from prex.analytics.risk.queries import HitFilter, list_alerts, list_hits
    from prex.demo import _actor

    supervisor = _actor(services, seed, "supervisor")
    with services.read_session() as session:
        seen = list_hits(session, supervisor, HitFilter(rule="C001"))
        alerted = list_alerts(session, supervisor)
    assert [h["tender_id"] for h in seen["items"]] == [seed.tenders["publicity"]]
    assert alerted["total"] >= 1


def test_the_demo_complaint_suspends_the_tender_in_publicity_and_refuses_its_award(
    services: Services, demo: DemoSeed, client: TestClient
) -> None:
    from prex.demo import DEMO_PASSWORD
    from prex.identity import service as identity
    from prex.identity.policy import Actor

    seed = demo
    tender_id = seed.tenders["publicity"]
    public = client.get(f"/api/v1/tenders/{tender_id}").json()
    assert public["suspension"]["complaint_id"] == seed.complaint
    token = identity.sign_in(
        services.uow(Actor(address="127.0.0.1")),
        username="agency",
        password=DEMO_PASSWORD,
        kind="token",
        lifetime=timedelta(hours=1),
    ).secret
    result = client.get(f"/api/v1/tenders/{tender_id}/publicity").json()
    section = result["sections"][0]["section_id"]
    refused = client.post(
        f"/api/v1/tenders/{tender_id}/awards",
        json={"section_id": section},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused.status_code == 409, refused.text
    assert public["suspension"]["complaint_number"] in refused.json()["detail"]
    # The demo's supervisor decides it with the personal certificate the demo bound.
    supervisor = identity.sign_in(
        services.uow(Actor(address="127.0.0.1")),
        username="supervisor",
        password=DEMO_PASSWORD,
        kind="token",
        lifetime=timedelta(hours=1),
    ).secret
    headers = {"Authorization": f"Bearer {supervisor}"}
    decision = {"outcome": "dismissed", "remedy": "resume", "findings": "投诉不成立。"}
    url = f"/api/v1/complaints/{seed.complaint}/decision"
    prepared = client.post(f"{url}/to-sign", json=decision, headers=headers)
    assert prepared.status_code == 200, prepared.text
    assert seed.cast is not None
    signature = seed.cast.sign("supervisor", base64.b64decode(prepared.json()["to_sign"]))
    decided = client.post(url, json={**decision, "signature": signature}, headers=headers)
    assert decided.status_code == 200, decided.text
    assert client.get(f"/api/v1/tenders/{tender_id}").json()["suspension"] is None


def test_the_demo_credit_page_shows_one_blacklisted_supplier_and_one_commended_bidder(
    services: Services,
    demo: DemoSeed,
) -> None:
    from prex.demo_credit import BLACKLISTED
    from prex.web.app import create_app

    seed = demo
    assert set(seed.credit) == {"blacklist", "reward"}
    with TestClient(create_app(services)) as client:
        page = client.get("/credit")
        assert page.status_code == 200
        assert BLACKLISTED[0] in page.text and "2025年度浙江省建筑业诚信企业" in page.text
        supplier = client.get(f"/api/v1/credit/organisations/{BLACKLISTED[1]}").json()
        assert supplier["blacklisted"] is True
        assert [r["id"] for r in supplier["records"]] == [seed.credit["blacklist"]]


def test_the_demo_bidder1_bond_in_the_open_tender_is_an_electronic_guarantee(
    services: Services,
    demo: DemoSeed,
) -> None:
    from prex.bidding.bonds import bonds_of
    from prex.demo_guarantees import GUARANTOR_NAME, GUARANTOR_USCC
    from prex.guarantees.service import guarantee_view

    seed = demo
    assert seed.guarantee_id is not None
    who = seed.signed_in["bidder1"]
    view = guarantee_view(services, who, seed.guarantee_id)
    assert view["status"] == "accepted" and view["guarantor_uscc"] == GUARANTOR_USCC
    [bond] = [
        b for b in bonds_of(services, who, seed.tenders["published"]) if b.id == view["bond_id"]
    ]
    assert bond.kind.value == "e_guarantee" and bond.guarantor == GUARANTOR_NAME
    assert (services.settings.data_dir / "demo-pki" / "guarantor.pem").exists()


def test_the_demo_room_page_has_the_assistance_advice_section(
    services: Services, demo: DemoSeed, client: TestClient
) -> None:
    """The evaluation-assistance hooks in the demo: the tender in publicity's room (complete)
    shows what the installed assistants found — its prices lie within 1 % of each other, so
    nothing — to the centre; `prex extensions list` is covered in tests/e2e."""
    from datetime import timedelta as _timedelta

    from prex.demo import DEMO_PASSWORD
    from prex.identity import service as identity
    from prex.identity.policy import Actor

    seed = demo
    token = identity.sign_in(
        services.uow(Actor(address="127.0.0.1")),
        username="operator",
        password=DEMO_PASSWORD,
        kind="token",
        lifetime=_timedelta(hours=1),
    ).secret
    headers = {"Authorization": f"Bearer {token}"}
    tender_id = seed.tenders["publicity"]
    advice = client.get(f"/api/v1/tenders/{tender_id}/evaluation/advice", headers=headers)
    assert advice.status_code == 200, advice.text
    assert advice.json()["findings"] == [] and advice.json()["errors"] == []
    assert [a["name"] for a in advice.json()["assistants"]] == ["price-check"]
    page = client.get(f"/tenders/{tender_id}/evaluation", headers=headers)
    assert page.status_code == 200, page.text[:500]
    assert 'id="findings"' in page.text and "辅助评审工具未发现需要关注之处" in page.text
