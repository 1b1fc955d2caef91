"""Portal list and search API under load: 100,000 tenders, 50 concurrent clients.

Measures ``GET /api/v1/tenders`` served by the real application, started as operators start it
(``prex serve --workers N`` in a subprocess), on SQLite and on PostgreSQL, against a baseline
that runs the very same SQL (the page query of ``prex.tenders.queries.list_public_tenders``,
captured as the driver receives it) straight through the driver (sqlite3 / psycopg) from 50
threads with a connection each.

    .venv/bin/python bench/portal.py              # 100,000 tenders, both databases
    .venv/bin/python bench/portal.py --quick      # smoke run: 2,000 tenders, a few hundred requests
    .venv/bin/python bench/portal.py --no-postgres --workers 2

The load is closed-loop: 50 keep-alive HTTP/1.1 clients (a small asyncio client in this file,
so that the generator costs little CPU) each send their next request as soon as the previous
answer is read, cycling through a fixed mix of portal queries. Every latency is recorded; a
figure is the median over rounds of that round's median (or p99). One client alone (and one
baseline thread) is measured too: the stack's own cost per request, without queueing. It
ends, as every benchmark here does, with one line per figure:

    RESULT <name> ours=<number><unit> baseline=<number><unit> ratio=<ours/baseline>
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import itertools
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HOST = "127.0.0.1"
API = "/api/v1/tenders"
DEFAULT_PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
# Publication dates run over the two years before this instant.
NOW = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
SPAN_DAYS = 730
COMMON_TERM = "工程"
RARE_TERM = "量子通信"


# ---------------------------------------------------------------------------------------------
# Seed: realistic tenders straight into the tables (SQLAlchemy Core, in batches)
# ---------------------------------------------------------------------------------------------

PLACES = {
    "330000": "浙江省",
    "330100": "杭州市",
    "330102": "杭州市上城区",
    "330105": "杭州市拱墅区",
    "330106": "杭州市西湖区",
    "330108": "杭州市滨江区",
    "330110": "杭州市余杭区",
    "330200": "宁波市",
    "330203": "宁波市海曙区",
    "330205": "宁波市江北区",
    "330206": "宁波市北仑区",
    "330211": "宁波市镇海区",
    "330300": "温州市",
    "330302": "温州市鹿城区",
    "330303": "温州市龙湾区",
    "330304": "温州市瓯海区",
    "330324": "温州市永嘉县",
}
# Province 8 %, each city's own level 8 %, the counties share the rest.
REGION_WEIGHTS = {code: (8 if code.endswith("00") else 5) for code in PLACES}
SUBJECTS = [
    "文一路", "滨江大道", "环城北路", "第二中学", "实验小学", "人民医院", "中医院", "体育中心",
    "污水处理厂", "城市公园", "河道", "安置房", "综合管廊", "老旧小区", "农贸市场", "图书馆",
    "高速连接线", "轨道交通站点", "供水管网", "海塘", "文化中心", "产业园", "停车场", "桥梁",
]  # fmt: skip
ACTIONS = ["新建", "改造", "提升", "扩建", "修缮", "整治", "维修", "改扩建"]
PHASES = ["施工", "监理", "设计", "勘察设计", "EPC总承包", "施工总承包", "全过程咨询"]
BUYERS = [
    "教育局", "卫生健康委员会", "公安局", "人民医院", "第一中学", "大数据发展管理局",
    "交通运输局", "城市管理局", "市场监督管理局", "自然资源和规划局", "应急管理局", "图书馆",
]  # fmt: skip
ITEMS = [
    "办公家具", "医疗设备", "信息化系统", "物业管理服务", "公务用车", "食材配送服务",
    "安保服务", "网络安全设备", "教学设备", "保洁服务", "云计算服务", "印刷服务",
    "视频监控系统", "检测设备", "绿化养护服务", "档案数字化服务",
]  # fmt: skip
# Words that occur in a few titles in ten thousand: a selective text search.
RARE_SUBJECTS = [RARE_TERM + "网络", "深海探测平台", "氢能加注站"]
QUALIFICATIONS = [
    "投标人须具备建筑工程施工总承包二级及以上资质，并具有有效的安全生产许可证。",
    "投标人须具备市政公用工程施工总承包三级及以上资质。",
    "投标人须具有独立承担民事责任的能力，具有良好的商业信誉和健全的财务会计制度。",
    "本项目不接受联合体投标；投标人近三年内无重大违法记录。",
]
STATUS_BY_AGE = [  # (max age in days, [(status, weight)])
    (20, [("published", 97), ("cancelled", 3)]),
    (27, [("opening", 10), ("evaluation", 85), ("cancelled", 5)]),
    (35, [("publicity", 90), ("failed", 10)]),
    (60, [("awarded", 92), ("failed", 6), ("cancelled", 2)]),
    (10**6, [("complete", 85), ("failed", 8), ("cancelled", 4), ("awarded", 3)]),
]
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _ulid(at: datetime, rng: random.Random) -> str:
    value = int(at.timestamp() * 1000) << 80 | rng.getrandbits(80)
    chars = []
    for _ in range(26):
        value, rem = divmod(value, 32)
        chars.append(_CROCKFORD[rem])
    return "".join(reversed(chars))


def _pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _title(rng: random.Random, kind: str, place: str) -> tuple[str, str]:
    """A tender title and its one section's name."""
    rare = rng.random() < 0.0006
    if kind == "engineering":
        subject = rng.choice(RARE_SUBJECTS) if rare else rng.choice(SUBJECTS)
        action, phase = rng.choice(ACTIONS), rng.choice(PHASES)
        return f"{place}{subject}{action}工程{phase}", f"{subject}{action}工程{phase}一标段"
    buyer = rng.choice(BUYERS)
    item = rng.choice(RARE_SUBJECTS) + "设备" if rare else rng.choice(ITEMS)
    year = rng.choice(["2024年度", "2025年度", "2026年度", ""])
    return f"{place}{buyer}{year}{item}采购项目", f"第1包：{item}"


