"""Issue 9, faults: the expert draw and the host's opening killed (SIGKILL) mid-way and right
after their commits, in one tender (one world: its set-up is the expensive part).

The draw, killed after the committee is computed and again with its rows written but not
committed, leaves the committee undrawn — no member, no draw record, no audit entry — and drawn
afterwards it is complete once (a second draw is refused). The draw is a function of the seed
committed before the deadline and of the deadline commitment, so the committee a crashed draw
had computed is the one the retry draws (replay tests show that separately).

Three sealed bids, three custodians' shares released; a process of its own serves the host's
``POST …/opening/open`` and dies at the armed failpoint. Mid-way (two outcomes written, the
opening not): nothing of the opening is left — no outcome, the shares still in escrow, the
opening still ``decrypting``. Opened again and killed just after the commit (the host got no
answer): every bid is opened exactly once, and asking again is refused as done. After every
crash the audit chain verifies (``prex audit verify``) and every blob holds the content its
name says."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select

from prex.audit.orm import audit_log
from prex.bidding.orm import bids
from prex.config import Settings
from prex.experts.committee_orm import committee_draws, committee_members
from prex.opening.orm import opened_bids, openings, share_releases
from tests.crash_harness import audit_verifies, blobs_intact, crash_run
from tests.e2e.test_committee import SPEC, seed_experts
from tests.factories import auth
from tests.opening_world import BIDDERS, Opening


def _committee(opening: Opening) -> str:
    """Experts in the pool and the committee defined (its seed committed); the draw's URL."""
    seed_experts(opening)
    spec = json.loads(json.dumps(SPEC))
    spec["venues"][0]["centre_id"] = opening.world.centre_id
    spec["venues"][1]["centre_id"] = opening.world.city_centre_id
    url = f"/api/v1/tenders/{opening.id}/committee"
    defined = opening.client.put(url, json=spec, headers=auth(opening.services, "operator"))
    assert defined.status_code == 200, defined.text
    return f"{url}/draw"


def _to_deadline(opening: Opening) -> set[str]:
    digests = set()
    # (not rsa-org: in the test world its credit code is the tenderer's own, which the draw avoids)
    for n, leaf in enumerate(("ecdsa-org", "ecdsa-p384", "sm2-org")):
        user, price = BIDDERS[leaf]
        receipt = opening.submit(opening.seal(leaf, price), user, f"crash-{n}-0000001").json()
        digests.add(receipt["envelope_sha256"])
    opening.to_deadline()
    return digests


def _release_shares(opening: Opening) -> None:
    for n in (2, 4, 5):
        assert opening.release(n).status_code == 200


def _draw_state(opening: Opening) -> tuple[str, bool, int, int]:
    """(draw status, a record stored, members stored, CommitteeDrawn audit entries)."""
    with opening.services.read_session() as s:
        draw = s.execute(
            select(committee_draws.c.status, committee_draws.c.record).where(
                committee_draws.c.tender_id == opening.id
            )
        ).one()
        members = s.execute(
            select(func.count()).where(committee_members.c.tender_id == opening.id)
        ).scalar_one()
        audited = s.execute(
            select(func.count()).where(audit_log.c.action == "CommitteeDrawn")
        ).scalar_one()
    return draw.status, draw.record is not None, members, audited


def _state(opening: Opening) -> tuple[str, int, int, int]:
    """(opening status, outcomes stored, shares in escrow, BidOpened audit entries)."""
    with opening.services.read_session() as s:
        status = s.execute(
            select(openings.c.status).where(openings.c.tender_id == opening.id)
        ).scalar_one()
        outcomes = s.execute(
            select(func.count()).where(opened_bids.c.tender_id == opening.id)
        ).scalar_one()
        shares = s.execute(
            select(func.count()).where(share_releases.c.tender_id == opening.id)
        ).scalar_one()
        audited = s.execute(
            select(func.count()).where(audit_log.c.action == "BidOpened")
        ).scalar_one()
    return status, outcomes, shares, audited


def _checked(settings: Settings, opening: Opening, digests: set[str]) -> None:
    audit_verifies(settings)
    with opening.services.read_session() as s:
        stored = set(s.execute(select(bids.c.envelope_sha256)).scalars())
    assert digests <= stored
    assert blobs_intact(settings, stored) >= len(digests)


def _open_request(opening: Opening) -> dict[str, object]:
    return {
        "method": "POST",
        "path": f"/api/v1/tenders/{opening.id}/opening/open",
        "headers": auth(opening.services, "agency"),
    }


def test_a_draw_and_an_opening_killed_mid_way_leave_nothing_and_complete_once_after(
    opening: Opening, settings: Settings
) -> None:
    draw_url = _committee(opening)
    digests = _to_deadline(opening)
    now: datetime = opening.clock.now()
    operator = auth(opening.services, "operator")
    draw = {"method": "POST", "path": draw_url, "headers": operator}
    for failpoint in ("experts.draw_computed", "uow.before_commit"):
        crashed = crash_run(settings, now, failpoints=failpoint, requests=[draw])
        assert crashed.killed, crashed.output
        assert crashed.answers == []
        assert _draw_state(opening) == ("committed", False, 0, 0), failpoint
        _checked(settings, opening, digests)
    drawn = opening.client.post(draw_url, headers=operator)
    assert drawn.status_code == 200, drawn.text
    assert _draw_state(opening) == ("drawn", True, 7, 1)
    assert opening.client.post(draw_url, headers=operator).status_code == 409
    assert _draw_state(opening) == ("drawn", True, 7, 1)

    _release_shares(opening)
    crashed = crash_run(
        settings, now, failpoints="opening.outcome_stored@2", requests=[_open_request(opening)]
    )
    assert crashed.killed, crashed.output
    assert crashed.answers == []  # the host never got an answer
    assert _state(opening) == ("decrypting", 0, 3, 0)
    _checked(settings, opening, digests)

    # Opened again, the process dies right after the commit: the host gets no answer.
    crashed = crash_run(
        settings, now, failpoints="uow.after_commit", requests=[_open_request(opening)]
    )
    assert crashed.killed, crashed.output
    assert crashed.answers == []
    assert _state(opening) == ("opened", 3, 0, 3)
    _checked(settings, opening, digests)

    retried = opening.host("open")  # the host, unanswered, asks again: refused as done
    assert retried.status_code == 409, retried.text
    assert _state(opening) == ("opened", 3, 0, 3)
    assert [r["outcome"] for r in opening.hall()["reading"]] == ["opened"] * 3
    _checked(settings, opening, digests)
