"""The electronic archive (电子档案): when a tender ends the worker builds its dossier, packed as
one file whose manifest is signed and timestamped by the platform; `prex archive verify` checks
it with no database, and any changed byte of any member, of the manifest or of its signature is
named; the archive holds nothing that opens anything; only the centre, its supervisors, the
tenderer and its agency may list and download it."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from prex.archive.orm import archives
from prex.archive.package import (
    AUDIT_ENTRIES,
    DRAW,
    MANIFEST,
    SIGNATURE,
    TIMESTAMP,
    listing,
    manifest_bytes,
    pack,
    unpack,
)
from prex.archive.service import build_pending, build_queued, queue_ended, sweep_expired
from prex.archive.verify import verify_archive
from prex.audit.chain import digest_of, entry_hash
from prex.audit.orm import audit_log
from prex.audit.service import entries_for
from prex.bidding.orm import bids, opening_key_shares
from prex.bootstrap import Services
from prex.cli.main import app
from prex.experts.committee_orm import committee_draws
from prex.identity.policy import SYSTEM
from prex.opening.orm import opened_bids
from prex.pki.cms import sign_detached
from prex.shared.clock import FixedClock
from prex.worker import run_once
from tests.archive_world import complete_tender
from tests.award_world import submit_bids
from tests.factories import ADMIN_ACTOR, World, auth, published_tender
from tests.opening_world import Opening

runner = CliRunner()
SRC = Path(__file__).resolve().parents[2] / "src"
HASHED = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "address",
    "action",
    "object_type",
    "object_id",
    "digest",
    "prev_hash",
)


def archived(opening: Opening) -> tuple[dict[str, Any], bytes]:
    """The tender's one archive, as listed to the operator, and its file."""
    client, operator = opening.client, auth(opening.services, "operator")
    listed = client.get(f"/api/v1/archives?tender_id={opening.id}", headers=operator)
    assert listed.status_code == 200, listed.text
    [entry] = listed.json()
    download = client.get(f"/api/v1/archives/{entry['id']}/file", headers=operator)
    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "application/zip"
    assert hashlib.sha256(download.content).hexdigest() == download.headers["x-content-sha256"]
    assert download.headers["x-content-sha256"] == entry["sha256"]
    return entry, download.content