@dataclass
class Orgs:
    centre_id: str
    tenderers: list[tuple[str, str]]  # (org id, USCC)
    agencies: list[str]


def _orgs(rng: random.Random) -> Orgs:
    from prex.identity.uscc import make_uscc

    codes = [c for c in PLACES if not c.endswith("0000")]
    tenderers = [
        (_ulid(NOW - timedelta(days=900), rng), make_uscc(f"11{rng.choice(codes)}{n:09d}"))
        for n in range(1, 1501)
    ]
    agencies = [_ulid(NOW - timedelta(days=900), rng) for _ in range(120)]
    return Orgs(_ulid(NOW - timedelta(days=1000), rng), tenderers, agencies)


def tender_rows(n: int, seed: int = 20260301) -> Iterator[tuple[dict[str, Any], ...]]:
    """``n`` (project, tender, section) rows, deterministic for a seed."""
    from prex.tenders.deal_code import make_deal_code

    rng = random.Random(seed)
    orgs = _orgs(rng)
    regions = list(REGION_WEIGHTS.items())
    serials: dict[tuple[str, Any], int] = {}
    # Rows arrive as tenders are published, so that the table's physical order follows
    # publication (as in a real database) and not a random shuffle of it.
    moments = sorted(rng.randrange(SPAN_DAYS * 86400) for _ in range(n))
    for offset in reversed(moments):
        kind = "engineering" if rng.random() < 0.55 else "procurement"
        method = "open" if rng.random() < 0.85 else "invited"
        region = _pick(rng, regions)
        place = PLACES[region]
        published = NOW - timedelta(seconds=offset)
        created = published - timedelta(days=rng.randint(1, 10), seconds=rng.randrange(86400))
        age = (NOW - published).days
        status = _pick(rng, next(s for limit, s in STATUS_BY_AGE if age < limit))
        changed = min(NOW, published + timedelta(days={"published": 0}.get(status, min(age, 40))))
        deadline = published + timedelta(days=rng.randint(20, 35), hours=rng.randint(0, 8))
        tenderer_id, uscc = rng.choice(orgs.tenderers)
        agency = rng.choice(orgs.agencies) if rng.random() < 0.7 else None
        key = (uscc, created.date())
        serials[key] = serial = serials.get(key, 0) + 1
        deal_code = make_deal_code(uscc, created.date(), serial)
        title, section_name = _title(rng, kind, place)
        fen = rng.randrange(5_000_000, 20_000_000_000 if kind == "engineering" else 2_000_000_000)
        budget = Decimal(fen) / 100
        project_id, tender_id = _ulid(created, rng), _ulid(created, rng)
        invitees = [rng.choice(orgs.tenderers)[0] for _ in range(3)] if method == "invited" else []
        project = {
            "id": project_id,
            "deal_code": deal_code,
            "name": title,
            "transaction_type": kind,
            "centre_id": orgs.centre_id,
            "region_code": region,
            "tenderer_org_id": tenderer_id,
            "agency_org_id": agency,
            "budget": budget,
            "funding_source": rng.choice(
                ["财政资金", "自筹资金", "专项债券", "财政资金和自筹资金"]
            ),
            "approval_ref": f"{place}发改投资〔{created.year}〕{rng.randint(1, 999)}号",
            "sandbox": False,
            "created_at": created,
        }
        tender = {
            "id": tender_id,
            "project_id": project_id,
            "deal_code": deal_code,
            "centre_id": orgs.centre_id,
            "region_code": region,
            "transaction_type": kind,
            "method": method,
            "rule_pack_id": f"{kind}-{method}",
            "tenderer_org_id": tenderer_id,
            "agency_org_id": agency,
            "title": title,
            "description": (
                f"{title}。本项目位于{place}，已由有关部门批准，资金来源为"
                f"{project['funding_source']}，项目出资比例为100%。招标人为本项目依法组织"
                f"{'公开' if method == 'open' else '邀请'}招标，欢迎符合条件的投标人参加投标。"
                f"最高投标限价{budget}元。"
            ),
            "qualification": rng.choice(QUALIFICATIONS),
            "evaluation_method": rng.choice(["comprehensive_scoring", "lowest_evaluated_price"]),
            "bid_deadline": deadline,
            "documents_from": published,
            "documents_until": published + timedelta(days=rng.randint(5, 10)),
            "opening_place": f"{place[:3]}公共资源交易中心第{rng.randint(1, 6)}开标室",
            "invitee_org_ids": invitees,
            "sandbox": False,
            "sandbox_epoch": None,
            "acceleration": 1,
            "created_at": created,
            "status": status,
            "published_at": published,
            "status_changed_at": changed,
            "status_note": "",
            "next_check": deadline if status == "published" else None,
            "total_budget": budget,
            "search_text": " ".join([title, deal_code, section_name]),
            "version": 1,
        }
        section = {
            "id": _ulid(created, rng),
            "tender_id": tender_id,
            "number": 1,
            "name": section_name,
            "budget": budget,
            "ceiling_price": budget if rng.random() < 0.5 else None,
            "qualification": tender["qualification"],
            "duration_days": rng.choice([None, 90, 180, 365, 730]),
        }
        yield project, tender, section


