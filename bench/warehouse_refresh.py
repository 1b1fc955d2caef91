"""Warehouse refresh: 10,000 changed tenders into an existing 1,000,000-tender warehouse.

Setup (not timed): the existing warehouse is written directly as Parquet by DuckDB — tenders
spread over 60 months, 1.5 lots and 5 bids per tender on average, in the layout of
docs/warehouse.md (refresh 1). The changed tenders are existing ones — most from the last two
months, a fifth from any month (late awards and contracts) — bulk inserted into a real SQLite
platform database (projects, tenders, sections, bids with their opening, bonds and award
notices) with their outbox events, as the platform would have written them.

Ours (timed): ``refresh_warehouse`` — the outbox read, each changed tender extracted whole, new
Parquet files added (merge-on-read), the cursor moved. The baseline, in the same run, is a naive
copy-on-write refresh on a copy of the same warehouse: the same extract, then every partition
a changed tender touches rewritten whole (old rows of the changed keys dropped, new rows added)
so that each key has one row. Also timed: the first query a dashboard runs after the refresh,
over each result (ours reads two files per partition through the newest-row view).

    .venv/bin/python bench/warehouse_refresh.py                 # 1,000,000 tenders, 10,000 changed
    .venv/bin/python bench/warehouse_refresh.py --tenders 100000 --changed 10000
    .venv/bin/python bench/warehouse_refresh.py --quick         # smoke: 5,000 and 200, 12 months

It ends, as every benchmark here does, with one line per figure:

    RESULT <name> ours=<number><unit> baseline=<number><unit> ratio=<ours/baseline>
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import insert

from prex.analytics.warehouse.extract import extract_tenders
from prex.analytics.warehouse.files import data_files, write_state
from prex.analytics.warehouse.refresh import refresh_warehouse
from prex.analytics.warehouse.schema import KEYS, PLATFORM_TABLES, all_keys
from prex.analytics.warehouse.store import open_warehouse, partition_path, warehouse_root
from prex.audit.orm import audit_head, outbox, outbox_cursors
from prex.award.orm import award_notices
from prex.bidding.orm import bid_bonds, bids
from prex.bootstrap import Services, bootstrap
from prex.config import get_settings
from prex.db.all_tables import metadata
from prex.identity.orm import centres, organisations, users
from prex.opening.orm import opened_bids
from prex.tenders.orm import projects, sections, tenders

AIM_SECONDS = 10.0
MONTHS = 60  # the warehouse's span; --quick: 12
FIRST_MONTH = (2021, 12)
BIDDERS = 5_000
QUERY = """
SELECT t.transaction_type, t.month, count(DISTINCT t.tender_id) AS tenders,
       sum(t.budget) AS budget, count(b.bid_id) AS bids,
       count(DISTINCT t.tender_id) FILTER (WHERE b.won) AS awarded
