"""Red flags: every rule of the registry over 1,000,000 generated processes with about
5,000,000 bids, against a straightforward pure-Python pass over compiled JSON Lines (orjson) for
five of Cardinal's rules.

"1,000,000 processes" is read as the same size on both sides of the warehouse: Cardinal's 11
rules run over 1,000,000 OCDS processes with about 5,000,000 bids (the ``ocds_*`` tables, as a
supervisor imports them), and the 21 collusion, screen and market rules over a platform market
of 1,000,000 lots with about 5,000,000 bids (the ``tenders``, ``lots``, ``bids`` and
``organisations`` tables, from ``prex.analytics.synthetic.write_market``) — a platform of that
size, whose OCDS export is the same size again. The two markets are generated independently.

Ours is what ``prex flags scan`` does: ``warehouse_snapshot(root, all_keys())`` (a DuckDB view per
table showing each key's newest refresh, under the warehouse's shared lock) and one
``run_rules`` with every rule, which stages
each table the rules read once (before its first reader, dropped after its last) and runs the
rules one after the other — in a child process whose wall time and peak resident memory are
reported, with DuckDB's own peak (sampled) and the load average (aims: under 60 s and 8 GiB on
2 cores). The baseline is the loop an analyst would write: read the JSON Lines with orjson,
one pass per rule, the rule's logic in plain Python dicts and sets — for five rules chosen to
cover each shape of Cardinal's indicators:

* R003 (short submission period): a per-process check with date arithmetic;
* R024 (price close to winning bid): per-process bid ranking, then a quartile fence over all;
* R028 (identical bid prices): grouping a process's bids by price;
* R035 (all except winning bid disqualified): awards against bids, as sets;
* R038 (excessive disqualified bids): ratios aggregated per buyer, procuring entity and
  tenderer across the whole market, each group with its own quartile fence.

A rule's seconds are its query's plus an equal share of staging each table it reads (shared
with the other rules that read it), so that the rules' seconds add up to the run's. Both sides
must flag the same subjects with the same values (compared as a digest); a disagreement prints
MISMATCH and the script exits 1.

    .venv/bin/python bench/flags.py            # 1,000,000 processes (setup takes ~6 minutes)
    .venv/bin/python bench/flags.py --quick    # smoke run: 2,000 processes, about 10,000 bids
    .venv/bin/python bench/flags.py --keep DIR # generate into DIR once, reuse it next time

Setup (not timed): the OCDS market is generated as compiled releases (``generate``), written
once as JSON Lines and once as the ``ocds_*`` warehouse through the refresh's own flattening
(``prex.analytics.ocds.flatten.iter_tables``), 50,000 processes a Parquet file; the platform
market is written by ``synthetic.write_market`` (seed 8), 50,000 lots a chunk.

It ends with one line per figure:

    RESULT flags_<code> ours=<s>s baseline=<s>s ratio=<ours/baseline>
    RESULT flags_baseline_rules ...   (the five rules together)
    RESULT flags_all_rules ...        (all 32 rules against the five baseline rules)
    MEMORY flags_peak_rss=<MiB> duckdb_peak=<MiB> aim=<MiB>
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow.parquet as pq

from prex.analytics.flags.engine import run_rules
from prex.analytics.flags.rule import load_rules
from prex.analytics.ocds.flatten import iter_tables, parse_time
from prex.analytics.synthetic import write_market as write_platform_market
from prex.analytics.warehouse.schema import all_keys
from prex.analytics.warehouse.snapshot import warehouse_snapshot
from prex.analytics.warehouse.store import partition_path

BASELINE_RULES = ("R003", "R024", "R028", "R035", "R038")
AIM_SECONDS = 60.0
AIM_MEMORY_GIB = 8.0
BATCH = 50_000

Release = dict[str, Any]


# --- the generated market ------------------------------------------------------------------


def generate(n: int, seed: int = 8) -> Iterator[Release]:
    """``n`` compiled releases of a plausible market: 1 to 9 bids a process (5 on average), a
    few suppliers that often lose, some cover prices, disqualifications, late and identical
    bids, cancelled tenders and pending awards — enough for every rule to find something."""
    rng = random.Random(seed)
    buyers = max(10, n // 200)
    entities = max(10, n // 300)
    suppliers = max(50, n // 20)
    methods = ("open", "open", "open", "selective", "limited", "direct")
    start0 = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(n):
        start = start0 + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        end = start + timedelta(days=rng.choice((7, 16, 20, 20, 21, 25, 28, 30, 30, 45)), hours=6)
        n_bids = 1 + (i * 4 + rng.randrange(2)) % 9  # 1 … 9, mean 5
        value = round(rng.uniform(1e4, 5e6), 2)
        buyer = rng.randrange(buyers)
        # Prices about 3 % apart; a lax buyer (one in 50) disqualifies many bids.
        steps = rng.sample(range(n_bids), n_bids)
        disqualify = 0.35 if buyer % 50 == 0 else 0.08
        bids = []
        for b in range(n_bids):
            amount = round(value * (0.85 + 0.03 * steps[b] + rng.uniform(-0.003, 0.003)), 2)
            bids.append(
                {
                    "id": f"{i}-{b}",
                    "status": "disqualified" if rng.random() < disqualify else "valid",
                    "date": (end - timedelta(hours=rng.randrange(-2, 48))).isoformat(),
                    "value": {"amount": amount, "currency": "CNY"},
                    "tenderers": [{"id": f"S{rng.randrange(suppliers):06d}"}],
                }
            )
        if n_bids > 2 and rng.random() < 0.02:  # an identical price from another tenderer
            bids[1]["value"] = dict(bids[0]["value"])
        if n_bids > 1 and rng.random() < 0.02:  # a cover price just above the lowest
            low = min(bids, key=lambda b: b["value"]["amount"])
            cover = next(b for b in bids if b is not low)
            cover["value"]["amount"] = round(
                low["value"]["amount"] * (1 + rng.uniform(0.0005, 0.005)), 2
            )
        valid = [b for b in bids if b["status"] == "valid"]
        release: Release = {
            "ocid": f"ocds-bench-{i:07d}",
            "id": f"ocds-bench-{i:07d}-compiled",
            "date": end.isoformat(),
            "buyer": {"id": f"B{buyer:05d}"},
            "tender": {
                "id": str(i),
                "status": "cancelled" if rng.random() < 0.02 else "complete",
                "procurementMethod": rng.choice(methods),
                "procurementMethodDetails": rng.choice(("公开招标", "邀请招标", "竞争性谈判")),
                "mainProcurementCategory": rng.choice(("goods", "works", "services")),
                "procuringEntity": {"id": f"P{rng.randrange(entities):05d}"},
                "value": {"amount": value, "currency": "CNY"},
                "tenderPeriod": {"startDate": start.isoformat(), "endDate": end.isoformat()},
                "numberOfTenderers": n_bids,
            },
            "bids": {"details": bids},
        }
        if valid:
            winner = min(valid, key=lambda b: b["value"]["amount"])
            if rng.random() < 0.1:
                winner = rng.choice(valid)
            code = f"{rng.randrange(10, 99)}{rng.randrange(10**6):06d}"
            release["awards"] = [
                {
                    "id": f"{i}-a",
                    "status": "pending" if rng.random() < 0.03 else "active",
                    "date": (end + timedelta(days=5)).isoformat(),
                    "value": dict(winner["value"]),
                    "suppliers": list(winner["tenderers"]),
                    "items": [{"id": "1", "classification": {"scheme": "CPV", "id": code}}],
                }
            ]
        yield release


def write_market(n: int, directory: Path) -> tuple[Path, Path, dict[str, int]]:
    """The market as compiled JSON Lines and as the ``ocds_*`` warehouse, and a platform market
    of ``n`` lots in the platform's tables; their sizes (processes, lots, bids of each).

    Kept in ``directory`` with a ``sizes.json`` once complete, so that ``--keep`` reuses it."""
    data, root, done = (
        directory / "compiled.jsonl",
        directory / "warehouse",
        directory / "sizes.json",
    )
    if done.exists():
        sizes: dict[str, int] = orjson.loads(done.read_bytes())
        if sizes.get("processes") == n:
            return data, root, sizes
    shutil.rmtree(root, ignore_errors=True)  # an interrupted setup's files
    n_bids = 0

    def releases(out: Any) -> Iterator[Release]:
        nonlocal n_bids
        dumps = orjson.dumps
        for release in generate(n):
            n_bids += len(release["bids"]["details"])
            out.write(dumps(release) + b"\n")
            yield release

    with data.open("wb") as out:
        for part, tables in enumerate(iter_tables(releases(out), "own", 1, BATCH)):
            for name, table in tables.items():
                path = partition_path(root, name, None, 1, part)
                path.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(table, path)
    write_platform_market(root, seed=8, lots=n)
    glob = str(root / "{}" / "**" / "*.parquet")
    with duckdb.connect() as con:
        lots, bids = (
            int(con.execute(f"SELECT count(*) FROM read_parquet('{glob.format(t)}')").fetchone()[0])
            for t in ("lots", "bids")
        )
    sizes = {"processes": n, "ocds_bids": n_bids, "lots": lots, "bids": bids}
    done.write_bytes(orjson.dumps(sizes))
    return data, root, sizes


# --- ours: the engine on the warehouse, in a child process -----------------------------------


def digest(rows: list[tuple[str, str, str, float]]) -> str:
    """One fingerprint of a set of hits (code, group, id, value to 9 significant digits)."""
    text = "\n".join(f"{c}\t{g}\t{i}\t{v:.9g}" for c, g, i, v in sorted(rows))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def measure(root: Path) -> dict[str, Any]:
    """Run every rule whose tables exist, as ``prex flags scan`` does (one ``run_rules``): the
    seconds of each rule's query and of each table's staging, in all, and the hits' digests."""
    t0 = time.perf_counter()
    with warehouse_snapshot(root, all_keys()) as con:
        opened = time.perf_counter() - t0
        return _measure(con, t0, opened)