def seed(url: str, n: int, *, batch: int = 5000) -> float:
    """Migrate ``url`` and insert ``n`` tenders; returns the seconds it took."""
    from sqlalchemy import create_engine, text

    from prex.db.engine import normalise_url
    from prex.db.migrate import upgrade
    from prex.tenders.orm import projects, sections, tenders

    started = time.perf_counter()
    upgrade(url)
    engine = create_engine(normalise_url(url))
    rows = tender_rows(n)
    with engine.begin() as conn:
        while chunk := list(itertools.islice(rows, batch)):
            conn.execute(projects.insert(), [p for p, _, _ in chunk])
            conn.execute(tenders.insert(), [t for _, t, _ in chunk])
            conn.execute(sections.insert(), [s for _, _, s in chunk])
    if engine.dialect.name == "postgresql":
        # What autovacuum does to a table this size within a minute of loading it.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE projects, tenders, tender_sections"))
    else:
        with engine.begin() as conn:
            conn.execute(text("PRAGMA journal_mode=WAL"))
    engine.dispose()
    return time.perf_counter() - started


# ---------------------------------------------------------------------------------------------
# The query mix
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    name: str
    params: dict[str, str]

    @property
    def path(self) -> str:
        return f"{API}?{urlencode(self.params)}" if self.params else API