def offline_verify(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`prex archive verify` in a fresh process whose database cannot be reached at all."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(SRC),
        "PREX_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/no-database-here",
        "PREX_DATA_DIR": str(path.parent / "no-data-dir"),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-c", "from prex.cli.main import app; app()", "archive", "verify"]
        + [str(path), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def failures(members: dict[str, bytes]) -> list[str]:
    return [c.name for c in verify_archive(pack(members)).failures]


def flipped(data: bytes, at: int) -> bytes:
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


def resigned(opening: Opening, members: dict[str, bytes]) -> dict[str, bytes]:
    """The members with the manifest listed afresh and signed and timestamped by the platform
    itself: what an insider holding the platform's keys could produce."""
    keys = opening.services.pki.platform_keys()
    manifest = json.loads(members[MANIFEST])
    body = {n: d for n, d in members.items() if n not in (MANIFEST, SIGNATURE, TIMESTAMP)}
    manifest["members"] = listing(body)
    data = manifest_bytes(manifest)
    signature = sign_detached(
        data,
        keys.signing_certificate,
        keys.signing_key,
        chain=[keys.ca_certificate],
        signing_time=opening.clock.now(),
    )
    token = opening.services.pki.timestamp_authority().stamp(hashlib.sha256(signature).digest())
    return {**body, MANIFEST: data, SIGNATURE: signature, TIMESTAMP: token}


def test_a_completed_tender_is_archived_by_the_worker_and_verifies_offline(
    opening: Opening, tmp_path: Path
) -> None:
    services = opening.services
    complete_tender(opening, tmp_path)
    assert run_once(services).archived == 1
    assert run_once(services).archived == 0  # one archive per ended transaction
    entry, data = archived(opening)
    assert entry["ending"] == "complete" and entry["status"] == "built"
    built = opening.clock.now().date()
    assert entry["retain_until"] == built.replace(year=built.year + 30).isoformat()

    path = tmp_path / entry["filename"]
    path.write_bytes(data)
    done = offline_verify(path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "archive intact" in done.stdout
    as_json = json.loads(offline_verify(path, "--json").stdout)
    assert as_json["ok"] is True and as_json["broken"] == []
    assert as_json["deal_code"] == opening.tender["deal_code"]

    members = unpack(data)
    names = set(members)
    for expected in (
        "dossier/tender/tender.json",
        "dossier/tender/announcements/001-tender.json",
        "dossier/opening/record.json",
        "dossier/opening/record.json.p7s",
        "dossier/opening/record.json.tsr",
        "dossier/committee/draw.json",
        "dossier/evaluation/scores.json",
        "dossier/award/report.json",
        "dossier/award/report.pdf",
        AUDIT_ENTRIES,
    ):
        assert expected in names, expected
    assert any(n.startswith("dossier/tender/documents/") for n in names)
    assert sum(n.endswith("/envelope.bin") for n in names) == 3
    assert sum(n.startswith("dossier/award/report.json.") for n in names) == 5  # five experts
    assert any(n.endswith("contract.json.supplier.p7s") for n in names)
    manifest = json.loads(members[MANIFEST])
    checked = {c.get("signature") or c.get("timestamp") for c in manifest["signatures"]}
    report = verify_archive(data)
    assert checked <= {c.name for c in report.checks if c.ok}
    [draw] = [c for c in report.checks if c.name == "expert draw"]
    assert draw.ok and draw.detail.startswith("replayed"), draw

    # Every audit entry of the tender is there, as in the log, with its hash.
    with services.read_session() as session:
        logged = entries_for(session, "tender", opening.id)
        shares = [r.sealed_share for r in session.execute(select(opening_key_shares))]
        escrowed = [
            r.escrowed_content_key
            for r in session.execute(select(opened_bids))
            if r.escrowed_content_key
        ]
        seeds = [r.sealed_seed for r in session.execute(select(committee_draws))]
    included = {e["seq"]: e["hash"] for e in json.loads(members[AUDIT_ENTRIES])}
    assert logged and all(included[e["seq"]] == e["hash"] for e in logged)

    # Nothing that opens anything: no key share, escrowed content key or sealed seed, neither
    # raw nor in base64, in any member.
    secrets = [s for s in (*shares, *escrowed, *seeds) if s]
    assert len(secrets) >= 3
    for secret in secrets:
        encoded = base64.b64encode(secret)
        for name, body in members.items():
            assert secret not in body and encoded not in body, name

    # Plain OpenSSL checks the manifest's signature and the timestamp as well.
    if shutil.which("openssl"):
        folder = tmp_path / "unpacked"
        zipfile.ZipFile(io.BytesIO(data)).extractall(folder)
        cms = subprocess.run(
            ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", SIGNATURE]
            + ["-content", MANIFEST, "-CAfile", "certs/platform-ca.pem", "-purpose", "any"]
            + ["-out", os.devnull],
            cwd=folder,
            capture_output=True,
        )
        assert cms.returncode == 0, cms.stderr
        ts = subprocess.run(
            ["openssl", "ts", "-verify", "-in", TIMESTAMP, "-token_in", "-data", SIGNATURE]
            + ["-CAfile", "certs/platform-ca.pem", "-untrusted", "certs/tsa.pem"],
            cwd=folder,
            capture_output=True,
        )
        assert ts.returncode == 0, ts.stderr

    # A changed file fails offline too, naming the member.
    name = "dossier/award/report.json"
    path.write_bytes(pack({**members, name: members[name].replace(b'"', b"'", 1)}))
    broken = offline_verify(path)
    assert broken.returncode == 1 and name in broken.stderr, broken.stderr


# The archive's bytes are checked offline, whatever database built them (the worker's archive on
# PostgreSQL is test_a_completed_tender_is_archived_by_the_worker_and_verifies_offline's).
@pytest.mark.parametrize("backend", ["sqlite"])
def test_changing_any_byte_of_any_member_or_the_manifest_or_its_signature_is_named(
    opening: Opening, tmp_path: Path
) -> None:
    complete_tender(opening, tmp_path)
    run_once(opening.services)
    _, data = archived(opening)
    members = unpack(data)
    assert verify_archive(data).ok

    def expected(name: str) -> str:
        # The manifest and its signature are the signature's business; the token is its own.
        if name in (MANIFEST, SIGNATURE):
            return "manifest signature"
        return "timestamp" if name == TIMESTAMP else name

    # Every member, at its first, middle and last byte.
    for name, body in members.items():
        for at in {0, len(body) // 2, len(body) - 1}:
            broken = failures({**members, name: flipped(body, at)})
            assert expected(name) in broken, (name, at, broken)

    # And anywhere in any member.
    names = sorted(members)

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(names), st.floats(min_value=0, max_value=1, exclude_max=True))
    def any_byte(name: str, where: float) -> None:
        body = members[name]
        at = int(where * len(body))
        assert expected(name) in failures({**members, name: flipped(body, at)})

    any_byte()

    # Bytes changed in the file itself (headers, directory, compressed data): never a crash,
    # and a pass only when every member still has its bytes (a ZIP header's date or permission
    # bits are not part of what is signed; the members are).
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.floats(min_value=0, max_value=1, exclude_max=True), st.integers(1, 255))
    def any_byte_of_the_file(where: float, mask: int) -> None:
        changed = bytearray(data)
        changed[int(where * len(data))] ^= mask
        report = verify_archive(bytes(changed))
        assert report.ok != bool(report.failures)
        if report.ok:
            assert unpack(bytes(changed)) == members

    any_byte_of_the_file()

    # A member added or removed is named; so is a member of the file that does not read.
    assert failures({**members, "dossier/extra.txt": b"x"}) == ["dossier/extra.txt"]
    gone = "dossier/award/report.pdf"
    assert failures({n: b for n, b in members.items() if n != gone}) == [gone]
    assert [c.name for c in verify_archive(data[: len(data) // 2]).failures] == ["file"]


# The archive's bytes are checked offline, whatever database built them (the worker's archive on
# PostgreSQL is test_a_completed_tender_is_archived_by_the_worker_and_verifies_offline's).
@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_insider_resigning_the_manifest_still_cannot_change_an_audit_entry_or_an_act(
    opening: Opening, tmp_path: Path
) -> None:
    complete_tender(opening, tmp_path)
    run_once(opening.services)
    _, data = archived(opening)
    members = unpack(data)
    assert verify_archive(pack(resigned(opening, members))).ok

    entries = json.loads(members[AUDIT_ENTRIES])
    target = entries[len(entries) // 2]
    for field, value in (("payload", {"event": {"forged": True}}), ("actor_label", "someone")):
        forged = [dict(e, **{field: value}) if e is target else e for e in entries]
        body = json.dumps(forged, sort_keys=True, indent=2, ensure_ascii=False).encode()
        broken = failures(resigned(opening, {**members, AUDIT_ENTRIES: body}))
        assert broken == [f"audit entry {target['seq']}"], broken
    # An entry forged whole (its digest and hash recomputed) breaks its successor's link.
    n = next(n for n in range(len(entries) - 1) if entries[n + 1]["seq"] == entries[n]["seq"] + 1)
    forged_entry = dict(entries[n], payload={"event": {"forged": True}})
    forged_entry["digest"] = digest_of(forged_entry["payload"])
    forged_entry["hash"] = entry_hash(
        **{k: forged_entry[k] for k in HASHED if k != "at"},
        at=datetime.fromisoformat(forged_entry["at"]),
    )
    relinked = [forged_entry if i == n else e for i, e in enumerate(entries)]
    body = json.dumps(relinked, sort_keys=True, indent=2, ensure_ascii=False).encode()
    assert failures(resigned(opening, {**members, AUDIT_ENTRIES: body})) == [
        f"audit entry {entries[n + 1]['seq']}"
    ]

    # A committee other than the one the committed seed draws.
    draw = json.loads(members[DRAW])
    draws = draw["record"]["draws"]
    draws[0]["expert_id"], draws[1]["expert_id"] = draws[1]["expert_id"], draws[0]["expert_id"]
    body = json.dumps(draw, sort_keys=True, indent=2, ensure_ascii=False).encode()
    assert failures(resigned(opening, {**members, DRAW: body})) == ["expert draw"]

    [contract] = [n for n in members if n.endswith("/contract.json")]
    cheaper = members[contract].replace(b'"value":"', b'"value":"1', 1)
    assert cheaper != members[contract]
    broken = failures(resigned(opening, {**members, contract: cheaper}))
    assert sorted(broken) == [f"{contract}.buyer.p7s", f"{contract}.supplier.p7s"]


def test_a_cancelled_tender_is_archived_with_its_sealed_envelopes_and_nothing_opened(
    opening: Opening,
) -> None:
    client, services = opening.client, opening.services
    submit_bids(opening)
    cancelled = client.post(
        f"/api/v1/tenders/{opening.id}/cancel",
        json={"reason": "项目取消"},
        headers=auth(services, "agency"),
    )
    assert cancelled.status_code == 200, cancelled.text
    assert run_once(services).archived == 1
    entry, data = archived(opening)
    assert entry["ending"] == "cancelled"
    report = verify_archive(data)
    assert report.ok, report.failures
    members = unpack(data)
    assert not any(n.startswith("dossier/opening/") for n in members)
    with services.read_session() as session:
        envelopes = [r.envelope_sha256 for r in session.execute(select(bids))]
        shares = [r.sealed_share for r in session.execute(select(opening_key_shares))]
    stored = {hashlib.sha256(b).hexdigest() for n, b in members.items() if n.endswith(".bin")}
    assert stored == set(envelopes) and len(envelopes) == 3  # the ciphertext, as received
    for share in shares:
        assert all(share not in body for body in members.values())
    assert "TenderCancelled" in members[AUDIT_ENTRIES].decode()


def test_only_the_centre_its_supervisors_the_tenderer_and_its_agency_read_archives(
    opening: Opening,
) -> None:
    client, services = opening.client, opening.services
    building = client.post(
        f"/api/v1/tenders/{opening.id}/archives", headers=auth(services, "operator")
    )
    assert building.status_code == 409 and "transaction-not-ended" in building.json()["type"]
    assert (
        client.post(
            f"/api/v1/tenders/{opening.id}/cancel",
            json={"reason": "项目取消"},
            headers=auth(services, "agency"),
        ).status_code
        == 200
    )
    run_once(services)
    entry, _ = archived(opening)
    file_url = f"/api/v1/archives/{entry['id']}/file"
    for reader in ("operator", "supervisor", "tenderer", "agency", "admin"):
        who = auth(services, reader)
        listed = client.get("/api/v1/archives", headers=who).json()
        assert [a["id"] for a in listed] == [entry["id"]], reader
        assert client.get(file_url, headers=who).status_code == 200, reader
        assert client.get(f"/api/v1/archives/{entry['id']}", headers=who).status_code == 200
    # Another tenderer is a reader of its own tenders' archives only.
    other = auth(services, "tenderer2")
    assert client.get("/api/v1/archives", headers=other).json() == []
    assert client.get(file_url, headers=other).status_code == 403
    for outsider in ("bidder", "expert"):
        who = auth(services, outsider)
        assert client.get("/api/v1/archives", headers=who).status_code == 403
        assert client.get(file_url, headers=who).status_code == 403
    assert client.get(file_url).status_code == 401
    # Building again: the centre may, the tenderer may not.
    tenderer = auth(services, "tenderer")
    assert (
        client.post(f"/api/v1/tenders/{opening.id}/archives", headers=tenderer).status_code == 403
    )
    again = client.post(
        f"/api/v1/tenders/{opening.id}/archives", headers=auth(services, "operator")
    )
    assert again.status_code == 201, again.text
    assert again.json()["id"] != entry["id"] and again.json()["status"] == "built"

    # The pages: the tender page links its readers to the list, which offers the download.
    page = client.get(f"/tenders/{opening.id}", headers=auth(services, "operator"))
    assert 'id="archive-link"' in page.text
    assert 'id="archive-link"' not in client.get(f"/tenders/{opening.id}").text
    bidder_page = client.get(f"/tenders/{opening.id}", headers=auth(services, "bidder"))
    assert 'id="archive-link"' not in bidder_page.text
    listing_page = client.get(f"/archives?tender_id={opening.id}", headers=tenderer)
    assert listing_page.status_code == 200 and file_url in listing_page.text
    assert client.get("/archives", headers=auth(services, "bidder")).status_code == 403


def test_the_cli_builds_lists_and_the_sweep_marks_expired_archives_without_deleting(
    opening: Opening, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = opening.services
    settings_ = services.settings
    monkeypatch.setenv("PREX_DATABASE_URL", settings_.resolved_database_url)
    monkeypatch.setenv("PREX_DATA_DIR", str(settings_.data_dir))
    monkeypatch.setenv("PREX_PASSWORD_HASHING", "fast")
    refused = runner.invoke(app, ["archive", "build", opening.id])
    assert refused.exit_code == 1 and "only a complete, failed or cancelled" in refused.output
    opening.client.post(
        f"/api/v1/tenders/{opening.id}/cancel",
        json={"reason": "项目取消"},
        headers=auth(services, "agency"),
    )
    out = tmp_path / "archive.zip"
    built = runner.invoke(app, ["archive", "build", opening.id, "--out", str(out), "--json"])
    assert built.exit_code == 0, built.output
    made = json.loads(built.stdout)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == made["sha256"]
    assert runner.invoke(app, ["archive", "verify", str(out)]).exit_code == 0
    listed = json.loads(runner.invoke(app, ["archive", "list", "--json"]).stdout)
    assert [a["id"] for a in listed] == [made["archive_id"]]

    opening.clock.set(opening.clock.now() + timedelta(days=366 * 31))
    [expired] = sweep_expired(services.uow(ADMIN_ACTOR))
    assert expired["id"] == made["archive_id"]
    assert sweep_expired(services.uow(ADMIN_ACTOR)) == []  # marked once
    [row] = opening.client.get("/api/v1/archives", headers=auth(services, "operator")).json()
    assert row["expired_at"] is not None and services.blobs.exists(row["sha256"])


def test_a_tender_that_fails_at_its_deadline_is_archived_in_the_same_worker_pass(
    client: TestClient, world: World, services: Services, clock: FixedClock
) -> None:
    tender = published_tender(client, world, auth(services, "agency"))
    clock.set(datetime.fromisoformat(tender["bid_deadline"]) + timedelta(seconds=1))
    done = run_once(services)
    assert done.transitions == 1 and done.archived == 1
    [entry] = client.get("/api/v1/archives", headers=auth(services, "supervisor")).json()
    assert entry["tender_id"] == tender["id"] and entry["ending"] == "failed"
    data = client.get(
        f"/api/v1/archives/{entry['id']}/file", headers=auth(services, "supervisor")
    ).content
    report = verify_archive(data)
    assert report.ok, report.failures
    assert report.manifest["ending"] == "failed"
    assert "dossier/bids/commitment.json" in unpack(data)


def test_two_workers_building_the_same_archive_record_it_once(
    client: TestClient, world: World, services: Services
) -> None:
    tender = published_tender(client, world, auth(services, "agency"))
    cancelled = client.post(
        f"/api/v1/tenders/{tender['id']}/cancel",
        json={"reason": "项目取消"},
        headers=auth(services, "agency"),
    )
    assert cancelled.status_code == 200
    assert queue_ended(services) == 1 and queue_ended(services) == 0
    with services.read_session() as session:
        [pending] = session.execute(select(archives.c.id)).scalars().all()
    first = build_queued(services, services.uow(SYSTEM), pending)
    second = build_queued(services, services.uow(SYSTEM), pending)  # the slower worker
    with services.read_session() as session:
        [row] = session.execute(select(archives)).all()
        built = session.execute(
            select(audit_log.c.object_id)
            .where(audit_log.c.action == "ArchiveBuilt")
            .order_by(audit_log.c.seq)
        ).all()
    assert row.status == "built" and row.sha256 == first.sha256 and len(built) == 1
    assert verify_archive(b"".join(services.blobs.iter_bytes(second.sha256))).ok
    assert build_pending(services) == 0