def _measure(con: duckdb.DuckDBPyConnection, t0: float, opened: float) -> dict[str, Any]:
    timings: dict[str, float] = {}
    peak, done = [0], threading.Event()

    def sample() -> None:  # DuckDB's own accounting of its memory, four times a second
        cursor = con.cursor()
        while not done.wait(0.25):
            row = cursor.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchone()
            peak[0] = max(peak[0], int(row[0] or 0) if row else 0)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    hits = run_rules(con, load_rules(), timings=timings)
    total = time.perf_counter() - t0
    done.set()
    sampler.join()
    hits_by_code: dict[str, list[tuple[str, str, str, float]]] = defaultdict(list)
    for h in hits:
        hits_by_code[h.code].append((h.code, h.group, h.subject_id, h.value))
    ran = [c for c in timings if not c.startswith("stage:")]
    return {
        "opened": opened,
        "total": total,
        "seconds": {c: timings[c] for c in ran},
        "staging": {
            k.removeprefix("stage:"): v for k, v in timings.items() if k.startswith("stage:")
        },
        "tables": {r.code: list(r.tables) for r in load_rules() if r.code in timings},
        "counts": {c: len(hits_by_code[c]) for c in ran},
        "digests": {c: digest(hits_by_code[c]) for c in ran},
        "ran": ran,
        "duckdb_peak_bytes": peak[0],
    }


