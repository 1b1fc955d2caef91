"""A generated market with planted cartels: the ground truth the collusion rules are tested
and benchmarked against.

Honest bidders price independently around each lot's estimate, from their own machines,
addresses, accounts and staff. Each cartel works one market segment (a transaction type in a
region): its members bid together in its lots, take turns to win, and place cover bids in a
tight band just above the designated winner (sometimes at an exact step, sometimes as
deliberately invalid bids over the ceiling price); in some lots, not all, some members also
share the back office's machine (every fingerprint field, or only a cloned disk), its upload
address, a bond account, a contact or a document. A few members also bid alone, honestly, in
other lots: those lots are neither cartel lots nor honest-only ones.

Everything is drawn from ``hs(seed:key:tag)`` inside DuckDB, so the same seed gives the
same market whatever the chunking, and a million lots are generated column-wise in SQL rather
than row by row in Python. ``generate_market`` returns Arrow tables (tests, small markets);
``write_market`` writes the warehouse's Parquet layout chunk by chunk (the benchmark).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from prex.analytics.warehouse.schema import PLATFORM_TABLES
from prex.analytics.warehouse.store import partition_path
from prex.identity.uscc import ALPHABET, make_uscc

REGIONS = ("110101", "310104", "440305", "330106", "510107", "420106", "320102", "500103")
CITIES = ("北京", "上海", "深圳", "杭州", "成都", "武汉", "南京", "重庆")
TYPES = ("engineering", "procurement")
_WORDS = "华建宏泰鑫源中诚恒达瑞安信和永盛金科天成博远众联新宇海通立德嘉禾康弘正兴盈创"
_SUFFIXES = (
    "建设工程有限公司",
    "路桥工程有限公司",
    "科技有限公司",
    "设备有限公司",
    "建筑安装有限公司",
)
_DEPARTMENTS = ("住房和城乡建设局", "交通运输局", "教育局", "卫生健康委员会", "水务局", "公安局")
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红玉兰海波"
    "宁斌峰雪梅琳晨辉鹏飞凯旭阳帆浩宇翔博文思远嘉怡欣然子轩梓涵"
)
_CPUS = (
    "Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz",
    "Intel(R) Core(TM) i5-10400 CPU @ 2.90GHz",
    "Intel(R) Core(TM) i5-12400",
    "Intel(R) Core(TM) i7-12700",
    "Intel(R) Core(TM) i3-10105 CPU @ 3.70GHz",
    "AMD Ryzen 5 5600G with Radeon Graphics",
    "AMD Ryzen 7 5700G with Radeon Graphics",
    "Hygon C86 3250  8-core Processor",
    "Phytium FT-2000/4",
    "Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz",
    "Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz",
    "ZHAOXIN KaiXian KX-6640MA@2.2+GHz",
)
# What a virtual machine or a broken tool reports: every such bidder looks alike.
_VM_MACS = ("000000000000", "ffffffffffff")
_VM_DISK = "ata-QEMU_HARDDISK_QM00001"
_VM_CPU = "QEMU Virtual CPU version 2.5+"


@dataclass(frozen=True)
class Market:
    """What to generate. Shares are fractions of tenders; a tender has one or two lots."""

    seed: int
    lots: int
    cartels: int | None = None  # default: one per 200 lots, at least two
    cartel_size: int = 4
    cartel_share: float = 0.08  # of tenders, all of whose lots are then cartel lots
    stray_share: float = 0.02  # honest lots in which one cartel member bids alone, honestly
    regions: int = 4
    start: date = date(2024, 1, 1)
    days: int = 730
    bids_per_bidder: int = 15  # sizes the honest pools: how often an honest firm bids

    def __post_init__(self) -> None:
        if self.lots < 1:
            raise ValueError("a market has at least one lot")
        if not 1 <= self.regions <= len(REGIONS):
            raise ValueError(f"regions is 1…{len(REGIONS)}")
        if (self.cartels is not None and self.cartels < 0) or self.cartel_size < 2:
            raise ValueError("a cartel has at least two members")
        if not 0 <= self.cartel_share <= 1 or not 0 <= self.stray_share <= 1:
            raise ValueError("shares are fractions between 0 and 1")
        if self.days < 1 or self.bids_per_bidder < 1:
            raise ValueError("days and bids_per_bidder are positive")

    @property
    def cartel_count(self) -> int:
        """How many cartels: each works about 16 lots at the default share, however large the
        market, as a real cartel's members have only so much capacity."""
        return max(2, round(self.lots / 200)) if self.cartels is None else self.cartels

    @property
    def tenders(self) -> int:
        return (self.lots + 1) // 2

    @property
    def segments(self) -> int:
        return len(TYPES) * self.regions

    @property
    def honest_pool(self) -> int:
        """Honest firms per segment: about ``bids_per_bidder`` bids each."""
        return max(60, math.ceil(self.lots * 5 / self.segments / self.bids_per_bidder))

    @property
    def buyer_pool(self) -> int:
        return max(3, math.ceil(self.tenders / self.segments / 15))