def query_mix(second_page_cursor: str) -> list[Query]:
    return [
        Query("first_page", {}),
        Query("type", {"transaction_type": "engineering"}),
        Query("province", {"region": "330000"}),
        Query("city", {"region": "330200"}),
        Query("status", {"status": "published"}),
        Query(
            "date_range",
            {"published_from": "2025-01-01T00:00:00Z", "published_to": "2025-01-31T23:59:59Z"},
        ),
        Query("q_common", {"q": COMMON_TERM}),
        Query("q_rare", {"q": RARE_TERM}),
        Query("second_page", {"cursor": second_page_cursor}),
    ]


def filter_of(query: Query) -> tuple[Any, str | None, int]:
    """The ``TenderFilter``, cursor and limit that the endpoint builds from these parameters."""
    from prex.tenders.model import TenderStatus, TransactionType
    from prex.tenders.queries import TenderFilter

    p = query.params

    def when(name: str) -> datetime | None:
        return datetime.fromisoformat(p[name]) if name in p else None

    flt = TenderFilter(
        transaction_type=TransactionType(p["transaction_type"])
        if "transaction_type" in p
        else None,
        region=p.get("region"),
        status=TenderStatus(p["status"]) if "status" in p else None,
        published_from=when("published_from"),
        published_to=when("published_to"),
        text=p["q"].strip() if p.get("q", "").strip() else None,
    )
    return flt, p.get("cursor"), int(p.get("limit", "20"))


@dataclass(frozen=True)
class DriverStatement:
    sql: str
    params: Any


def driver_statements(url: str, mix: Sequence[Query]) -> list[DriverStatement]:
    """Each query's page SQL and parameters exactly as SQLAlchemy hands them to the driver.

    They are captured from ``list_public_tenders`` (what the endpoint calls, which builds the
    page with ``list_query``), so that the baseline follows any change of plan it makes."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from prex.db.engine import make_engines
    from prex.tenders.queries import list_public_tenders

    engines = make_engines(url, pool_size=1)
    captured: list[DriverStatement] = []

    def capture(_conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            captured.append(DriverStatement(sql, params))

    event.listen(engines.reader, "before_cursor_execute", capture)
    statements = []
    with Session(engines.reader) as session:
        for query in mix:
            flt, cursor, limit = filter_of(query)
            list_public_tenders(session, flt, limit=limit, cursor=cursor)
            statements.append(captured[-1])  # the page (after any probe)
    engines.dispose()
    return statements


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------


@dataclass
class Round:
    latencies: list[tuple[int, int]]  # (query index in the mix, nanoseconds)
    seconds: float
    errors: int = 0
    server_cpu: float = 0.0  # seconds of CPU the server processes used
    busy: float = 0.0  # share of the machine's CPU in use during the round

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def ms(self, query: int | None = None) -> list[float]:
        return sorted(ns / 1e6 for q, ns in self.latencies if query is None or q == query)


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


@dataclass
class Series:
    """Repeated rounds of one configuration; figures are medians over rounds."""

    label: str
    rounds: list[Round] = field(default_factory=list)

    def figure(self, p: float, query: int | None = None) -> float:
        return statistics.median(percentile(r.ms(query), p) for r in self.rounds)

    @property
    def median(self) -> float:
        return self.figure(50)

    @property
    def p99(self) -> float:
        return self.figure(99)

    @property
    def throughput(self) -> float:
        return statistics.median(r.throughput for r in self.rounds)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.rounds)

    @property
    def cpu_per_request(self) -> float:
        return statistics.median(1000 * r.server_cpu / len(r.latencies) for r in self.rounds)

    @property
    def busy(self) -> float:
        return statistics.median(r.busy for r in self.rounds)


def _machine_busy() -> tuple[int, int]:
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def _tree_cpu(root: int) -> float:
    """CPU seconds (user + system) of a process and its descendants."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, int] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        cpu[pid] = int(fields[11]) + int(fields[12])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total / tick


