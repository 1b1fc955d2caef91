"""Resumable uploads over HTTP (the real app, the real database): create, append in pieces,
ask for the offset, complete into the very same receipt as the single-request upload; every
bad request with its own problem and nothing lost; uploads owned by their organisation; the
worker's sweep of expired uploads and stale spool files."""

from __future__ import annotations

import fcntl
import hashlib
import os
from base64 import b64decode
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from prex.bidding.orm import bid_uploads, bids
from prex.bidding.submissions import receipt_core
from prex.bidding.uploads import UPLOAD_TTL, spool_file
from prex.bootstrap import Services
from prex.pki.cms import verify_detached
from prex.shared.clock import FixedClock
from prex.worker import run_once
from tests.e2e.test_bid_submission import Bidding
from tests.factories import World, auth
from tests.pki_openssl import PkiWorld

OFFSET = "application/offset+octet-stream"


class Uploads(Bidding):
    def create(self, body: bytes, key: str, user: str = "sealer", **over: Any) -> Any:
        data = {"length": len(body), "sha256": hashlib.sha256(body).hexdigest(), **over}
        return self.client.post(
            f"/api/v1/tenders/{self.tender['id']}/uploads",
            json=data,
            headers={**auth(self.services, user), "Idempotency-Key": key},
        )

    def append(
        self, upload_id: str, offset: int, piece: bytes, user: str = "sealer", **headers: str
    ) -> Any:
        return self.client.patch(
            f"/api/v1/uploads/{upload_id}",
            content=piece,
            headers={
                **auth(self.services, user),
                "Content-Type": OFFSET,
                "Upload-Offset": str(offset),
                **headers,
            },
        )

    def state(self, upload_id: str, user: str = "sealer") -> Any:
        return self.client.get(f"/api/v1/uploads/{upload_id}", headers=auth(self.services, user))

    def bid_count(self) -> int:
        with self.services.read_session() as session:
            return int(
                session.execute(
                    select(func.count()).where(bids.c.tender_id == self.tender["id"])
                ).scalar_one()
            )


@pytest.fixture
def up(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, tmp_path: Path
) -> Uploads:
    return Uploads(client, services, world, pki_world, tmp_path)


def _problem(response: Any) -> str:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return str(response.json()["type"]).removeprefix("/problems/")


