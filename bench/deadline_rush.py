"""The deadline rush: 200 bidders uploading 5 MB sealed envelopes at once, on loopback.

Measures ``POST /api/v1/tenders/{id}/bids`` served by the real application (``create_app``
under uvicorn, in a subprocess of its own) while N bidders, each with its own bearer token,
upload their envelope all at once, against a bare upload endpoint added to that same
application instance (``POST /bench/bare-upload``: the body streamed to a file in the data
directory, nothing checked, ``{"ok": true}``) loaded with the very same bytes — the physical
baseline of receiving the files:

    .venv/bin/python bench/deadline_rush.py              # 200 bidders x 5 MB, SQLite
    .venv/bin/python bench/deadline_rush.py --quick      # smoke run: 6 bidders x 0.2 MB
    .venv/bin/python bench/deadline_rush.py --postgres postgresql://postgres@127.0.0.1/test

Setup (not timed), in a temporary data directory: a province centre, five opening custodians
(a CA of their own, trusted for encryption, its CRL imported), a bidders' CA made with
``prex.pki.issue`` (trusted, its CRL imported), N bidder organisations each with a user, a
bearer token and an ECDSA P-256 signing certificate naming its credit code in serialNumber.
Every round publishes a fresh engineering-open tender and seals N envelopes for it (one
document of S random bytes each, distinct) in worker processes; the envelopes are read into
memory, so the rush reads nothing from disk.

A round: all N uploads start at once (at most ``--concurrency`` in flight), one connection
each; the latency of an upload runs from its connection to the last byte of the answer.
Ours must answer 201 with a receipt naming the envelope's SHA-256 and size, and afterwards
the database must hold exactly N live bids for the tender; the baseline must answer 200 and
leave N files of the right total size. Anything else is a lost upload. Throughput is
envelope bytes (MB = 10^6 bytes) over the wall time of the rush. The two sides alternate
which goes first; the page cache is flushed (``sync``) before each rush. Figures are medians
over rounds. Then, the server stopped, the stages of ``receive_envelope`` are timed
in-process over a few envelopes. The aims (issue 4): at least half the baseline's
throughput, p99 under 2 s, no upload lost.

It ends, as every benchmark here does, with one line per figure:

    RESULT <name> ours=<number><unit> baseline=<number><unit> ratio=<ours/baseline>
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from portal import Server  # the same launcher as the portal benchmark

if TYPE_CHECKING:
    from prex.bootstrap import Services
    from prex.identity.policy import Actor

HOST = "127.0.0.1"
MB = 1_000_000
BENCH_DIR = Path(__file__).resolve().parent
BARE_PATH = "/bench/bare-upload"
BARE_DIR = "bench-bare"  # under the data directory
PASSWORD = "deadline-rush-password"
THROUGHPUT_AIM = 0.5  # of the baseline's
P99_AIM_MS = 2000.0
START, END = datetime(2025, 1, 1, tzinfo=UTC), datetime(2035, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# The server: the real application, plus the bare upload route on the same instance
# ---------------------------------------------------------------------------------------------


def server_app() -> FastAPI:
    """``uvicorn --factory`` entry: ``prex.web.asgi.app_from_env`` plus ``POST /bench/bare-upload``,
    which streams the body to a file under ``<data_dir>/bench-bare`` and checks nothing."""
    from prex.bootstrap import bootstrap
    from prex.config import get_settings
    from prex.web.app import create_app

    services = bootstrap(get_settings())
    app = create_app(services)
    folder = services.settings.data_dir / BARE_DIR

    @app.post(BARE_PATH, include_in_schema=False)
    async def bare_upload(request: Request) -> dict[str, bool]:
        folder.mkdir(parents=True, exist_ok=True)
        fd, _name = tempfile.mkstemp(dir=folder, suffix=".bin")
        with os.fdopen(fd, "wb") as sink:
            async for chunk in request.stream():
                sink.write(chunk)
        return {"ok": True}

    return app


def start_server(data_dir: Path, url: str, workers: int) -> Server:
    """``server_app`` under uvicorn with ``workers`` processes (both sides share them),
    through the portal benchmark's launcher."""
    return Server(data_dir, url, workers, factory="deadline_rush:server_app", app_dir=BENCH_DIR)


# ---------------------------------------------------------------------------------------------
# Setup: a province, custodians, a bidders' CA, N bidders with tokens and certificates
# ---------------------------------------------------------------------------------------------