class Measure:
    """Wall time, the machine's busy share and a process tree's CPU around a round."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid

    def __enter__(self) -> Measure:
        self.cpu0 = _tree_cpu(self.pid) if self.pid else 0.0
        self.busy0 = _machine_busy()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.seconds = time.perf_counter() - self.t0
        busy1 = _machine_busy()
        self.busy = (busy1[0] - self.busy0[0]) / max(1, busy1[1] - self.busy0[1])
        self.cpu = (_tree_cpu(self.pid) - self.cpu0) if self.pid else 0.0


async def _http_clients(
    port: int, requests: Sequence[bytes], total: int, clients: int
) -> tuple[list[tuple[int, int]], int]:
    """Closed loop: ``clients`` keep-alive connections, ``total`` requests over the mix."""
    counter = itertools.count()
    latencies: list[tuple[int, int]] = []
    errors = 0
    n = len(requests)
    clock = time.perf_counter_ns

    async def client() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while (i := next(counter)) < total:
                q = i % n
                t0 = clock()
                writer.write(requests[q])
                head = await reader.readuntil(b"\r\n\r\n")
                at = head.lower().find(b"\r\ncontent-length:")
                if at < 0:
                    raise RuntimeError(f"no Content-Length in {head!r}")
                end = head.index(b"\r\n", at + 2)
                await reader.readexactly(int(head[at + 17 : end]))
                latencies.append((q, clock() - t0))
                if head[9:12] != b"200":
                    errors += 1
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, errors


def run_http(port: int, server_pid: int, mix: Sequence[Query], total: int, clients: int) -> Round:
    requests = [
        f"GET {q.path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: application/json\r\n\r\n".encode()
        for q in mix
    ]
    try:
        import uvloop

        runner: Callable[[Any], Any] = uvloop.run
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        runner = asyncio.run
    with Measure(server_pid) as m:
        latencies, errors = runner(_http_clients(port, requests, total, clients))
    return Round(latencies, m.seconds, errors, m.cpu, m.busy)


class DriverPool:
    """One DBAPI connection per baseline thread, kept across rounds (as the app's pool is)."""

    def __init__(self, url: str, size: int) -> None:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            import sqlite3

            def connect() -> Any:
                conn = sqlite3.connect(
                    parsed.database, check_same_thread=False, isolation_level=None, timeout=30
                )
                conn.execute("PRAGMA busy_timeout=30000")
                return conn

        else:
            import psycopg

            conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)

            def connect() -> Any:
                return psycopg.connect(conninfo, autocommit=True)

        self.connections = [connect() for _ in range(size)]

    def close(self) -> None:
        for conn in self.connections:
            conn.close()


