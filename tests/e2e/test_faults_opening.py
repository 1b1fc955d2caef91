"""Issue 9, faults: the host's opening killed (SIGKILL) mid-way and right after its commit.

Three sealed bids, three custodians' shares released; a process of its own serves the host's
``POST …/opening/open`` and dies at the armed failpoint. Mid-way (two outcomes written, the
opening not): nothing of the opening is left — no outcome, the shares still in escrow, the
opening still ``decrypting``. Opened again and killed just after the commit (the host got no
answer): every bid is opened exactly once, and asking again is refused as done. After every crash the audit chain verifies (``prex audit verify``) and every blob holds
the content its name says."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from prex.audit.orm import audit_log
from prex.bidding.orm import bids
from prex.config import Settings
from prex.opening.orm import opened_bids, openings, share_releases
from tests.crash_harness import audit_verifies, blobs_intact, crash_run
from tests.factories import auth
from tests.opening_world import BIDDERS, Opening


def _ready(opening: Opening) -> set[str]:
    digests = set()
    for n, leaf in enumerate(("rsa-org", "ecdsa-org", "sm2-org")):
        user, price = BIDDERS[leaf]
        receipt = opening.submit(opening.seal(leaf, price), user, f"crash-{n}-0000001").json()
        digests.add(receipt["envelope_sha256"])
    opening.to_deadline()
    for n in (2, 4, 5):
        assert opening.release(n).status_code == 200
    return digests


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


def test_an_opening_killed_mid_way_leaves_nothing_then_after_its_commit_is_complete_once(
    opening: Opening, settings: Settings
) -> None:
    digests = _ready(opening)
    now: datetime = opening.clock.now()
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