@dataclass
class Bidder:
    username: str
    uscc: str
    org_id: str
    token: str
    cert_pem: bytes  # the leaf, then its CA
    key_pem: bytes


@dataclass
class World:
    centre_id: str
    tenderer_org_id: str
    agency_org_id: str
    agency: Actor
    bidders: list[Bidder] = field(default_factory=list)
    custodians: list[tuple[str, bytes]] = field(default_factory=list)  # (username, key PEM)


def _person_id(sequence: int) -> str:
    """A made-up resident identity number with a correct check character."""
    first17 = f"33010619800101{sequence:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def _trusted_ca(services: Services, admin: Actor, name: str, **trust: Any) -> tuple[Any, Any]:
    """A self-signed ECDSA CA on the trust list, its (empty) CRL imported: (certificate, key)."""
    from prex.pki.issue import issue_certificate, issue_crl
    from prex.pki.keys import PrivateKey
    from prex.pki.service import add_cas

    key = PrivateKey.generate("ec-p256")
    ca = issue_certificate(
        subject=[("C", "CN"), ("O", "prex bench"), ("CN", name)],
        subject_key=key.public_key(),
        issuer=None,
        issuer_key=key,
        not_before=START,
        not_after=END,
        ca=True,
    )
    add_cas(services.uow(admin), ca.pem().encode(), label=name, **trust)
    crl = issue_crl(
        issuer=ca, issuer_key=key, revoked=[], this_update=START, next_update=END, number=1
    )
    services.pki.import_crl(services.uow(admin), crl)
    return ca, key


def _token(services: Services, username: str) -> str:
    from prex.identity import service as identity
    from prex.identity.policy import Actor

    return identity.sign_in(
        services.uow(Actor(address=HOST)),
        username=username,
        password=PASSWORD,
        kind="token",
        lifetime=timedelta(days=2),
        label="deadline rush",
    ).secret


def actor_of(services: Services, token: str) -> Actor:
    from prex.identity import service as identity

    with services.read_session() as session:
        return identity.actor_for_secret(session, token, services.clock.now(), HOST)


def setup_world(services: Services, bidders: int) -> World:
    from prex.bidding.custodians import register_custodian
    from prex.identity import service as identity
    from prex.identity.policy import Actor, Role
    from prex.identity.uscc import make_uscc
    from prex.pki.issue import issue_certificate
    from prex.pki.keys import PrivateKey

    admin = Actor(user_id="seed", label="bench seed", roles=frozenset({Role.ADMIN}), address=HOST)
    uow = services.uow
    centre = identity.create_centre(
        uow(admin),
        name="浙江省公共资源交易中心",
        division_code="330000",
        parent_id=None,
        platform_code="PREX33",
    )

    def org(serial: int, name: str, kind: str) -> tuple[str, str]:
        uscc = make_uscc(f"91330100{serial:09d}")
        org_id = identity.register_organisation(
            uow(admin), uscc=uscc, name=name, centre_id=centre, kinds=[kind]
        )
        return org_id, uscc

    def user(username: str, role: str, org_id: str | None) -> str:
        return identity.create_user(
            uow(admin),
            username=username,
            password=PASSWORD,
            display_name=f"{username} 用户",
            roles=[role],
            org_id=org_id,
            centre_id=centre,
        )

    tenderer, _ = org(1, "杭州市第一中学", "tenderer")
    agency, _ = org(2, "浙江某某招标代理有限公司", "agency")
    user("agency", "agency", agency)
    world = World(centre, tenderer, agency, actor_of(services, _token(services, "agency")))

    # Opening custodians: a publication splits the tender's opening key among five.
    enc_ca, enc_key = _trusted_ca(
        services, admin, "Custodian Encryption CA", purposes=["encryption"],
        profile=["person:serialNumber"],
    )  # fmt: skip
    for n in range(1, 6):
        user_id = user(f"custodian{n}", "supervisor", None)
        key = PrivateKey.generate("ec-p256")
        cert = issue_certificate(
            subject=[("C", "CN"), ("serialNumber", _person_id(n)), ("CN", f"保管人{n}")],
            subject_key=key.public_key(),
            issuer=enc_ca,
            issuer_key=enc_key,
            not_before=START,
            not_after=END,
            key_usage={"key_agreement", "key_encipherment"},
            extended_key_usage={"email_protection"},
        )
        register_custodian(
            uow(admin),
            services.pki,
            centre_id=centre,
            user_id=user_id,
            certificate_data=cert.pem().encode(),
        )
        world.custodians.append((f"custodian{n}", key.pkcs8_pem()))

    sig_ca, sig_key = _trusted_ca(
        services, admin, "Bidder Signing CA", profile=["uscc:serialNumber"]
    )
    for n in range(1, bidders + 1):
        name = f"投标人{n:03d}建设有限公司"
        org_id, uscc = org(100 + n, name, "bidder")
        username = f"bidder{n:03d}"
        user(username, "bidder", org_id)
        key = PrivateKey.generate("ec-p256")
        cert = issue_certificate(
            subject=[("C", "CN"), ("O", name), ("serialNumber", uscc), ("CN", name)],
            subject_key=key.public_key(),
            issuer=sig_ca,
            issuer_key=sig_key,
            not_before=START,
            not_after=END,
            key_usage={"digital_signature"},
            extended_key_usage={"client_auth", "email_protection"},
        )
        world.bidders.append(
            Bidder(
                username,
                uscc,
                org_id,
                _token(services, username),
                (cert.pem() + sig_ca.pem()).encode(),
                key.pkcs8_pem(),
            )
        )
    services.pki.platform_keys()  # made once here, not by the first upload
    return world