def run_driver(
    pool: DriverPool, statements: Sequence[DriverStatement], total: int, threads: int = 0
) -> Round:
    """The baseline: the same statements, closed loop, one thread per connection (all of the
    pool's connections, or the first ``threads``)."""
    counter = itertools.count()
    n = len(statements)
    connections = pool.connections[: threads or None]
    per_thread: list[list[tuple[int, int]]] = [[] for _ in connections]
    start = threading.Barrier(len(connections) + 1)
    clock = time.perf_counter_ns

    def work(conn: Any, out: list[tuple[int, int]]) -> None:
        cursor = conn.cursor()
        start.wait()
        while (i := next(counter)) < total:
            q = i % n
            t0 = clock()
            cursor.execute(statements[q].sql, statements[q].params)
            cursor.fetchall()
            out.append((q, clock() - t0))
        cursor.close()

    threads = [
        threading.Thread(target=work, args=(conn, out), daemon=True)
        for conn, out in zip(connections, per_thread, strict=True)
    ]
    for t in threads:
        t.start()
    with Measure(None) as m:
        start.wait()
        for t in threads:
            t.join()
    return Round([x for out in per_thread for x in out], m.seconds, 0, 0.0, m.busy)


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def http_get(port: int, path: str, timeout: float = 30) -> tuple[int, Any]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": "application/json"})
        response = conn.getresponse()
        body = response.read()
        return response.status, json.loads(body) if body else None
    finally:
        conn.close()