def charged(report: dict[str, Any]) -> dict[str, float]:
    """Each rule's seconds: its query's, plus an equal share of staging each table it reads
    with the other rules that read it — so that the rules' seconds add up to the run's."""
    readers: dict[str, int] = defaultdict(int)
    for code in report["ran"]:
        for table in report["tables"][code]:
            readers[table] += 1
    return {
        code: report["seconds"][code]
        + sum(report["staging"].get(t, 0.0) / readers[t] for t in report["tables"][code])
        for code in report["ran"]
    }


def ours(root: Path) -> tuple[dict[str, Any], float]:
    """``measure`` in a child process: its report and its peak resident memory in GiB."""
    run = subprocess.run(
        [sys.executable, __file__, "--measure", str(root)],
        capture_output=True,
        check=True,
    )
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return orjson.loads(run.stdout.splitlines()[-1]), peak_kib / 2**20


# --- the baseline: five of Cardinal's rules in plain Python over the JSON Lines --------------


def releases_of(path: Path) -> Iterator[Release]:
    loads = orjson.loads
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                release = loads(line)
                tender = release.get("tender") or {}
                if isinstance(release.get("ocid"), str) and tender.get("status") != "cancelled":
                    yield release


def quantile(values: list[float], tau: float) -> float:
    """statrs' (Cardinal's) quantile: Hyndman & Fan type 8."""
    xs = sorted(values)
    n = len(xs)
    if not n:
        return float("nan")
    h = (n + 1 / 3) * tau + 1 / 3
    hf = int(h)
    if hf <= 0 or tau == 0:
        return xs[0]
    if hf >= n or tau == 1:
        return xs[-1]
    return xs[hf - 1] + (h - hf) * (xs[hf] - xs[hf - 1])