def publish_tender(services: Services, world: World, number: int) -> str:
    """A fresh engineering-open tender, published (its opening key made); its id."""
    from prex.tenders import service as tenders
    from prex.tenders.model import DocumentKind, EvaluationMethod, TransactionType

    actor = world.agency
    project = tenders.register_project(
        services.uow(actor),
        tenders.RegisterProject(
            name=f"杭州市第一中学体育馆改造工程（基准{number}）",
            transaction_type=TransactionType.ENGINEERING,
            region_code="330100",
            tenderer_org_id=world.tenderer_org_id,
            agency_org_id=world.agency_org_id,
            budget=Decimal("12500000.00"),
        ),
    )
    now = services.clock.now()
    tender = tenders.create_tender(
        services.uow(actor),
        services.rule_packs,
        tenders.CreateTender(
            project_id=project.id,
            title=f"杭州市第一中学体育馆改造工程施工招标（基准{number}）",
            description="本项目已具备招标条件，现对该项目的施工进行公开招标。",
            qualification="具备建筑工程施工总承包二级及以上资质。",
            evaluation_method=EvaluationMethod.COMPREHENSIVE,
            bid_deadline=now + timedelta(days=30),
            documents_until=now + timedelta(days=10),
            opening_place="杭州市公共资源交易中心 第3开标室",
            sections=[
                {
                    "name": "施工一标段",
                    "budget": Decimal("12500000.00"),
                    "ceiling_price": Decimal("12000000.00"),
                    "qualification": "",
                    "duration_days": 365,
                }
            ],
        ),
        sandbox_acceleration=services.settings.sandbox_acceleration,
    )
    document = tenders.store_upload(
        services.blobs,
        tenders.Upload("招标文件.txt", "text/plain", ["招标文件（基准）".encode()]),
        DocumentKind.TENDER_DOCUMENTS,
        services.settings.max_document_bytes,
        now,
    )
    tenders.attach_document(services.uow(actor), tender.id, document)
    tenders.publish_tender(services.uow(actor), services.rule_packs, tender.id)
    return tender.id


# ---------------------------------------------------------------------------------------------
# Sealing, in worker processes
# ---------------------------------------------------------------------------------------------


@dataclass
class Envelope:
    tender_id: str
    bidder: Bidder
    body: bytes
    sha256: str


def _seal_one(job: tuple[dict[str, Any], int, bytes, bytes, str, int, str]) -> str:
    """Seal one bid (in a worker): one document of ``size`` random bytes; the envelope's path."""
    from prex.envelope.parameters import TenderParameters
    from prex.sealing.client import BidForm, seal_bid

    params_json, index, cert_pem, key_pem, uscc, size, folder = job
    params = TenderParameters.from_json(params_json)
    document = Path(folder) / f"技术标-{index:04d}.bin"
    document.write_bytes(os.urandom(size))
    out = Path(folder) / f"bid-{index:04d}.env"
    try:
        seal_bid(
            params,
            section_id=None,
            form=BidForm.parse(f"{9_000_000 + 137 * index}.00", 365, "王工", "e_guarantee", "EG-1"),
            documents=[document],
            certificate_pem=cert_pem,
            key_pem=key_pem,
            out=out,
            now=datetime.now(UTC),
            bidder_uscc=uscc,
        )
    finally:
        document.unlink(missing_ok=True)
    return str(out)