class Server:
    """The real server, as operators start it: ``prex serve --workers N`` in a subprocess (its
    own process group), configured through ``PREX_DATA_DIR`` and ``PREX_DATABASE_URL``.

    ``factory`` (``module:callable``, importable from ``app_dir``) serves another application
    factory through ``uvicorn --factory`` instead: for experiments, never for the figures."""

    def __init__(
        self,
        data_dir: Path,
        url: str,
        workers: int,
        factory: str | None = None,
        app_dir: Path | None = None,
        port: int | None = None,
    ) -> None:
        self.port = port or _free_port()  # a given port: a restart where clients expect it
        env = dict(os.environ, PREX_DATA_DIR=str(data_dir), PREX_DATABASE_URL=url)
        env.pop("PREX_ENVIRONMENT", None)
        # All simulated clients share one address: lift the search's per-caller budget
        # (prex.web.ratelimits), which would otherwise measure the limiter.
        env.setdefault("PREX_RATE_LIMITS", json.dumps({"tenders_list_tenders": "1000000/1000000"}))
        address = ["--host", HOST, "--port", str(self.port), "--workers", str(workers)]
        if factory is None:
            command = [sys.executable, "-m", "prex.cli.main", "serve", *address]
        else:
            command = [
                sys.executable, "-m", "uvicorn", factory, "--factory",
                "--app-dir", str(app_dir or Path.cwd()), *address,
                "--no-access-log", "--log-level", "warning",
                "--ws-per-message-deflate", "false",  # as `prex serve` runs
            ]  # fmt: skip
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command,
            cwd=data_dir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.output()}")
            try:
                if http_get(self.port, "/api/v1/health", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not answer within 60 s:\n{self.output()}")
            time.sleep(0.2)
        if workers > 1:  # let every worker finish importing the app
            time.sleep(1.0)

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.log.close()


# ---------------------------------------------------------------------------------------------
# One database
# ---------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    backend: str
    tenders: int
    seed_seconds: float
    mix: list[Query]
    ours: dict[int, Series]  # by worker count
    baseline: Series
    serial: Series  # one client at a time: the stack's own cost, without queueing
    serial_baseline: Series

    @property
    def best_workers(self) -> int:
        return min(self.ours, key=lambda w: (self.ours[w].p99, w))


def check_same_answers(port: int, mix: Sequence[Query], statements: Sequence[DriverStatement],
                       pool: DriverPool) -> None:  # fmt: skip
    """Each query of the mix gives over HTTP the ids the bare SQL gives (and at least one)."""
    conn = pool.connections[0]
    for query, stmt in zip(mix, statements, strict=True):
        status, body = http_get(port, query.path)
        if status != 200:
            raise RuntimeError(f"{query.name}: HTTP {status}: {body}")
        cursor = conn.cursor()
        cursor.execute(stmt.sql, stmt.params)
        ids = [row[0] for row in cursor.fetchall()][:20]
        cursor.close()
        if [item["id"] for item in body["items"]] != ids:
            raise RuntimeError(f"{query.name}: the API and the bare SQL disagree")
        if not ids and query.name != "q_rare":
            raise RuntimeError(f"{query.name}: no rows; the seed does not exercise it")


def bench_backend(backend: str, url: str, data_dir: Path, args: argparse.Namespace) -> Outcome:
    say = print
    say(f"[{backend}] seeding {args.tenders:,} tenders …", flush=True)
    seed_seconds = seed(url, args.tenders)
    say(f"[{backend}] seeded in {seed_seconds:.1f} s", flush=True)
    pool = DriverPool(url, args.clients)
    ours: dict[int, Series] = {}
    baseline = Series("baseline (bare SQL)")
    serial = Series("prex, 1 client")
    serial_baseline = Series("baseline, 1 thread")
    mix: list[Query] = []
    statements: list[DriverStatement] = []
    try:
        for workers in args.workers:
            server = Server(data_dir, url, workers)
            try:
                if not mix:
                    status, first = http_get(server.port, API)
                    if status != 200 or not first["next_cursor"]:
                        raise RuntimeError(f"first page: HTTP {status}: {first}")
                    mix = query_mix(first["next_cursor"])
                    statements = driver_statements(url, mix)
                    check_same_answers(server.port, mix, statements, pool)
                    run_driver(pool, statements, args.warmup)  # warm the baseline's statements
                run_http(server.port, server.pid, mix, args.warmup, args.clients)
                series = ours[workers] = Series(f"prex, {workers} worker(s)")
                for r in range(args.rounds):
                    series.rounds.append(
                        run_http(server.port, server.pid, mix, args.requests, args.clients)
                    )
                    baseline.rounds.append(run_driver(pool, statements, args.requests))
                    if workers == args.workers[0]:
                        serial.rounds.append(run_http(server.port, server.pid, mix, args.serial, 1))
                        serial_baseline.rounds.append(
                            run_driver(pool, statements, args.serial, threads=1)
                        )
                    ours_r, base_r = series.rounds[-1], baseline.rounds[-1]
                    say(
                        f"[{backend}] workers={workers} round {r + 1}/{args.rounds}: "
                        f"ours p50={fmt(percentile(ours_r.ms(), 50))}ms "
                        f"p99={fmt(percentile(ours_r.ms(), 99))}ms {ours_r.throughput:.0f}/s; "
                        f"baseline p50={fmt(percentile(base_r.ms(), 50))}ms "
                        f"p99={fmt(percentile(base_r.ms(), 99))}ms {base_r.throughput:.0f}/s; "
                        f"load average {os.getloadavg()[0]:.1f}",
                        flush=True,
                    )
            finally:
                server.stop()
    finally:
        pool.close()
    return Outcome(
        backend, args.tenders, seed_seconds, mix, ours, baseline, serial, serial_baseline
    )


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def fmt(value: float) -> str:
    """Three significant figures or one decimal, whichever is longer (no exponent)."""
    if value < 1:
        return f"{value:.3f}"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def report(outcomes: Sequence[Outcome], args: argparse.Namespace) -> None:
    print()
    print(
        f"portal list API: {args.clients} concurrent keep-alive clients, closed loop, "
        f"{args.rounds} round(s) x {args.requests:,} requests per configuration, and one "
        f"client alone ({args.serial:,} requests a round); figures are medians over rounds; "
        f"{os.cpu_count()} CPUs"
    )
    for o in outcomes:
        print()
        print(f"{o.backend}: {o.tenders:,} tenders (seeded in {o.seed_seconds:.1f} s)")
        print(
            f"  {'configuration':<24}{'median':>10}{'p99':>11}{'req/s':>9}"
            f"{'errors':>8}{'srv cpu/req':>13}{'machine busy':>14}"
        )
        for series in [*o.ours.values(), o.baseline, o.serial, o.serial_baseline]:
            served = series in (*o.ours.values(), o.serial)
            cpu = f"{fmt(series.cpu_per_request)}ms" if served else "-"
            print(
                f"  {series.label:<24}{fmt(series.median):>8}ms{fmt(series.p99):>9}ms"
                f"{series.throughput:>9.0f}{series.errors:>8}{cpu:>13}{series.busy:>13.0%}"
            )
        best = o.ours[o.best_workers]
        print(
            f"  per query, median / p99 in ms: 50 clients (prex with {o.best_workers} "
            f"worker(s), baseline), then one client alone (prex, baseline)"
        )
        for i, q in enumerate(o.mix):
            cells = [
                f"{fmt(series.figure(50, i)):>7} / {fmt(series.figure(99, i)):>7}"
                for series in (best, o.baseline, o.serial, o.serial_baseline)
            ]
            print(f"    {q.name:<12} " + "   ".join(cells))
    print()
    for o in outcomes:
        print(f"{o.backend}: RESULT lines are for prex with {o.best_workers} worker(s) (best p99)")
    for o in outcomes:
        best = o.ours[o.best_workers]
        for name, ours, base, unit in (
            ("median", best.median, o.baseline.median, "ms"),
            ("p99", best.p99, o.baseline.p99, "ms"),
            ("throughput", best.throughput, o.baseline.throughput, "req/s"),
            ("serial_median", o.serial.median, o.serial_baseline.median, "ms"),
        ):
            print(
                f"RESULT portal_{o.backend}_{name} ours={fmt(ours)}{unit} "
                f"baseline={fmt(base)}{unit} ratio={ours / base:.2f}"
            )


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def _workers(value: str) -> list[int]:
    try:
        workers = sorted({int(v) for v in value.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError("a worker count or a list such as 1,2") from None
    if not workers or min(workers) < 1:
        raise argparse.ArgumentTypeError("worker counts are at least 1")
    return workers


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small and short")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("PREX_TEST_DATABASE_URL") or DEFAULT_PG_ADMIN,
        help="admin connection; the benchmark creates and drops its own database beside it",
    )
    parser.add_argument(
        "--workers", type=_workers, help="uvicorn workers, e.g. 2 or 1,2 (default: 1,2; quick: 1)"
    )
    parser.add_argument("--tenders", type=int, help="default 100000 (quick: 2000)")
    parser.add_argument("--requests", type=int, help="per round (default 3000; quick: 300)")
    parser.add_argument("--rounds", type=int, help="rounds per configuration (default 3; quick 1)")
    parser.add_argument("--warmup", type=int, help="requests before measuring (default 500)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument("--serial", type=int, help="one-client requests a round (360; quick 45)")
    args = parser.parse_args(argv)
    quick = args.quick
    for name, full, small in (
        ("workers", [1, 2], [1]),
        ("tenders", 100_000, 2_000),
        ("requests", 3_000, 300),
        ("rounds", 3, 1),
        ("warmup", 500, 100),
        ("serial", 360, 45),
    ):
        if getattr(args, name) is None:
            setattr(args, name, small if quick else full)
    return args


def _postgres(admin_url: str) -> tuple[str, Callable[[], None]] | str:
    """A fresh database beside ``admin_url`` and its dropper, or why there is none."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from prex.db.engine import normalise_url

    base = make_url(normalise_url(admin_url))
    name = f"prex_bench_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach it means: skip PostgreSQL
        admin.dispose()
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    outcomes: list[Outcome] = []
    if not args.no_sqlite:
        data_dir = Path(tempfile.mkdtemp(prefix="prex-bench-sqlite-"))
        try:
            url = f"sqlite:///{data_dir / 'prex.db'}"
            outcomes.append(bench_backend("sqlite", url, data_dir, args))
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
    if not args.no_postgres:
        pg = _postgres(args.pg_url)
        if isinstance(pg, str):
            print(f"[postgresql] skipped: cannot reach {args.pg_url} ({pg})", flush=True)
        else:
            url, drop = pg
            data_dir = Path(tempfile.mkdtemp(prefix="prex-bench-pg-"))
            try:
                outcomes.append(bench_backend("postgresql", url, data_dir, args))
            finally:
                drop()
                shutil.rmtree(data_dir, ignore_errors=True)
    report(outcomes, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