def final_awards(release: Release) -> list[Release] | None:
    awards, details = release.get("awards"), (release.get("bids") or {}).get("details")
    if not isinstance(awards, list) or not isinstance(details, list):
        return None
    complete = []
    for award in awards:
        status = award.get("status")
        if status == "active":
            complete.append(award)
        elif isinstance(status, str) and status not in ("cancelled", "unsuccessful"):
            return None
    return complete


def submitted(release: Release) -> list[Release]:
    details = (release.get("bids") or {}).get("details") or []
    return [b for b in details if isinstance(b.get("status"), str)
            and b["status"] not in ("invited", "withdrawn")]  # fmt: skip


def base_r003(path: Path) -> list[tuple[str, str, str, float]]:
    hits = []
    for r in releases_of(path):
        period = (r.get("tender") or {}).get("tenderPeriod") or {}
        start, end = parse_time(period.get("startDate")), parse_time(period.get("endDate"))
        if start and end and int((end - start).total_seconds() / 86400) < 15:
            hits.append(("R003", "OCID", r["ocid"], 1.0))
    return hits


def base_r024(path: Path) -> list[tuple[str, str, str, float]]:
    ratios: dict[str, float] = {}
    pairs: dict[str, tuple[str, str]] = {}
    currency = None
    for r in releases_of(path):
        complete = final_awards(r)
        if complete is None or len(complete) != 1:
            continue
        suppliers = complete[0].get("suppliers")
        if not isinstance(suppliers, list) or len(suppliers) != 1:
            continue
        supplier = suppliers[0].get("id")
        winner = runner = None
        for bid in r["bids"]["details"]:
            value, tenderers = bid.get("value") or {}, bid.get("tenderers")
            amount, cur = value.get("amount"), value.get("currency")
            if bid.get("status") != "valid" or not isinstance(amount, int | float):
                continue
            if not isinstance(cur, str) or not isinstance(tenderers, list) or len(tenderers) != 1:
                continue
            if not isinstance(tenderers[0].get("id"), str):
                continue
            currency = currency or cur
            if cur != currency:
                continue
            tid = tenderers[0]["id"]
            if tid == supplier:
                if winner is None or amount < winner[1]:
                    winner = (tid, amount)
            elif runner is None or amount < runner[1]:
                runner = (tid, amount)
        if winner and runner and runner[1] >= winner[1]:
            ratios[r["ocid"]] = (runner[1] - winner[1]) / winner[1]
            pairs[r["ocid"]] = (winner[0], runner[0])
    values = list(ratios.values())
    q1, q3 = quantile(values, 0.25), quantile(values, 0.75)
    fence = (q3 - q1) * -1.5 + q1
    hits: list[tuple[str, str, str, float]] = []
    tenderers: set[str] = set()
    if q1 > 0 and fence > 0:
        for ocid, ratio in ratios.items():
            if ratio <= fence:
                hits.append(("R024", "OCID", ocid, ratio))
                tenderers.update(pairs[ocid])
    return hits + [("R024", "Tenderer", t, 0.0) for t in tenderers]