def seal_envelopes(
    services: Services,
    tender_id: str,
    bidders: Sequence[Bidder],
    size: int,
    folder: Path,
    pool: ProcessPoolExecutor,
) -> list[Envelope]:
    """One envelope per bidder for the tender, read into memory (the files deleted)."""
    from prex.bidding.opening_keys import bid_parameters
    from prex.tenders.service import get_tender_for

    tender = get_tender_for(services.uow(actor_of(services, bidders[0].token)), tender_id)
    params = bid_parameters(services, tender).to_json()
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [
        (params, i, b.cert_pem, b.key_pem, b.uscc, size, str(folder)) for i, b in enumerate(bidders)
    ]
    envelopes = []
    for bidder, name in zip(bidders, pool.map(_seal_one, jobs), strict=True):
        path = Path(name)
        body = path.read_bytes()
        path.unlink()
        envelopes.append(Envelope(tender_id, bidder, body, hashlib.sha256(body).hexdigest()))
    return envelopes


# ---------------------------------------------------------------------------------------------
# The rush
# ---------------------------------------------------------------------------------------------


@dataclass
class Upload:
    request_head: bytes
    body: bytes
    check: Callable[[int, bytes], str | None]  # (status, body) → why it failed, or None


@dataclass
class Rush:
    seconds: float
    latencies_ms: list[float]
    total_bytes: int
    lost: list[str]
    server_cpu: float = 0.0  # CPU seconds of the server process during the rush
    client_cpu: float = 0.0  # of this process (the load generator)

    @property
    def throughput(self) -> float:
        return self.total_bytes / MB / self.seconds

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 99)


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (as numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    at = (len(ordered) - 1) * pct / 100
    low = math.floor(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def _head(port: int, path: str, length: int, headers: dict[str, str]) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {HOST}:{port}",
        "Content-Type: application/octet-stream",
        f"Content-Length: {length}",
        "Accept: application/json",
        "Connection: close",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _rush(port: int, uploads: Sequence[Upload], concurrency: int) -> tuple[float, list]:
    gate = asyncio.Semaphore(concurrency)
    clock = time.perf_counter

    async def one(upload: Upload) -> tuple[float, str | None]:
        async with gate:
            t0 = clock()
            try:
                reader, writer = await asyncio.open_connection(HOST, port)
                try:
                    writer.write(upload.request_head)
                    writer.write(upload.body)
                    await writer.drain()
                    answer = await reader.read()  # Connection: close — up to EOF
                finally:
                    writer.close()
            except OSError as exc:
                return clock() - t0, f"{type(exc).__name__}: {exc}"
            elapsed = clock() - t0
        head, _, body = answer.partition(b"\r\n\r\n")
        try:
            status = int(head.split(b" ", 2)[1])
        except (IndexError, ValueError):
            return elapsed, f"no HTTP answer: {answer[:200]!r}"
        try:
            return elapsed, upload.check(status, body)
        except ValueError:  # not JSON
            return elapsed, f"HTTP {status}: {body[:300]!r}"

    started = clock()
    outcomes = await asyncio.gather(*(one(u) for u in uploads))
    return clock() - started, outcomes


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    return stat[stat.rindex(")") + 2 :].split()


def _cpu_seconds(pid: int) -> float:
    """CPU seconds of the server: the process and its worker processes (``--workers``)."""
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(int(entry.name))[1]) == pid:
                    pids.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    total = 0
    for each in pids:
        try:
            fields = _stat(each)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def rush(server: Server, uploads: Sequence[Upload], concurrency: int) -> Rush:
    try:
        import uvloop

        runner: Callable[[Any], Any] = uvloop.run
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        runner = asyncio.run
    os.sync()  # the previous side's writes do not compete with this one
    server0, client0 = _cpu_seconds(server.process.pid), time.process_time()
    seconds, outcomes = runner(_rush(server.port, uploads, concurrency))
    return Rush(
        seconds,
        [1000 * s for s, _ in outcomes],
        sum(len(u.body) for u in uploads),
        [why for _, why in outcomes if why is not None],
        _cpu_seconds(server.process.pid) - server0,
        time.process_time() - client0,
    )


def ours_uploads(port: int, tender_id: str, envelopes: Sequence[Envelope], tag: str) -> list:
    def checker(env: Envelope) -> Callable[[int, bytes], str | None]:
        def check(status: int, body: bytes) -> str | None:
            who = env.bidder.username
            if status != 201:
                return f"{who}: HTTP {status}: {body[:300].decode(errors='replace')}"
            receipt = json.loads(body)
            if receipt.get("envelope_sha256") != env.sha256:
                return f"{who}: the receipt names {receipt.get('envelope_sha256')}"
            if receipt.get("envelope_bytes") != len(env.body):
                return f"{who}: the receipt says {receipt.get('envelope_bytes')} bytes"
            return None

        return check

    return [
        Upload(
            _head(
                port,
                f"/api/v1/tenders/{tender_id}/bids",
                len(env.body),
                {
                    "Authorization": f"Bearer {env.bidder.token}",
                    "Idempotency-Key": f"rush-{tag}-{env.bidder.username}",
                },
            ),
            env.body,
            checker(env),
        )
        for env in envelopes
    ]


def bare_uploads(port: int, envelopes: Sequence[Envelope]) -> list[Upload]:
    def check(status: int, body: bytes) -> str | None:
        if status != 200 or json.loads(body or b"null") != {"ok": True}:
            return f"bare: HTTP {status}: {body[:300].decode(errors='replace')}"
        return None

    return [Upload(_head(port, BARE_PATH, len(e.body), {}), e.body, check) for e in envelopes]


def check_ours(services: Services, tender_id: str, envelopes: Sequence[Envelope]) -> list[str]:
    """What the database lacks: exactly one live bid per bidder, with its envelope's digest."""
    from sqlalchemy import select

    from prex.bidding.orm import bids

    with services.read_session() as session:
        rows = session.execute(
            select(bids.c.bidder_org_id, bids.c.envelope_sha256).where(
                bids.c.tender_id == tender_id, bids.c.status == "live"
            )
        ).all()
    live = {}
    for org_id, sha in rows:
        live.setdefault(org_id, []).append(sha)
    problems = [
        f"{e.bidder.username}: live bids in the database {live.get(e.bidder.org_id, [])}"
        for e in envelopes
        if live.get(e.bidder.org_id) != [e.sha256]
    ]
    if len(rows) != len(envelopes):
        problems.append(f"{len(rows)} live bids in the database, not {len(envelopes)}")
    return problems


def check_bare(data_dir: Path, envelopes: Sequence[Envelope]) -> list[str]:
    """What the bare folder lacks (then it is emptied)."""
    folder = data_dir / BARE_DIR
    files = list(folder.glob("*.bin")) if folder.exists() else []
    sizes = sorted(f.stat().st_size for f in files)
    shutil.rmtree(folder, ignore_errors=True)
    if sizes != sorted(len(e.body) for e in envelopes):
        return [f"bare: {len(files)} files of {sum(sizes)} bytes on disk"]
    return []


# ---------------------------------------------------------------------------------------------
# Where ours goes: receive_envelope's stages, in-process
# ---------------------------------------------------------------------------------------------

STAGES = {
    "spool": "spool the body, hashing file + payload",
    "digest": "SHA-256 of the file (standalone)",
    "read": "container.read (structure)",
    "check": "container.check (CMS; digest from spool)",
    "verify": "pki.verify (path, CRL)",
    "lookup": "idempotency lookup + tender load",
    "blob": "blobs.adopt (fsync + rename into the store)",
    "sign": "receipt: CMS signature",
    "stamp": "receipt: RFC 3161 timestamp",
    "commit": "db write: audit append + commit",
    "rest": "the rest (digest, reads, inserts)",
    "total": "receive_envelope + spool, in all",
}


def stage_timing(services: Services, envelopes: Sequence[Envelope]) -> dict[str, float]:
    """Median seconds per stage over ``envelopes`` (all for one fresh tender), submitted one
    after another in this process through ``receive_envelope``, its callees wrapped by timers."""
    from prex.bidding import submissions
    from prex.db.uow import SqlUnitOfWork
    from prex.envelope import container

    times: dict[str, float] = {}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                times[name] = times.get(name, 0.0) + time.perf_counter() - t

        return wrapper

    saved = (container.read, container.check, submissions._receipt, submissions.sign_detached,
             submissions._by_key, submissions.get_tender_for, SqlUnitOfWork.commit)  # fmt: skip
    pki, blobs = services.pki, services.blobs
    per: dict[str, list[float]] = {k: [] for k in STAGES}
    container.read = timed("read", container.read)
    container.check = timed("check", container.check)
    submissions._receipt = timed("receipt", submissions._receipt)
    submissions.sign_detached = timed("sign", submissions.sign_detached)
    submissions._by_key = timed("lookup", submissions._by_key)
    submissions.get_tender_for = timed("lookup", submissions.get_tender_for)
    SqlUnitOfWork.commit = timed("commit", SqlUnitOfWork.commit)  # type: ignore[method-assign]
    pki.verify = timed("verify", pki.verify)  # type: ignore[method-assign]
    blobs.adopt = timed("blob", blobs.adopt)  # type: ignore[method-assign]
    try:
        for env in envelopes:
            actor = actor_of(services, env.bidder.token)
            times.clear()
            t0 = time.perf_counter()
            path = services.blobs.spool_path()
            spooled = container.Digester()
            with path.open("wb") as out:  # as the endpoint does: hash while spooling
                for at in range(0, len(env.body), 65536):
                    spooled.update(env.body[at : at + 65536])
                    out.write(env.body[at : at + 65536])
            t1 = time.perf_counter()
            received = submissions.receive_envelope(
                services.uow(actor),
                services,
                tender_id=env.tender_id,
                idempotency_key=f"stage-{env.bidder.username}",
                upload=path,
                digest=(spooled.whole.hexdigest(), len(env.body)),
                payload_sha256=spooled.payload_sha256,
            )
            t2 = time.perf_counter()
            path.unlink(missing_ok=True)  # kept: moved into the blob store
            assert received.receipt["envelope_sha256"] == env.sha256
            t = time.perf_counter()
            hashlib.sha256(env.body).hexdigest()
            digest = time.perf_counter() - t
            known = {
                k: times.get(k, 0.0)
                for k in ("read", "check", "verify", "lookup", "blob", "sign", "commit")
            }
            known["stamp"] = times.get("receipt", 0.0) - known["sign"]
            per["spool"].append(t1 - t0)
            per["digest"].append(digest)
            for k, v in known.items():
                per[k].append(v)
            per["rest"].append(t2 - t1 - sum(known.values()))
            per["total"].append(t2 - t0)
    finally:
        (container.read, container.check, submissions._receipt, submissions.sign_detached,
         submissions._by_key, submissions.get_tender_for, SqlUnitOfWork.commit) = saved  # fmt: skip
        del pki.verify, blobs.adopt  # back to the class's methods
    return {k: statistics.median(v) for k, v in per.items()}


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def fmt(value: float) -> str:
    """At least three significant figures, one decimal at least (no exponent)."""
    if value >= 10:
        return f"{value:.1f}"
    if value <= 0:
        return "0"
    return f"{value:.{max(2, 2 - math.floor(math.log10(value)))}f}"


@dataclass
class Outcome:
    backend: str
    bidders: int
    size: int
    ours: list[Rush] = field(default_factory=list)
    base: list[Rush] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)
    setup_seconds: float = 0.0

    @property
    def lost(self) -> int:
        return sum(len(r.lost) for r in self.ours + self.base)