def test_an_upload_in_three_pieces_ends_with_the_same_receipt_as_one_request(
    up: Uploads,
) -> None:
    body = up.seal().read_bytes()
    created = up.create(body, "resumable-0001")
    assert created.status_code == 201, created.text
    state = created.json()
    upload_id = state["id"]
    assert state["offset"] == 0 and state["status"] == "receiving" and state["receipt"] is None
    assert created.headers["Location"] == f"/api/v1/uploads/{upload_id}"
    assert spool_file(up.services, upload_id).exists()

    thirds = [0, len(body) // 3, 2 * len(body) // 3, len(body)]
    for start, end in zip(thirds[:2], thirds[1:3], strict=True):
        answer = up.append(upload_id, start, body[start:end])
        assert answer.status_code == 204, answer.text
        assert answer.headers["Upload-Offset"] == str(end)
    head = up.client.head(f"/api/v1/uploads/{upload_id}", headers=auth(up.services, "sealer"))
    assert head.status_code == 200 and head.headers["Upload-Offset"] == str(thirds[2])
    assert head.headers["Upload-Length"] == str(len(body))
    assert up.bid_count() == 0  # a partial upload is never a bid
    assert not up.services.blobs.exists(hashlib.sha256(body).hexdigest())

    last = up.append(upload_id, thirds[2], body[thirds[2] :])
    assert last.status_code == 201, last.text
    receipt = last.json()
    assert receipt["envelope_sha256"] == hashlib.sha256(body).hexdigest()
    assert receipt["envelope_bytes"] == len(body)
    signed = verify_detached(receipt_core(receipt), b64decode(receipt["platform_signature"]))
    assert signed.signer.common_name.endswith("平台签名")
    assert up.services.blobs.exists(receipt["envelope_sha256"])
    assert not spool_file(up.services, upload_id).exists()  # moved, not copied

    # Asked again in every way, the answer is the one receipt, byte for byte.
    again = up.append(upload_id, len(body), b"")
    assert again.status_code == 200 and again.content == last.content
    done = up.state(upload_id).json()
    assert done["status"] == "complete" and done["offset"] == len(body)
    assert done["receipt"] == receipt
    recreated = up.create(body, "resumable-0001")
    assert recreated.status_code == 200 and recreated.json()["receipt"] == receipt
    single = up.submit(body, "resumable-0001")  # the single-request path shares the keys
    assert single.status_code == 200 and single.json() == receipt
    mine = up.client.get(
        f"/api/v1/tenders/{up.tender['id']}/bids/mine", headers=auth(up.services, "sealer")
    ).json()
    assert [b["receipt"] for b in mine] == [receipt]


def test_a_key_used_by_a_single_request_finds_its_receipt_on_creation(up: Uploads) -> None:
    body = up.seal().read_bytes()
    posted = up.submit(body, "posted-first-01")
    assert posted.status_code == 201
    created = up.create(body, "posted-first-01")
    assert created.status_code == 200, created.text
    assert created.json()["status"] == "complete"
    assert created.json()["receipt"] == posted.json()
    assert up.create(body + b"x", "posted-first-01").status_code == 409


def test_every_bad_append_has_its_own_problem_and_loses_nothing(
    up: Uploads, clock: FixedClock
) -> None:
    body = up.seal().read_bytes()
    upload_id = up.create(body, "bad-appends-01").json()["id"]
    half = len(body) // 2
    assert up.append(upload_id, 0, body[:half]).status_code == 204
    seen: dict[str, int] = {}

    def refused(response: Any, status: int, slug: str) -> Any:
        assert response.status_code == status, response.text
        assert _problem(response) == slug, response.json()
        seen[slug] = status
        assert up.state(upload_id).json()["offset"] == half  # nothing lost, nothing added
        return response.json()

    problem = refused(up.append(upload_id, 0, body[:10]), 409, "upload-offset-mismatch")
    assert problem["offset"] == half
    refused(up.append(upload_id, half + 5, body[half + 5 :]), 409, "upload-offset-mismatch")
    refused(
        up.append(upload_id, half, body[half:], **{"Content-Type": "application/octet-stream"}),
        415,
        "unsupported-media-type",
    )
    refused(up.append(upload_id, half, body[half:] + b"extra"), 413, "upload-too-long")
    streamed = up.client.patch(  # no Content-Length: the overflow is seen while streaming
        f"/api/v1/uploads/{upload_id}",
        content=iter([body[half:], b"extra"]),
        headers={**auth(up.services, "sealer"), "Content-Type": OFFSET, "Upload-Offset": str(half)},
    )
    assert "content-length" not in streamed.request.headers
    refused(streamed, 413, "upload-too-long")
    with spool_file(up.services, upload_id).open("r+b") as other:  # another writer holds it
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        refused(up.append(upload_id, half, body[half:]), 409, "upload-busy")
        busy = up.client.delete(f"/api/v1/uploads/{upload_id}", headers=auth(up.services, "sealer"))
        refused(busy, 409, "upload-busy")
    missing = up.client.patch(
        f"/api/v1/uploads/{upload_id}",
        content=body[half:],
        headers={**auth(up.services, "sealer"), "Content-Type": OFFSET},
    )
    refused(missing, 422, "invalid-input")
    refused(up.append(upload_id, half, body[half:], user="gmsealer"), 404, "upload-not-found")
    refused(up.state(upload_id, user="gmsealer"), 404, "upload-not-found")
    gone = up.client.delete(f"/api/v1/uploads/{upload_id}", headers=auth(up.services, "gmsealer"))
    refused(gone, 404, "upload-not-found")
    not_a_bidder = up.client.get(
        f"/api/v1/uploads/{upload_id}", headers=auth(up.services, "agency")
    )
    assert not_a_bidder.status_code == 403

    # Creation: a reused key, a bad digest or length, an envelope over the tender's cap.
    seen_before = dict(seen)
    for response, status, slug in (
        (up.create(body[:-1], "bad-appends-01"), 409, "idempotency-key-reused"),
        (up.create(body, "bad-appends-02", sha256="xyz"), 422, "invalid-input"),
        (up.create(body, "bad-appends-03", length=0), 422, "invalid-input"),
        (up.create(body, "bad key!"), 422, "invalid-input"),
        (up.create(body, "bad-appends-04", length=501 * 1024 * 1024), 413, "too-large"),
    ):
        assert response.status_code == status, response.text
        assert _problem(response) == slug, response.json()
        seen[slug] = status
    assert len(seen) > len(seen_before)

    # The rest arrives; the upload completes as if nothing had happened.
    finished = up.append(upload_id, half, body[half:])
    assert finished.status_code == 201, finished.text
    assert finished.json()["envelope_sha256"] == hashlib.sha256(body).hexdigest()
    assert len(seen) == 8, seen


def test_bytes_that_do_not_match_the_declared_digest_are_discarded(up: Uploads) -> None:
    body = up.seal().read_bytes()
    forged = body[:-1] + bytes([body[-1] ^ 1])
    created = up.create(body, "digest-check-01").json()
    answer = up.append(created["id"], 0, forged)
    assert answer.status_code == 422 and _problem(answer) == "upload-digest-mismatch"
    assert answer.json()["received_sha256"] == hashlib.sha256(forged).hexdigest()
    assert up.state(created["id"]).status_code == 404
    assert not spool_file(up.services, created["id"]).exists()
    assert up.bid_count() == 0
    # The same key starts afresh.
    fresh = up.create(body, "digest-check-01")
    assert fresh.status_code == 201 and fresh.json()["id"] != created["id"]
    assert up.append(fresh.json()["id"], 0, body).status_code == 201


def test_a_refused_envelope_keeps_its_bytes_for_another_try(up: Uploads) -> None:
    """The check at completion refuses (here: someone else's certificate); the upload stays
    complete-but-refused, and an empty append asks again without sending the bytes again."""
    body = up.seal("sm2-org").read_bytes()  # sealed by another organisation's certificate
    created = up.create(body, "refused-once-01").json()
    answer = up.append(created["id"], 0, body)
    assert answer.status_code == 422 and _problem(answer) == "certificate-identity-mismatch"
    state = up.state(created["id"]).json()
    assert state["offset"] == len(body) and state["status"] == "receiving"
    again = up.append(created["id"], len(body), b"")
    assert again.status_code == 422 and _problem(again) == "certificate-identity-mismatch"
    assert up.bid_count() == 0
    abandoned = up.client.delete(
        f"/api/v1/uploads/{created['id']}", headers=auth(up.services, "sealer")
    )
    assert abandoned.status_code == 204
    assert not spool_file(up.services, created["id"]).exists()
    assert up.state(created["id"]).status_code == 404


def test_uploads_are_refused_after_the_deadline_and_expire(up: Uploads, clock: FixedClock) -> None:
    body = up.seal().read_bytes()
    upload_id = up.create(body, "expiring-0001").json()["id"]
    assert up.append(upload_id, 0, body[:100]).status_code == 204
    clock.advance(UPLOAD_TTL + timedelta(seconds=1))
    gone = up.state(upload_id)
    assert gone.status_code == 410 and _problem(gone) == "upload-gone"
    assert up.append(upload_id, 100, body[100:]).status_code == 410
    # Creation with the same key starts a fresh upload in place of the expired one.
    fresh = up.create(body, "expiring-0001")
    assert fresh.status_code == 201 and fresh.json()["offset"] == 0

    deadline = datetime.fromisoformat(up.tender["bid_deadline"])
    clock.set(deadline - timedelta(minutes=1))
    last_minute = up.create(body, "last-minute-01").json()["id"]
    assert up.append(last_minute, 0, body[:100]).status_code == 204
    clock.set(deadline)
    late = up.create(body, "too-late-00001")
    assert late.status_code == 422 and late.json()["rule"] == "bid.deadline"
    stuck = up.append(last_minute, 100, body[100:])
    assert stuck.status_code == 422 and stuck.json()["rule"] == "bid.deadline"
    assert up.state(last_minute).json()["offset"] == 100
    assert up.bid_count() == 0


def test_the_worker_sweeps_expired_uploads_and_stale_spool_files(
    up: Uploads, clock: FixedClock
) -> None:
    body = up.seal().read_bytes()
    stale = up.create(body, "sweep-stale-01").json()["id"]
    assert up.append(stale, 0, body[:1000]).status_code == 204
    orphan = up.services.blobs.spool_path()  # what a killed single-request upload leaves
    orphan.write_bytes(b"half an envelope")
    long_ago = (clock.now() - UPLOAD_TTL - timedelta(hours=1)).timestamp()
    os.utime(orphan, (long_ago, long_ago))
    os.utime(spool_file(up.services, stale), (long_ago, long_ago))
    fresh_orphan = up.services.blobs.spool_path()

    clock.advance(timedelta(hours=23))
    live = up.create(body, "sweep-live-001").json()["id"]
    assert up.append(live, 0, body[:1000]).status_code == 204
    assert run_once(up.services).uploads == 1  # the orphan; the stale upload is not expired yet
    assert not orphan.exists() and fresh_orphan.exists()

    clock.advance(timedelta(hours=2))  # now past the stale upload's expiry, not the live one's
    assert run_once(up.services).uploads == 1
    assert not spool_file(up.services, stale).exists()
    with up.services.read_session() as session:
        left = session.execute(select(bid_uploads.c.id)).scalars().all()
    assert left == [live] and spool_file(up.services, live).exists()
    assert up.append(live, 1000, body[1000:]).status_code == 201
    assert run_once(up.services).uploads == 0


def test_the_submitting_client_imports_nothing_of_the_server() -> None:
    import subprocess
    import sys

    code = (
        "import sys, prex.sealing.submit\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('prex.db', 'prex.web', "
        "'prex.bootstrap', 'prex.config', 'prex.bidding', 'prex.tenders', 'sqlalchemy', "
        "'fastapi', 'uvicorn')))\n"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