def base_r028(path: Path) -> list[tuple[str, str, str, float]]:
    ocids, tenderers = set(), set()
    for r in releases_of(path):
        prices: dict[tuple[float, str], frozenset[str]] = {}
        for bid in submitted(r):
            value, people = bid.get("value") or {}, bid.get("tenderers")
            amount, cur = value.get("amount"), value.get("currency")
            if not isinstance(amount, int | float) or not isinstance(cur, str):
                continue
            if not isinstance(people, list):
                continue
            ids = frozenset(t["id"] for t in people if isinstance(t.get("id"), str))
            if not ids:
                continue
            other = prices.get((amount, cur))
            if other is not None and other != ids:
                ocids.add(r["ocid"])
                tenderers.update(ids | other)
            prices[(amount, cur)] = ids
    return [("R028", "OCID", o, 1.0) for o in ocids] + [
        ("R028", "Tenderer", t, 1.0) for t in tenderers
    ]


def base_r035(path: Path) -> list[tuple[str, str, str, float]]:
    hits, winners = [], set()
    for r in releases_of(path):
        complete = final_awards(r)
        if complete is None:
            continue
        awarded = {s["id"] for a in complete for s in a.get("suppliers") or []
                   if isinstance(s.get("id"), str)}  # fmt: skip
        valid, disqualified = set(), set()
        for bid in r["bids"]["details"]:
            into = {"valid": valid, "disqualified": disqualified}.get(bid.get("status"))
            if into is not None and isinstance(bid.get("tenderers"), list):
                into.update(t["id"] for t in bid["tenderers"] if isinstance(t.get("id"), str))
        others = len(disqualified - valid)
        if len(valid) == 1 and valid == awarded and others >= 1:
            hits.append(("R035", "OCID", r["ocid"], float(others)))
            winners.update(valid)
    return hits + [("R035", "Tenderer", w, 0.0) for w in winners]


def base_r038(path: Path) -> list[tuple[str, str, str, float]]:
    groups: dict[str, dict[str, list[int]]] = {
        "Buyer": defaultdict(lambda: [0, 0]),
        "ProcuringEntity": defaultdict(lambda: [0, 0]),
        "Tenderer": defaultdict(lambda: [0, 0]),
    }
    for r in releases_of(path):
        bids = submitted(r)
        if not bids:
            continue
        disqualified = 0
        for bid in bids:
            bad = int(bid["status"] == "disqualified")
            disqualified += bad
            for t in bid.get("tenderers") or []:
                if isinstance(t.get("id"), str):
                    fraction = groups["Tenderer"][t["id"]]
                    fraction[0] += bad
                    fraction[1] += 1
        for group, owner in (
            ("Buyer", r.get("buyer") or {}),
            ("ProcuringEntity", (r.get("tender") or {}).get("procuringEntity") or {}),
        ):
            if isinstance(owner.get("id"), str):
                fraction = groups[group][owner["id"]]
                fraction[0] += disqualified
                fraction[1] += len(bids)
    hits = []
    for group, fractions in groups.items():
        ratios = {k: d / n for k, (d, n) in fractions.items() if n >= 2}
        if not ratios:
            continue
        q1, q3 = quantile(list(ratios.values()), 0.25), quantile(list(ratios.values()), 0.75)
        fence = (q3 - q1) * 1.5 + q3
        if fence > 0:
            hits += [("R038", group, k, v) for k, v in ratios.items() if v >= fence]
    return hits