def _median(rushes: Sequence[Rush], what: str) -> float:
    return statistics.median(getattr(r, what) for r in rushes)


def report(outcomes: Sequence[Outcome], args: argparse.Namespace) -> None:
    for o in outcomes:
        print()
        print(
            f"{o.backend}: deadline rush, {o.bidders} bidders x {o.size / MB:g} MB documents "
            f"({o.ours[0].total_bytes / MB:.1f} MB of envelopes a rush), concurrency "
            f"{min(args.concurrency or o.bidders, o.bidders)}, {len(o.ours)} round(s); medians "
            f"over rounds; setup {o.setup_seconds:.0f} s; {os.cpu_count()} CPUs"
        )
        print(
            f"  {'':<26}{'MB/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'lost':>5}"
            f"{'server CPU s':>14}{'client CPU s':>14}"
        )
        for label, rushes in (("prex POST .../bids", o.ours), ("bare upload (baseline)", o.base)):
            print(
                f"  {label:<26}{fmt(_median(rushes, 'throughput')):>9}"
                f"{fmt(statistics.median(percentile(r.latencies_ms, 50) for r in rushes)):>9}"
                f"{fmt(_median(rushes, 'p99')):>9}"
                f"{fmt(statistics.median(max(r.latencies_ms) for r in rushes)):>9}"
                f"{sum(len(r.lost) for r in rushes):>5}"
                f"{fmt(_median(rushes, 'server_cpu')):>14}{fmt(_median(rushes, 'client_cpu')):>14}"
            )
        for r in o.ours + o.base:
            for why in r.lost[:10]:
                print(f"  LOST {why}")
        if o.stages:
            total = o.stages["total"]
            print(
                f"  where one upload goes, in-process, one at a time (median of "
                f"{args.stage_envelopes} envelopes):"
            )
            for key, label in STAGES.items():
                value = o.stages[key]
                print(f"    {label:<42}{fmt(1000 * value):>9} ms{100 * value / total:>7.1f} %")
    print()
    for o in outcomes:
        ours_rate, base_rate = _median(o.ours, "throughput"), _median(o.base, "throughput")
        ours_p99 = _median(o.ours, "p99")
        ratio = ours_rate / base_rate
        met = o.lost == 0 and ratio >= THROUGHPUT_AIM and ours_p99 < P99_AIM_MS
        print(
            f"{o.backend}: lost uploads: {o.lost}; throughput {ratio:.2f}x the baseline's "
            f"(aim ≥ {THROUGHPUT_AIM:g}), p99 {fmt(ours_p99)} ms (aim < {P99_AIM_MS:g} ms): "
            f"aims {'met' if met else 'MISSED'}"
        )
    for o in outcomes:
        prefix = "deadline_rush" if o.backend == "sqlite" else f"deadline_rush_{o.backend}"
        ours_rate, base_rate = _median(o.ours, "throughput"), _median(o.base, "throughput")
        ours_p99, base_p99 = _median(o.ours, "p99"), _median(o.base, "p99")
        print(
            f"RESULT {prefix}_throughput ours={fmt(ours_rate)}MB/s baseline={fmt(base_rate)}MB/s "
            f"ratio={ours_rate / base_rate:.2f}"
        )
        print(
            f"RESULT {prefix}_p99 ours={fmt(ours_p99)}ms baseline={fmt(base_p99)}ms "
            f"ratio={ours_p99 / base_p99:.2f}"
        )