@dataclass(frozen=True)
class Truth:
    """Which lots the cartels rigged (two or more members of one cartel bid), which had no
    member at all, and each cartel's members."""

    cartel_lots: frozenset[str]
    honest_lots: frozenset[str]
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)


def generate_market(seed: int, lots: int, **options: Any) -> tuple[dict[str, pa.Table], Truth]:
    """The whole market in memory: one Arrow table per warehouse table (schema.py), rows in key
    order, and the truth. ``options`` are the other fields of :class:`Market`."""
    market = Market(seed, lots, **options)
    con = _connection(market)
    organisations = _organisations(market, refresh=1)
    con.register("orgs", organisations)
    _chunk(con, market, 0, market.tenders)
    tables = {name: _fetch(con, name, refresh=1) for name in ("tenders", "lots", "bids")}
    tables["organisations"] = organisations
    return tables, _truth(con, market, set(), set())


def write_market(
    root: Path,
    seed: int,
    lots: int,
    *,
    refresh: int = 1,
    chunk_lots: int = 50_000,
    **options: Any,
) -> Truth:
    """Write the market in the warehouse's layout under ``root`` (``store.partition_path``),
    ``chunk_lots`` lots at a time, so that memory stays flat however large the market. Every
    row carries ``refresh``; one file per table, month and chunk (``part`` = the chunk)."""
    market = Market(seed, lots, **options)
    if chunk_lots < 2:
        raise ValueError("chunk_lots is at least 2")
    con = _connection(market)
    organisations = _organisations(market, refresh=refresh)
    con.register("orgs", organisations)
    target = partition_path(root, "organisations", None, refresh, 0)
    target.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"COPY (SELECT * FROM orgs) TO '{_quoted(target)}' (FORMAT parquet)")
    cartel: set[str] = set()
    honest: set[str] = set()
    for part, (t0, t1) in enumerate(_chunks(market.tenders, max(1, chunk_lots // 2))):
        _chunk(con, market, t0, t1)
        for table in ("tenders", "lots", "bids"):
            con.execute(f"CREATE OR REPLACE TEMP TABLE out_t AS {_select(table, refresh)}")
            months = _ids(con, "SELECT DISTINCT month FROM out_t ORDER BY 1")
            for month in months:
                path = partition_path(root, table, month, refresh, part)
                path.parent.mkdir(parents=True, exist_ok=True)
                con.execute(
                    f"COPY (SELECT * EXCLUDE (month) FROM out_t WHERE month = ?) "
                    f"TO '{_quoted(path)}' (FORMAT parquet)",
                    [month],
                )
        _truth(con, market, cartel, honest)
    return Truth(frozenset(cartel), frozenset(honest), _members(market))


def _truth(
    con: duckdb.DuckDBPyConnection, market: Market, cartel: set[str], honest: set[str]
) -> Truth:
    """Add the current chunk's cartel and honest-only lots to ``cartel`` and ``honest``."""
    cartel.update(_ids(con, "SELECT lot_id FROM g_lots WHERE is_cartel"))
    honest.update(_ids(con, "SELECT lot_id FROM g_lots WHERE NOT is_cartel AND NOT stray"))
    return Truth(frozenset(cartel), frozenset(honest), _members(market))


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def _chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(total, start + size)


def _ids(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return [str(row[0]) for row in con.execute(sql).fetchall()]


def _members(market: Market) -> dict[str, tuple[str, ...]]:
    return {
        f"K{c}": tuple(f"K{c}-{j}" for j in range(market.cartel_size))
        for c in range(market.cartel_count)
    }


def _connection(market: Market) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    seed = int(market.seed)
    # A hash, a 1-based index into a list of n values, a uniform in [0, 1) and a standard normal
    # (Box–Muller): pure functions of the seed and a key, so that any chunk of the market is
    # drawn the same way. Keys are joined into one string before hashing: DuckDB's hash of
    # several arguments combines them so that residues of small moduli correlate across tags.
    con.execute(f"CREATE MACRO hs(k) AS hash('{seed}:' || k)")
    con.execute("CREATE MACRO hs2(k, tag) AS hs(k || ':' || tag)")
    con.execute("CREATE MACRO pick(k, tag, n) AS (1 + hs2(k, tag) % n)::INT")
    con.execute("CREATE MACRO u(k, tag) AS (hs(k || ':' || tag) % 1000000007)::DOUBLE / 1000000007")
    con.execute(
        "CREATE MACRO nrm(k, tag) AS sqrt(-2 * ln(1 - u(k, tag || ':a')))"
        " * cos(2 * pi() * u(k, tag || ':b'))"
    )
    # The deal code's check character (``tenders.deal_code``), over the 32 characters before it.
    alphabet = _sql_list(tuple(ALPHABET))
    con.execute(
        f"CREATE MACRO deal_check(body) AS {alphabet}[(1 + (31 - list_sum("
        f"[(strpos('{ALPHABET}', substr(body, n + 1, 1)) - 1) * (pow(3, n)::BIGINT % 31)"
        " for n in range(32)]) % 31) % 31)::INT]"
    )
    return con


def _organisations(market: Market, *, refresh: int) -> pa.Table:
    """Honest firms per segment, the cartels' members and the buyers, with valid credit codes."""
    rng = random.Random(market.seed)
    rows: list[tuple[str, str, str, str, str]] = []

    def code(prefix: str, division: str) -> str:
        body = "".join(rng.choice(ALPHABET[:10]) for _ in range(8)) + rng.choice(ALPHABET)
        return make_uscc(prefix + division + body)

    def firm(city: str) -> str:
        return city + rng.choice(_WORDS) + rng.choice(_WORDS) + rng.choice(_SUFFIXES)

    for seg in range(market.segments):
        region = seg // len(TYPES)
        division, city = REGIONS[region], CITIES[region]
        for idx in range(market.honest_pool):
            rows.append(
                (f"H{seg}-{idx}", code("91", division), firm(city), division, _centre(region))
            )
        for idx in range(market.buyer_pool):
            name = f"{city}市{rng.choice(_DEPARTMENTS)}"
            rows.append((f"G{seg}-{idx}", code("11", division), name, division, _centre(region)))
    for c in range(market.cartel_count):
        region = (c % market.segments) // len(TYPES)
        division, city = REGIONS[region], CITIES[region]
        for j in range(market.cartel_size):
            rows.append((f"K{c}-{j}", code("91", division), firm(city), division, _centre(region)))
    columns = list(zip(*rows, strict=True))
    return pa.table(
        {
            "org_id": pa.array(columns[0], pa.string()),
            "uscc": pa.array(columns[1], pa.string()),
            "name": pa.array(columns[2], pa.string()),
            "division_code": pa.array(columns[3], pa.string()),
            "centre_id": pa.array(columns[4], pa.string()),
            "refresh": pa.array([refresh] * len(rows), pa.int64()),
        },
        schema=PLATFORM_TABLES["organisations"],
    )


def _centre(region: int) -> str:
    return f"CTR-{REGIONS[region][:4]}"


def _sql_list(values: tuple[str, ...] | str) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _chunk(con: duckdb.DuckDBPyConnection, market: Market, t0: int, t1: int) -> None:
    """Draw tenders ``t0 … t1 - 1`` with their lots and bids into temp tables g_*."""
    nseg, ntypes = market.segments, len(TYPES)
    pool, buyers, size = market.honest_pool, market.buyer_pool, max(market.cartel_size, 2)
    cartel_share = market.cartel_share if market.cartel_count else 0.0
    stray_share = market.stray_share if market.cartel_count else 0.0
    regions = _sql_list(REGIONS[: market.regions])
    types = _sql_list(TYPES)
    start = market.start.isoformat()
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE g_tenders AS
        WITH base AS (
            SELECT t, u(t, 'cartel') < {cartel_share} AS is_cartel,
                   floor(u(t, 'cid') * {max(market.cartel_count, 1)})::INT AS cid
            FROM range({t0}, {t1}) r(t)
        ), seg AS (
            SELECT *, CASE WHEN is_cartel THEN cid % {nseg}
                      ELSE floor(u(t, 'seg') * {nseg})::INT END AS seg
            FROM base
        )
        SELECT t, is_cartel, cid, seg,
               {types}[1 + seg % {ntypes}] AS transaction_type,
               {regions}[1 + seg // {ntypes}] AS region_code,
               'G' || seg || '-' || floor(u(t, 'buyer') * {buyers})::INT AS buyer_id,
               'T' || lpad(t::VARCHAR, 9, '0') AS tender_id,
               TIMESTAMPTZ '{start} 00:00:00+00'
                 + to_days(floor(u(t, 'day') * {market.days})::INT)
                 + to_minutes(60 + floor(u(t, 'min') * 480)::INT) AS published_at,
               CASE WHEN seg % {ntypes} = 0
                    THEN CASE WHEN u(t, 'm') < 0.85 THEN 'open' ELSE 'invited' END
                    ELSE ['open', 'open', 'open', 'open', 'open', 'open', 'open',
                          'competitive_negotiation', 'competitive_consultation',
                          'request_for_quotation'][1 + floor(u(t, 'm') * 10)::INT] END AS method
        FROM seg
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE g_lots AS
        WITH l AS (
            SELECT t.*, i,
                   t.tender_id || '-' || (i % 2 + 1) AS lot_id, (i % 2 + 1)::INT AS number,
                   greatest(50000, least(5e8, exp(ln(2e6) + 0.9 * nrm(i, 'E')))) AS estimate,
                   1.08 + 0.07 * u(i, 'ceil') AS ceil_ratio,
                   t.published_at + to_days(20 + floor(u(t.t, 'dl') * 15)::INT) AS deadline,
                   floor(u(i, 'w') * {size})::INT AS w,
                   NOT t.is_cartel AND u(i, 'stray') < {stray_share}
                       AS stray
            FROM g_tenders t, range(2 * t.t, least(2 * t.t + 2, {market.lots})) r(i)
        )
        SELECT *, round(estimate * ceil_ratio, -2) AS ceiling,
               -- the designated winner's price: inflated, and sometimes just under the ceiling
               CASE WHEN u(i, 'nc') < 0.12
                    THEN estimate * ceil_ratio * (0.991 + 0.008 * u(i, 'ncu'))
                    ELSE least(estimate * (1.0 + 0.05 * u(i, 'wp')), estimate * ceil_ratio * 0.99)
               END AS win_price,
               -- covers: a first gap above the winner, then small steps; or, in one lot in
               -- four, every price one exact step above the one before (a progression)
               CASE WHEN u(i, 'ap') < 0.25 THEN 0.008 + 0.008 * u(i, 'step')
                    ELSE 0.01 + 0.025 * u(i, 'g1') END AS first_gap,
               CASE WHEN u(i, 'ap') < 0.25 THEN 0.008 + 0.008 * u(i, 'step')
                    ELSE 0.003 + 0.005 * u(i, 'step') END AS step,
               u(i, 'ap') < 0.25 AS exact_steps,
               CASE WHEN u(i, 'fp') < 0.5 THEN 1 WHEN u(i, 'fp') < 0.65 THEN 2 ELSE 0 END
                   AS fp_mode,
               u(i, 'ip') < 0.3 AS sig_ip, u(i, 'bond') < 0.15 AS sig_bond,
               CASE WHEN u(i, 'ct') < 0.12 THEN floor(u(i, 'ctm') * 3)::INT ELSE -1 END
                   AS sig_contact,
               u(i, 'doc') < 0.1 AS sig_doc, u(i, 'tpl') < 0.2 AS sig_tpl
        FROM l
        """
    )
    surnames, given = _sql_list(tuple(_SURNAMES)), _sql_list(tuple(_GIVEN))
    cpus = _sql_list(_CPUS)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE g_picks AS
        WITH honest AS (
            SELECT l.i, 'H' || l.seg || '-' || floor(u(l.i || ':' || j, 'h') * {pool})::BIGINT
                   AS bidder_id,
                   -1 AS member, 'honest' AS role
            FROM g_lots l, range(0, 7) r(j)
            WHERE j < CASE WHEN l.is_cartel AND l.exact_steps THEN 0
                           WHEN l.is_cartel THEN floor(u(l.i, 'o') * 3)
                           ELSE 3 + floor(u(l.i, 'k') * 5) END
        ), stray AS (
            SELECT l.i, 'K' || floor(u(l.i, 'sc') * {max(market.cartel_count, 1)})::INT || '-'
                   || floor(u(l.i, 'sm') * {size})::INT AS bidder_id, -1 AS member, 'stray' AS role
            FROM g_lots l WHERE l.stray
        ), members AS (
            SELECT l.i, 'K' || l.cid || '-' || j AS bidder_id, j AS member,
                   CASE WHEN j = l.w THEN 'winner' ELSE 'cover' END AS role
            FROM g_lots l, range(0, {size}) r(j)
            WHERE l.is_cartel
              AND (j = l.w OR j = (l.w + 1) % {size} OR u(l.i || ':' || j, 'p') < 0.8)
        ), picks AS (
            SELECT DISTINCT ON (i, bidder_id) * FROM (
                SELECT * FROM members UNION ALL SELECT * FROM honest UNION ALL SELECT * FROM stray
            ) ORDER BY i, bidder_id, member DESC
        )
        SELECT p.*, p.i || ':' || p.bidder_id AS k,
               CASE WHEN p.member >= 0 THEN
                   row_number() OVER (PARTITION BY p.i, p.member >= 0
                                      ORDER BY (p.member - l.w + {size}) % {size}) - 1
               END AS cover_rank,
               l.is_cartel AND p.member >= 0 AND (p.member = l.w OR p.member = (l.w + 1) % {size})
                   AS core
        FROM picks p JOIN g_lots l USING (i)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE g_priced AS
        WITH p AS (
            SELECT p.*, l.lot_id, l.tender_id, l.cid, l.estimate, l.ceiling, l.deadline,
                   l.fp_mode, l.sig_ip, l.sig_bond, l.sig_contact, l.sig_doc, l.sig_tpl,
                   'K' || l.cid AS office,
                   p.member >= 0 AND (p.core OR u(p.k, 'in') < 0.5) AS inside,
                   CASE
                     WHEN p.role = 'winner' THEN l.win_price
                     WHEN p.role = 'cover' THEN l.win_price * (1 + l.first_gap
                          + (p.cover_rank - 1) * l.step
                          + CASE WHEN l.exact_steps THEN 0 ELSE 0.0015 * nrm(p.k, 'cn') END)
                     WHEN l.is_cartel THEN l.win_price * (1.03 + 0.05 * u(p.k, 'out'))
                     ELSE l.estimate * (0.97 + 0.06 * nrm(p.k, 'hp'))
                   END AS raw_price
            FROM g_picks p JOIN g_lots l USING (i)
        ), q AS (
            SELECT *,
                   round(CASE WHEN role = 'honest' OR role = 'stray' THEN
                         CASE WHEN raw_price > ceiling * 0.995
                              THEN ceiling * (0.95 + 0.045 * u(k, 'clip'))
                              ELSE greatest(raw_price, estimate * 0.7) END
                         ELSE raw_price END, 0) AS price,
                   -- whose machine, address and template this bid came from
                   CASE WHEN inside AND fp_mode = 1 THEN office ELSE bidder_id END AS machine,
                   CASE WHEN inside AND fp_mode >= 1 THEN office ELSE bidder_id END AS disk_owner,
                   CASE WHEN inside AND sig_ip THEN office ELSE bidder_id END AS ip_owner,
                   CASE WHEN inside AND sig_bond THEN office ELSE bidder_id END AS bond_owner,
                   CASE WHEN inside AND sig_contact >= 0 THEN office ELSE bidder_id END
                       AS contact_owner,
                   inside AND sig_doc AS shared_doc, inside AND sig_tpl AS shared_tpl
            FROM p
        )
        SELECT q.*, price <= ceiling AS qualified,
               row_number() OVER (PARTITION BY i ORDER BY price <= ceiling DESC, price, bidder_id)
                   AS rank,
               u(machine, 'vm') < 0.05 AND machine LIKE 'H%' AS vm
        FROM q
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE g_bids AS
        WITH b AS (
            SELECT p.*, o.uscc, o.name AS bidder_name,
                   p.lot_id || '-B' || lpad(p.rank::VARCHAR, 2, '0') AS bid_id,
                   'c' || (hs2(p.bidder_id, 'dom') % 100000000) || '.com.cn' AS domain,
                   (hs2(p.k, 'staff') % 4)::INT AS staff
            FROM g_priced p JOIN orgs o ON o.org_id = p.bidder_id
        )
        SELECT bid_id, tender_id, lot_id, bidder_id, uscc AS bidder_uscc, bidder_name,
               'live' AS status,
               deadline - to_minutes(10 + floor(u(k, 'rcv') * 14400)::INT) AS received_at,
               CASE WHEN ip_owner LIKE 'K%' AND ip_owner NOT LIKE 'K%-%'
                    THEN '221.' || hs2(ip_owner, 'ip2') % 256 || '.' || hs2(ip_owner, 'ip3') % 256
                         || '.' || 1 + hs2(ip_owner, 'ip4') % 254
                    ELSE (11 + hs2(ip_owner, 'ip1') % 200) || '.' || hs2(ip_owner, 'ip2') % 256
                         || '.' || hs2(ip_owner, 'ip3') % 256
                         || '.' || 1 + hs2(ip_owner, 'ip4') % 254
               END AS upload_ip,
               true AS opened, price::DECIMAL(18, 2) AS price,
               (60 + floor(u(k, 'dur') * 12) * 30)::INT AS duration_days,
               CASE WHEN contact_owner <> bidder_id AND sig_contact = 0 THEN contact_owner
                    ELSE bidder_id END AS pm_owner, staff, k, machine, disk_owner, vm,
               rank::INT AS rank, rank = 1 AND qualified AS won, qualified,
               shared_doc, shared_tpl, contact_owner, bond_owner, domain, i,
               -- which contact the cartel shares, for its members who share it
               CASE WHEN contact_owner <> bidder_id THEN sig_contact ELSE -1 END AS sig_contact
        FROM b
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE g_bids_full AS
        SELECT bid_id, tender_id, lot_id, bidder_id, bidder_uscc, bidder_name, status,
               received_at, upload_ip, opened, price, duration_days,
               {surnames}[(1 + hs2(pm_owner || ':' || staff, 'sn') % {len(_SURNAMES)})::INT]
                 || {given}[(1 + hs2(pm_owner || ':' || staff, 'g1') % {len(_GIVEN)})::INT]
                 || {given}[(1 + hs2(pm_owner || ':' || staff, 'g2') % {len(_GIVEN)})::INT]
                   AS project_manager,
               qualified, rank, won,
               CASE WHEN vm THEN [sha256({_sql_list(_VM_MACS)}[(1 + hs(machine) % 2)::INT])]
                    WHEN hs2(machine, 'nic') % 5 = 0
                    THEN [sha256(printf('%012x', hs2(machine, 'mac') % 281474976710656)),
                          sha256(printf('%012x', hs2(machine, 'mac2') % 281474976710656))]
                    ELSE [sha256(printf('%012x', hs2(machine, 'mac') % 281474976710656))] END
                   AS mac_hashes,
               sha256(CASE WHEN vm THEN '{_VM_CPU}'
                           ELSE {cpus}[pick(machine, 'cpu', {len(_CPUS)})] END) AS cpu_hash,
               CASE WHEN vm THEN [sha256('{_VM_DISK}')]
                    ELSE [sha256('ata-' || ['ST1000DM010-2EP102_Z9A',
                          'WDC_WD10EZEX-08WN4A0_WD-WCC6Y',
                          'Samsung_SSD_860_EVO_500GB_S3Z', 'KINGSTON_SA400S37480G_50026B77']
                          [pick(disk_owner, 'dv', 4)]
                          || upper(printf('%08x', hs2(disk_owner, 'ds') % 4294967296)))]
               END AS disk_hashes,
               'prex-seal 1.' || (hs2(machine, 'tool') % 3) || '.0' AS tool,
               [sha256(CASE WHEN shared_doc THEN lot_id || ':shared-tech'
                            ELSE bid_id || ':tech' END),
                sha256(bid_id || ':price')] AS document_hashes,
               [sha256('pdf-id:' || md5(CASE WHEN shared_tpl THEN contact_owner || ':office-tpl'
                                             ELSE bidder_id || ':tpl' END))] AS creation_ids,
               'U-' || CASE WHEN sig_contact = 1 THEN contact_owner
                            ELSE bidder_id || '-' || staff END
                   AS submitter_id,
               CASE WHEN sig_contact = 1
                    THEN 'office' || hs2(contact_owner, 'em') % 100000 || '@163.com'
                    ELSE 'staff' || staff || '.' || hs2(bidder_id, 'em') % 100000 || '@' || domain
               END AS submitter_email,
               'bid@' || domain AS bidder_email,
               '1' || ['3', '5', '8'][pick(contact_owner || ':' || bidder_id, 'ph0', 3)]
                 || lpad((hs2(CASE WHEN sig_contact = 2 THEN contact_owner ELSE k END, 'ph')
                          % 1000000000)::VARCHAR, 9, '0') AS contact_phone,
               CASE WHEN bond_owner <> bidder_id THEN 'cash'
                    ELSE ['cash', 'cash', 'cash', 'guarantee', 'guarantee', 'insurance']
                         [pick(k, 'bk', 6)] END AS bond_kind,
               lpad((hs2(bond_owner, 'acct') % 10000000000000000)::VARCHAR, 16, '6')
                   AS bond_account,
               bidder_name AS bond_account_name,
               i, k
        FROM g_bids
        """
    )
    # Cash bonds only carry an account; a replaced envelope (one in twenty-five) stays as
    # evidence: same metadata, never opened.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE g_bids_all AS
        WITH b AS (
            SELECT * EXCLUDE (bond_account, bond_account_name),
                   CASE WHEN bond_kind = 'cash' THEN bond_account END AS bond_account,
                   CASE WHEN bond_kind = 'cash' THEN bond_account_name END AS bond_account_name
            FROM g_bids_full
        )
        SELECT * FROM b
        UNION ALL
        SELECT * REPLACE (bid_id || '-R' AS bid_id, 'replaced' AS status,
                          received_at - INTERVAL 2 DAY AS received_at, false AS opened,
                          NULL::DECIMAL(18, 2) AS price, NULL::INT AS duration_days,
                          NULL::BOOLEAN AS qualified, NULL::INT AS rank, false AS won)
        FROM b WHERE u(k, 'replaced') < 0.04
        """
    )
    # the intermediate tables are a chunk's largest: free them before the next one
    for name in ("g_picks", "g_priced", "g_bids", "g_bids_full"):
        con.execute(f"DROP TABLE {name}")


def _select(table: str, refresh: int) -> str:
    """The SQL of one generated warehouse table, columns in schema order."""
    if table == "tenders":
        return f"""
            WITH lot_sums AS (
                SELECT tender_id, sum(round(ceiling * 1.02, -2)) AS budget,
                       min(deadline + to_days(5 + floor(u(i, 'aw') * 20)::INT)) AS awarded_at
                FROM g_lots GROUP BY tender_id
            ), coded AS (
                SELECT t.*, b.name AS buyer_name, s.budget, s.awarded_at,
                       b.uscc || strftime(t.published_at, '%Y%m%d')
                         || lpad((t.t % 999999 + 1)::VARCHAR, 6, '0') AS body
                FROM g_tenders t JOIN lot_sums s USING (tender_id)
                JOIN orgs b ON b.org_id = t.buyer_id
            )
            SELECT tender_id, body || deal_check(body) AS deal_code,
                   'CTR-' || substr(region_code, 1, 4) AS centre_id, region_code,
                   transaction_type, method, buyer_id, buyer_name,
                   'A' || seg || '-' || hs2(t, 'agency') % 5 AS agency_id,
                   buyer_name || ['办公楼维修改造工程', '道路提升工程', '信息化设备采购项目',
                                  '物业管理服务采购项目', '排水管网改造工程'][pick(t, 'title', 5)]
                     AS title,
                   'complete' AS status, false AS sandbox, budget::DECIMAL(18, 2) AS budget,
                   published_at,
                   published_at + to_days(20 + floor(u(t, 'dl') * 15)::INT) AS bid_deadline,
                   awarded_at,
                   strftime(published_at, '%Y-%m') AS month, {refresh}::BIGINT AS refresh
            FROM coded
        """
    if table == "lots":
        return f"""
            SELECT l.lot_id, l.tender_id, l.number,
                   '第' || l.number || '标段' AS name,
                   round(l.ceiling * 1.02, -2)::DECIMAL(18, 2) AS budget,
                   l.ceiling::DECIMAL(18, 2) AS ceiling_price,
                   'CTR-' || substr(l.region_code, 1, 4) AS centre_id, l.region_code,
                   l.transaction_type, l.method, l.buyer_id, l.published_at,
                   w.bidder_id AS winner_id, w.bid_id AS winning_bid_id, w.price AS award_amount,
                   l.deadline + to_days(5 + floor(u(l.i, 'aw') * 20)::INT) AS awarded_at,
                   w.price AS contract_value,
                   strftime(l.published_at, '%Y-%m') AS month, {refresh}::BIGINT AS refresh
            FROM g_lots l LEFT JOIN g_bids_all w ON w.lot_id = l.lot_id AND w.won
        """
    names = [n for n in PLATFORM_TABLES["bids"].names if n not in ("month", "refresh")]
    return (
        "SELECT "
        + ", ".join(f"b.{n}" for n in names)
        + f", strftime(l.published_at, '%Y-%m') AS month, {refresh}::BIGINT AS refresh "
        "FROM g_bids_all b JOIN g_lots l USING (lot_id)"
    )


def _fetch(con: duckdb.DuckDBPyConnection, table: str, *, refresh: int) -> pa.Table:
    schema = PLATFORM_TABLES[table]
    # in key order: DuckDB runs in parallel, so an unordered result varies from run to run
    query = f"SELECT * FROM ({_select(table, refresh)}) ORDER BY {schema.names[0]}"
    result = con.sql(query).to_arrow_table()
    return result.select(schema.names).cast(schema)