BASELINES: dict[str, Callable[[Path], list[tuple[str, str, str, float]]]] = {
    "R003": base_r003,
    "R024": base_r024,
    "R028": base_r028,
    "R035": base_r035,
    "R038": base_r038,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 processes")
    parser.add_argument("--processes", type=int, help="processes (1,000,000; quick 2,000)")
    parser.add_argument("--keep", type=Path, help="generate into (and keep) this directory")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child's part
    args = parser.parse_args(argv)
    if args.measure is not None:
        sys.stdout.write(orjson.dumps(measure(args.measure)).decode() + "\n")
        return 0
    n = args.processes or (2_000 if args.quick else 1_000_000)

    with tempfile.TemporaryDirectory(prefix="prex-flags-") as tmp:
        directory = args.keep or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        data, root, sizes = write_market(n, directory)
        setup = time.perf_counter() - t
        size = data.stat().st_size / 1e6
        print(
            f"flags: {n:,} OCDS processes with {sizes['ocds_bids']:,} bids ({size:,.0f} MB of "
            f"compiled JSON Lines) for Cardinal's rules, and a platform market of "
            f"{sizes['lots']:,} lots with {sizes['bids']:,} bids for the collusion, screen and "
            f"market rules; setup {setup:.1f} s" + (" (reused)" if setup < 1 and args.keep else "")
        )
        load_before = os.getloadavg()[0]
        report, peak_gib = ours(root)
        load_after = os.getloadavg()[0]
        spent = charged(report)
        base_seconds, agree = {}, True
        for code, rule in BASELINES.items():
            t = time.perf_counter()
            hits = rule(data)
            base_seconds[code] = time.perf_counter() - t
            same = digest(hits) == report["digests"].get(code)
            agree &= same
            print(
                f"  {code}: ours {spent[code]:7.2f} s (query {report['seconds'][code]:.2f} s)  "
                f"baseline {base_seconds[code]:7.2f} s  hits {report['counts'][code]:,} / "
                f"{len(hits):,}" + ("" if same else "  MISMATCH")
            )
    others = [c for c in report["ran"] if c not in BASELINES]
    print(
        "  other rules (query s, hits): "
        + ", ".join(f"{c} {report['seconds'][c]:.2f} ({report['counts'][c]:,})" for c in others)
    )
    print(
        "  staged once for all rules (s): "
        + ", ".join(f"{t} {s:.2f}" for t, s in report["staging"].items())
    )
    print(
        f"  all {len(report['ran'])} rules: {report['total']:.2f} s (warehouse opened in "
        f"{report['opened']:.2f} s); peak memory {peak_gib:.2f} GiB (DuckDB's own at most "
        f"{report['duckdb_peak_bytes'] / 2**30:.2f} GiB); load average {load_before:.2f} before, "
        f"{load_after:.2f} after, on {os.cpu_count()} cores; aims: < {AIM_SECONDS:g} s, "
        f"< {AIM_MEMORY_GIB:g} GiB at 1,000,000 processes"
    )
    for code in BASELINES:
        ours_s, base_s = spent[code], base_seconds[code]
        ratio = ours_s / base_s
        print(f"RESULT flags_{code} ours={ours_s:.4g}s baseline={base_s:.4g}s ratio={ratio:.3f}")
    five_ours, five_base = sum(spent[c] for c in BASELINES), sum(base_seconds.values())
    print(
        f"RESULT flags_baseline_rules ours={five_ours:.4g}s baseline={five_base:.4g}s "
        f"ratio={five_ours / five_base:.3f}"
    )
    print(
        f"RESULT flags_all_rules ours={report['total']:.4g}s baseline={five_base:.4g}s "
        f"ratio={report['total'] / five_base:.3f}"
    )
    print(
        f"MEMORY flags_peak_rss={peak_gib * 1024:.0f}MiB "
        f"duckdb_peak={report['duckdb_peak_bytes'] / 2**20:.0f}MiB "
        f"aim={AIM_MEMORY_GIB * 1024:.0f}MiB"
    )
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