# ---------------------------------------------------------------------------------------------
# One database
# ---------------------------------------------------------------------------------------------


def bench_backend(backend: str, url: str, data_dir: Path, args: argparse.Namespace) -> Outcome:
    from prex.bootstrap import bootstrap
    from prex.config import get_settings
    from prex.db.migrate import upgrade

    say = print
    size = int(args.size_mb * MB)
    outcome = Outcome(backend, args.bidders, size)
    started = time.perf_counter()
    upgrade(url)
    settings = get_settings(data_dir=data_dir, database_url=url, password_hashing="fast")
    services = bootstrap(settings)
    pool = ProcessPoolExecutor(max_workers=args.workers)
    server: Server | None = None
    try:
        say(f"[{backend}] setting up {args.bidders} bidders …", flush=True)
        world = setup_world(services, args.bidders)
        outcome.setup_seconds = time.perf_counter() - started
        say(f"[{backend}] set up in {outcome.setup_seconds:.1f} s", flush=True)
        server = start_server(data_dir, url, args.server_workers)
        spool = data_dir / "sealing"
        # Warm-up (not counted): one upload to each side, so that round 1 does not pay for the
        # server's first request (imports, the trust list and platform keys loaded, pools).
        warm = seal_envelopes(
            services, publish_tender(services, world, 0), world.bidders[:1], size, spool, pool
        )
        for uploads in (ours_uploads(server.port, warm[0].tender_id, warm, "warm"),
                        bare_uploads(server.port, warm)):  # fmt: skip
            if lost := rush(server, uploads, 1).lost:
                raise RuntimeError(f"the warm-up upload failed: {lost}")
        check_bare(data_dir, warm)
        rounds_started = time.perf_counter()
        for r in range(args.rounds):
            t_round = time.perf_counter()
            tender_id = publish_tender(services, world, r + 1)
            envelopes = seal_envelopes(services, tender_id, world.bidders, size, spool, pool)
            sealed = time.perf_counter() - t_round
            in_flight = args.concurrency or len(envelopes)
            for side in ("base", "ours") if r % 2 else ("ours", "base"):
                if side == "ours":
                    uploads = ours_uploads(server.port, tender_id, envelopes, str(r))
                    result = rush(server, uploads, in_flight)
                    result.lost += check_ours(services, tender_id, envelopes)
                    outcome.ours.append(result)
                else:
                    result = rush(server, bare_uploads(server.port, envelopes), in_flight)
                    result.lost += check_bare(data_dir, envelopes)
                    outcome.base.append(result)
            o, b = outcome.ours[-1], outcome.base[-1]
            say(
                f"[{backend}] round {r + 1}: sealed {len(envelopes)} in {sealed:.1f} s; "
                f"ours {fmt(o.throughput)} MB/s p99 {fmt(o.p99)} ms lost {len(o.lost)}; "
                f"baseline {fmt(b.throughput)} MB/s p99 {fmt(b.p99)} ms lost {len(b.lost)}",
                flush=True,
            )
            spent = time.perf_counter() - rounds_started
            if spent + (time.perf_counter() - t_round) > args.budget:
                break
        server.stop()
        server = None
        # Where ours goes: a few envelopes through receive_envelope in this process.
        count = min(args.stage_envelopes, len(world.bidders))
        tender_id = publish_tender(services, world, args.rounds + 1)
        envelopes = seal_envelopes(services, tender_id, world.bidders[:count], size, spool, pool)
        outcome.stages = stage_timing(services, envelopes)
    finally:
        if server is not None:
            server.stop()
        pool.shutdown()
        services.close()
    return outcome


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small and short")
    parser.add_argument("--bidders", type=int, help="bidders, one envelope each (200; quick 6)")
    parser.add_argument("--size-mb", type=float, help="document size in MB (5; quick 0.2)")
    parser.add_argument("--concurrency", type=int, help="uploads in flight (all of them)")
    parser.add_argument("--rounds", type=int, help="at most this many rounds (9; quick 2)")
    parser.add_argument("--budget", type=float, help="seconds for the rounds (180; quick 60)")
    parser.add_argument("--stage-envelopes", type=int, help="stage timing over (8; quick 3)")
    parser.add_argument("--workers", type=int, help="sealing processes (the CPUs)")
    parser.add_argument(
        "--server-workers", type=int, help="server processes, as `prex serve --workers` (the CPUs)"
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also PostgreSQL: an admin URL; the benchmark creates and drops a database beside it",
    )
    args = parser.parse_args(argv)
    for name, full, small in (
        ("bidders", 200, 6),
        ("size_mb", 5.0, 0.2),
        ("rounds", 9, 2),
        ("budget", 180.0, 60.0),
        ("stage_envelopes", 8, 3),
    ):
        if getattr(args, name) is None:
            setattr(args, name, small if args.quick else full)
    if args.workers is None:
        args.workers = os.cpu_count() or 1
    if args.server_workers is None:
        args.server_workers = os.cpu_count() or 1
    if args.bidders < 1 or args.size_mb <= 0 or args.rounds < 1 or args.stage_envelopes < 1:
        parser.error("at least 1 bidder, 1 round and 1 stage envelope, and a positive size")
    return args


def _postgres(admin_url: str) -> tuple[str, Callable[[], None]]:
    """A fresh database beside ``admin_url``, and its dropper."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from prex.db.engine import normalise_url

    base = make_url(normalise_url(admin_url))
    name = f"prex_bench_rush_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    outcomes = []
    data_dir = Path(tempfile.mkdtemp(prefix="prex-bench-rush-sqlite-"))
    try:
        outcomes.append(
            bench_backend("sqlite", f"sqlite:///{data_dir / 'prex.db'}", data_dir, args)
        )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    if args.postgres:
        url, drop = _postgres(args.postgres)
        data_dir = Path(tempfile.mkdtemp(prefix="prex-bench-rush-pg-"))
        try:
            outcomes.append(bench_backend("postgresql", url, data_dir, args))
        finally:
            drop()
            shutil.rmtree(data_dir, ignore_errors=True)
    report(outcomes, args)
    return 0 if all(o.lost == 0 for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