FROM tenders t LEFT JOIN bids b ON b.tender_id = t.tender_id
WHERE NOT t.sandbox
GROUP BY ALL ORDER BY ALL
"""


def month_text(index: int) -> str:
    year, month = FIRST_MONTH
    month += index
    year += (month - 1) // 12
    return f"{year:04d}-{(month - 1) % 12 + 1:02d}"


def tender_id(i: int) -> str:
    return f"T{i:025d}"


def org_id(i: int) -> str:
    return f"O{i:025d}"


def build_warehouse(root: Path, n: int) -> float:
    """The existing warehouse, refresh 1, written by DuckDB straight into the layout."""
    started = time.perf_counter()
    con = duckdb.connect(":memory:")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    con.execute("SET memory_limit = '4GB'")  # a good neighbour on a shared machine
    months = ", ".join(f"'{month_text(m)}'" for m in range(MONTHS))
    con.execute(f"CREATE MACRO month_of(i) AS ([{months}])[(i % {MONTHS}) + 1]")
    con.execute(
        "CREATE MACRO tid(i) AS 'T' || lpad(CAST(i AS VARCHAR), 25, '0');"
        "CREATE MACRO oid(i) AS 'O' || lpad(CAST(i AS VARCHAR), 25, '0');"
        "CREATE MACRO hx(v) AS sha256(CAST(v AS VARCHAR));"
    )
    tenders_sql = f"""
        SELECT tid(i) AS tender_id, 'E3301000' || lpad(CAST(i AS VARCHAR), 10, '0') AS deal_code,
          'C0000000000000000000000001' AS centre_id, '330100' AS region_code,
          CASE WHEN i % 3 = 0 THEN 'procurement' ELSE 'engineering' END AS transaction_type,
          'open' AS method, oid(i % 997) AS buyer_id, '采购人' || (i % 997) AS buyer_name,
          NULL::VARCHAR AS agency_id, '工程招标 ' || i AS title, 'awarded' AS status,
          (i % 50 = 0) AS sandbox, CAST(1000000 + (i % 9000) * 1000 AS DECIMAL(18, 2)) AS budget,
          CAST(strptime(month_of(i) || '-10', '%Y-%m-%d') AS TIMESTAMPTZ) AS published_at,
          CAST(strptime(month_of(i) || '-28', '%Y-%m-%d') AS TIMESTAMPTZ) AS bid_deadline,
          CAST(strptime(month_of(i) || '-28', '%Y-%m-%d') AS TIMESTAMPTZ) AS awarded_at,
          month_of(i) AS month, 1::BIGINT AS refresh
        FROM range({n}) r(i)"""
    lots_sql = f"""
        SELECT tid(i) || '-L' || k AS lot_id, tid(i) AS tender_id, k::INTEGER AS number,
          '标段' || k AS name, CAST(600000 AS DECIMAL(18, 2)) AS budget,
          CAST(580000 AS DECIMAL(18, 2)) AS ceiling_price,
          'C0000000000000000000000001' AS centre_id, '330100' AS region_code,
          'engineering' AS transaction_type, 'open' AS method, oid(i % 997) AS buyer_id,
          CAST(strptime(month_of(i) || '-10', '%Y-%m-%d') AS TIMESTAMPTZ) AS published_at,
          oid(1000 + (i * 7 + k) % {BIDDERS}) AS winner_id,
          tid(i) || '-B' || k AS winning_bid_id, CAST(550000 AS DECIMAL(18, 2)) AS award_amount,
          CAST(strptime(month_of(i) || '-28', '%Y-%m-%d') AS TIMESTAMPTZ) AS awarded_at,
          CAST(550000 AS DECIMAL(18, 2)) AS contract_value, month_of(i) AS month,
          1::BIGINT AS refresh
        FROM range({n}) r(i), range(1 + (i % 2)::BIGINT) s(k)"""
    bids_sql = f"""
        SELECT tid(i) || '-B' || k AS bid_id, tid(i) AS tender_id, tid(i) || '-L0' AS lot_id,
          oid(1000 + (i * 7 + k) % {BIDDERS}) AS bidder_id,
          '91330100' || lpad(CAST((i * 7 + k) % {BIDDERS} AS VARCHAR), 10, '0') AS bidder_uscc,
          '投标人' || ((i * 7 + k) % {BIDDERS}) AS bidder_name, 'live' AS status,
          CAST(strptime(month_of(i) || '-20', '%Y-%m-%d') AS TIMESTAMPTZ) AS received_at,
          '10.' || (i % 250) || '.' || (k * 40) || '.' || (i % 200) AS upload_ip, true AS opened,
          CAST(500000 + (i * 31 + k * 977) % 90000 AS DECIMAL(18, 2)) AS price,
          365 AS duration_days, '项目经理' || k AS project_manager, true AS qualified,
          (k + 1)::INTEGER AS rank, (k = 0) AS won, [hx(i * 10 + k)] AS mac_hashes,
          hx(i + k) AS cpu_hash, [hx(i - k)] AS disk_hashes, 'prex-seal 1.0' AS tool,
          [hx(-i - k)] AS document_hashes, [hx(i * 3 + k)] AS creation_ids,
          'U0000000000000000000000001' AS submitter_id, 'a@b.cn' AS submitter_email,
          'c@d.cn' AS bidder_email, 'cash' AS bond_kind, '6222' || (i * 5 + k) AS bond_account,
          '出纳' AS bond_account_name, month_of(i) AS month, 1::BIGINT AS refresh
        FROM range({n}) r(i), range(5) s(k)"""
    for name, sql in (("tenders", tenders_sql), ("lots", lots_sql), ("bids", bids_sql)):
        target = root / name
        target.mkdir(parents=True)
        con.execute(
            f"COPY ({sql}) TO '{target}' (FORMAT parquet, COMPRESSION zstd, "
            "PARTITION_BY (month), FILENAME_PATTERN 'part-00000001-000{i}')"
        )
    orgs = root / "organisations"
    orgs.mkdir()
    org_file = partition_path(root, "organisations", None, 1, 0)
    con.execute(
        f"COPY (SELECT oid(i) AS org_id, '9133' || lpad(CAST(i AS VARCHAR), 14, '0') AS uscc, "
        f"'单位' || i AS name, '330100' AS division_code, "
        f"'C0000000000000000000000001' AS centre_id, 1::BIGINT AS refresh "
        f"FROM range({1000 + BIDDERS}) r(i)) TO '{org_file}'"
        " (FORMAT parquet)"
    )
    con.close()
    write_state(root, {"refresh": 1})
    return time.perf_counter() - started


def changed_ids(n: int, changed: int, seed: int = 8) -> list[int]:
    """Four fifths from the last two months, a fifth from anywhere (late awards, contracts)."""
    rng = random.Random(seed)
    recent = [i for i in range(n) if i % MONTHS >= MONTHS - 2]
    chosen = set(rng.sample(recent, min(len(recent), changed * 4 // 5)))
    while len(chosen) < changed:
        chosen.add(rng.randrange(n))
    return sorted(chosen)


def _published(i: int) -> datetime:
    year, month = (int(p) for p in month_text(i % MONTHS).split("-"))
    return datetime(year, month, 10, 2, tzinfo=UTC)


def fill_database(services: Services, ids: list[int]) -> float:
    """The changed tenders as the platform stores them, with their outbox events."""
    started = time.perf_counter()
    engine = services.engines.writer
    centre = "C0000000000000000000000001"
    now = datetime(2026, 11, 27, tzinfo=UTC)
    fingerprint = {
        "tool": "prex-seal 1.0",
        "mac_sha256": ["a" * 64],
        "cpu_sha256": "b" * 64,
        "disk_ids_sha256": ["c" * 64],
        "documents": [{"name": "x.pdf", "sha256": "d" * 64, "creation_ids_sha256": ["e" * 64]}],
    }
    rows: dict[Any, list[dict[str, Any]]] = {
        t: [] for t in (projects, tenders, sections, bids, opened_bids, bid_bonds, award_notices)
    }
    events: list[dict[str, Any]] = []
    for i in ids:
        tid, at = tender_id(i), _published(i)
        buyer = org_id(i % 997)
        common = {
            "deal_code": f"E3301000{i:010d}",
            "transaction_type": "engineering",
            "centre_id": centre,
            "region_code": "330100",
            "tenderer_org_id": buyer,
            "agency_org_id": None,
            "sandbox": False,
        }
        rows[projects].append(
            {
                "id": f"P{i:025d}",
                "name": f"项目 {i}",
                "budget": Decimal("1200000"),
                "funding_source": "财政",
                "approval_ref": "批复",
                "created_at": at,
                **common,
            }
        )
        rows[tenders].append(
            {
                "id": tid,
                "project_id": f"P{i:025d}",
                "method": "open",
                "rule_pack_id": "zj-engineering",
                "title": f"工程招标 {i}（变更）",
                "description": "",
                "qualification": "",
                "evaluation_method": "comprehensive_scoring",
                "bid_deadline": at + timedelta(days=20),
                "documents_until": at + timedelta(days=10),
                "opening_place": "开标室",
                "invitee_org_ids": [],
                "sandbox_epoch": None,
                "acceleration": 1,
                "created_at": at,
                "status": "awarded",
                "published_at": at,
                "status_changed_at": now,
                "status_note": "",
                "total_budget": Decimal("1200000"),
                "search_text": "",
                "version": 1,
                **common,
            }
        )
        events.append({"event": "AwardNoticeIssued", "object_type": "tender", "object_id": tid})
        for k in range(1 + i % 2):
            rows[sections].append(
                {
                    "id": f"{tid}-L{k}",
                    "tender_id": tid,
                    "number": k,
                    "name": f"标段{k}",
                    "budget": Decimal("600000"),
                    "ceiling_price": Decimal("580000"),
                    "qualification": "",
                    "duration_days": 365,
                }
            )
            rows[award_notices].append(
                {
                    "tender_id": tid,
                    "section_id": f"{tid}-L{k}",
                    "bid_id": f"{tid}-B{k}",
                    "org_id": org_id(1000 + (i * 7 + k) % BIDDERS),
                    "notice": {"price": "549000.00"},
                    "sha256": "f" * 64,
                    "signature": "",
                    "timestamp": "",
                    "issued_at": now,
                }
            )
        for k in range(5):
            bid, bidder = f"{tid}-B{k}", org_id(1000 + (i * 7 + k) % BIDDERS)
            rows[bids].append(
                {
                    "id": bid,
                    "tender_id": tid,
                    "section_id": f"{tid}-L0",
                    "bidder_org_id": bidder,
                    "submitted_by": "U0000000000000000000000001",
                    "envelope_sha256": "0" * 64,
                    "envelope_bytes": 1000,
                    "signer_fingerprint": "1" * 64,
                    "status": "live",
                    "idempotency_key": bid,
                    "receipt": {},
                    "received_at": at + timedelta(days=5),
                    "address": f"10.0.{k}.{i % 250}",
                    "ended_at": None,
                }
            )
            rows[opened_bids].append(
                {
                    "bid_id": bid,
                    "tender_id": tid,
                    "section_id": f"{tid}-L0",
                    "bidder_org_id": bidder,
                    "envelope_sha256": "0" * 64,
                    "outcome": "opened",
                    "form": {
                        "price": f"{500000 + k * 1000}.00",
                        "duration_days": 365,
                        "project_manager": "李建国",
                    },
                    "fingerprint": fingerprint,
                    "opened_at": at + timedelta(days=20),
                }
            )
            rows[bid_bonds].append(
                {
                    "id": f"{bid}-bond",
                    "tender_id": tid,
                    "section_id": f"{tid}-L0",
                    "bidder_org_id": bidder,
                    "kind": "cash",
                    "amount": Decimal("10000"),
                    "payer_account_name": "出纳",
                    "payer_account_number": f"6222{i * 5 + k}",
                    "payer_bank": "银行",
                    "recorded_by": "U0000000000000000000000001",
                    "recorded_at": at,
                    "updated_at": at,
                }
            )
            events.append(
                {
                    "event": "BidReceived",
                    "object_type": "bid",
                    "object_id": bid,
                    "payload": {"tender_id": tid},
                }
            )
    with engine.begin() as conn:
        conn.execute(
            insert(centres).values(
                id=centre,
                name="中心",
                division_code="330100",
                parent_id=None,
                platform_code="PREX00000",
                created_at=now,
            )
        )
        conn.execute(
            insert(organisations),
            [
                {
                    "id": org_id(o),
                    "uscc": f"9133{o:014d}",
                    "name": f"单位{o}",
                    "division_code": "330100",
                    "centre_id": centre,
                    "kinds": ["bidder"],
                    "contact_email": None,
                    "created_at": now,
                }
                for o in range(1000 + BIDDERS)
            ],
        )
        conn.execute(
            insert(users).values(
                id="U0000000000000000000000001",
                username="u",
                display_name="u",
                email=None,
                password_hash="x",
                roles=[],
                org_id=None,
                centre_id=centre,
                active=True,
                created_at=now,
            )
        )
        for table in (projects, tenders, sections, bids, opened_bids, bid_bonds, award_notices):
            conn.execute(insert(table), rows[table])
        conn.execute(
            insert(outbox),
            [
                {"seq": n, "at": now, "actor_id": None, "payload": {}, **e}
                for n, e in enumerate(events, start=1)
            ],
        )
        conn.execute(insert(outbox_cursors).values(consumer="analytics-warehouse", position=0))
    return time.perf_counter() - started


def copy_on_write(services: Services, root: Path, ids: list[int]) -> float:
    """The naive refresh: extract the same tenders, rewrite every partition they touch."""
    started = time.perf_counter()
    with services.read_connection() as conn:
        fresh = extract_tenders(conn, [tender_id(i) for i in ids], 2)
    con = duckdb.connect(":memory:")
    for name in ("tenders", "lots", "bids"):
        table = fresh[name]
        months = sorted(set(table.column("month").to_pylist()))
        con.register("fresh", table)
        con.register("changed", pa.table({"k": fresh["tenders"].column("tender_id")}))
        for month in months:
            folder = root / name / f"month={month}"
            old = sorted(folder.glob("*.parquet"))
            target = folder / "part-00000002-0000.parquet"
            tmp = folder / ".rewrite.tmp"
            sources = ", ".join(f"'{p}'" for p in old)
            con.execute(
                f"COPY (SELECT * EXCLUDE (month) FROM read_parquet([{sources}], "
                f"hive_partitioning = true) WHERE tender_id NOT IN (SELECT k FROM changed) "
                f"UNION ALL BY NAME SELECT * EXCLUDE (month) FROM fresh WHERE month = '{month}') "
                f"TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)"
            )
            tmp.replace(target)
            for p in old:
                p.unlink()
        con.unregister("fresh")
        con.unregister("changed")
    con.close()
    return time.perf_counter() - started


def first_query(root: Path) -> tuple[float, list[Any]]:
    started = time.perf_counter()
    con = open_warehouse(root, KEYS)
    rows = con.execute(QUERY).fetchall()
    con.close()
    return time.perf_counter() - started, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small and short")
    parser.add_argument("--tenders", type=int, help="existing tenders (1,000,000; quick 5,000)")
    parser.add_argument("--changed", type=int, help="changed tenders (10,000; quick 200)")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = parser.parse_args(argv)
    global MONTHS
    n = args.tenders or (5_000 if args.quick else 1_000_000)
    changed = args.changed or (200 if args.quick else 10_000)
    MONTHS = 12 if args.quick else MONTHS
    if not 0 < changed <= n:
        parser.error("--changed must be between 1 and --tenders")
    work = args.keep or Path(tempfile.mkdtemp(prefix="prex-warehouse-bench-"))
    try:
        return run(work, n, changed)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def run(work: Path, n: int, changed: int) -> int:
    settings = get_settings(environment="test", data_dir=work / "data", password_hashing="fast")
    services = bootstrap(settings)
    try:
        metadata.create_all(services.engines.writer)
        with services.engines.writer.begin() as conn:
            conn.execute(insert(audit_head).values(id=1, seq=0, hash="0" * 64))
        root = warehouse_root(settings)
        built = build_warehouse(root, n)
        ids = changed_ids(n, changed)
        filled = fill_database(services, ids)
        naive_root = work / "naive"
        shutil.copytree(root, naive_root)
        files_before = sum(len(data_files(root, t)) for t in PLATFORM_TABLES)

        result = refresh_warehouse(services)
        ours = result.seconds
        assert result.refresh == 2 and result.tenders == changed, result
        naive = copy_on_write(services, naive_root, ids)

        ours_q, ours_rows = first_query(root)
        naive_q, naive_rows = first_query(naive_root)
        same = ours_rows == naive_rows
        con = open_warehouse(root, all_keys())
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in KEYS}
        newest = con.execute("SELECT count(*) FROM tenders WHERE refresh = 2").fetchone()[0]
        con.close()
    finally:
        services.close()
    print(
        f"warehouse refresh: {n:,} tenders existing ({counts['bids']:,} bids, "
        f"{files_before:,} files, built in {built:.1f} s), {changed:,} changed "
        f"(database filled in {filled:.1f} s)"
    )
    print(
        f"  ours (merge-on-read: {len(result.files)} new files):      {ours:7.2f} s  "
        f"({result.tenders:,} tenders, {result.lots:,} lots, {result.bids:,} bids; "
        f"{result.events:,} events)"
    )
    print(f"  copy-on-write (touched partitions rewritten):  {naive:7.2f} s")
    print(f"  first query after: ours {ours_q:.2f} s, copy-on-write {naive_q:.2f} s")
    print(
        f"  view: {counts['tenders']:,} tenders ({newest:,} from the refresh); "
        f"query results identical: {same}"
    )
    verdict = "meets" if ours < AIM_SECONDS else "misses"
    print(f"  refresh {ours:.2f} s {verdict} the aim of < {AIM_SECONDS:g} s at this size")
    print(
        f"RESULT warehouse_refresh ours={ours:.3f}s baseline={naive:.3f}s ratio={ours / naive:.3f}"
    )
    print(
        f"RESULT warehouse_first_query ours={ours_q:.3f}s baseline={naive_q:.3f}s "
        f"ratio={ours_q / naive_q:.3f}"
    )
    ok = same and counts["tenders"] == n and newest == changed
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
