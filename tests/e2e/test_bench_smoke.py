"""The benchmarks run end to end in their smoke form and print their figures."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

RESULT_LINE = re.compile(
    r"^RESULT (?P<name>\S+) ours=(?P<ours>[\d.]+)(?P<unit>ms|req/s|paths/s|MB/s|msg/s|rel/s|s) "
    r"baseline=(?P<base>[\d.]+)(?P=unit) ratio=(?P<ratio>[\d.]+)$"
)


def run_quick(*args: str) -> tuple[str, dict[str, re.Match[str]]]:
    """Run ``bench/<args>`` in its smoke form; its stdout and RESULT lines by name, each
    checked for shape and for ratio = ours / baseline."""
    run = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / args[0]), *args[1:]],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = {}
    for line in run.stdout.splitlines():
        if line.startswith("RESULT "):
            match = RESULT_LINE.match(line)
            assert match, f"malformed: {line!r}"
            results[match["name"]] = match
    for match in results.values():
        ours, base, ratio = float(match["ours"]), float(match["base"]), float(match["ratio"])
        assert ours > 0 and base > 0, match.string
        assert math.isclose(ratio, ours / base, rel_tol=0.05, abs_tol=0.01), match.string
    return run.stdout, results


def test_portal_bench_quick_sqlite() -> None:
    stdout, results = run_quick("portal.py", "--quick", "--no-postgres")
    assert set(results) == {
        "portal_sqlite_median",
        "portal_sqlite_p99",
        "portal_sqlite_throughput",
        "portal_sqlite_serial_median",
    }, stdout
    # 50 clients cannot all wait less than one request's service time, nor forever.
    assert 0.5 < float(results["portal_sqlite_p99"]["ours"]) < 30_000
    assert float(results["portal_sqlite_p99"]["ours"]) >= float(
        results["portal_sqlite_median"]["ours"]
    )
    # One client alone waits at least as long as the bare query, and not for long.
    assert float(results["portal_sqlite_serial_median"]["ratio"]) >= 1
    assert float(results["portal_sqlite_serial_median"]["ours"]) < 1_000
    assert "postgresql" not in "".join(results)
    assert "errors" in stdout  # the human table came first


def test_pki_verify_bench_quick() -> None:
    stdout, results = run_quick("pki_verify.py", "--quick")
    names = ("pki_verify_rsa", "pki_verify_p256", "pki_verify_sm2_emptyid_ca")
    assert set(results) == {*names, *(f"{n}_uncached" for n in names)}, stdout
    assert all(m["unit"] == "paths/s" for m in results.values())
    assert "prex paths/s" in stdout  # the human table came first


def test_opening_bench_quick() -> None:
    stdout, results = run_quick("opening.py", "--quick")
    assert set(results) == {"opening_throughput", "opening_total"}, stdout
    assert results["opening_throughput"]["unit"] == "MB/s"
    assert results["opening_total"]["unit"] == "s"
    # Both lines describe the same bytes: MB/s x seconds is the same total on either side.
    rate, total = results["opening_throughput"], results["opening_total"]
    ours_mb = float(rate["ours"]) * float(total["ours"])
    base_mb = float(rate["base"]) * float(total["base"])
    assert math.isclose(ours_mb, base_mb, rel_tol=0.03), (ours_mb, base_mb)
    assert 7 < ours_mb < 10  # 8 envelopes of 1 MB each
    assert "raw: SHA-256 + AES-256-GCM" in stdout  # the human table came first
    assert "the aim of ≤ 2x" in stdout


def test_deadline_rush_bench_quick() -> None:
    stdout, results = run_quick("deadline_rush.py", "--quick")
    assert set(results) == {"deadline_rush_throughput", "deadline_rush_p99"}, stdout
    assert results["deadline_rush_throughput"]["unit"] == "MB/s"
    assert results["deadline_rush_p99"]["unit"] == "ms"
    assert "sqlite: lost uploads: 0;" in stdout  # every envelope got its receipt and its row
    assert "LOST" not in stdout
    assert "where one upload goes" in stdout  # the stage timing came first


def test_scoring_bench_quick() -> None:
    stdout, results = run_quick("scoring.py", "--quick")
    assert set(results) == {"scoring_evaluate"}, stdout
    assert results["scoring_evaluate"]["unit"] == "ms"
    # 20 bids × 30 criteria × 9 experts: milliseconds, not seconds, on any machine.
    assert float(results["scoring_evaluate"]["ours"]) < 1_000
    assert "20 bids × 30 criteria × 9 experts (3600 expert scores" in stdout
    assert "naive floats, plain loops" in stdout  # the human table came first
    assert "where ours goes" in stdout
    assert "the aim of < 1 s" in stdout


def test_expert_draw_bench_quick() -> None:
    stdout, results = run_quick("expert_draw.py", "--quick")
    assert set(results) == {"expert_draw_time"}, stdout
    assert results["expert_draw_time"]["unit"] == "ms"
    assert "excluded by avoidance" in stdout  # the human summary came first
    assert "the aim of < 100 ms" in stdout


def test_auction_bench_quick() -> None:
    stdout, results = run_quick("auction.py", "--quick")
    assert set(results) == {
        "auction_paced_accepted_p99",
        "auction_paced_accepted_p50",
        "auction_paced_throughput",
    }, stdout
    assert all(m["unit"] == ("msg/s" if n.endswith("throughput") else "ms")
               for n, m in results.items())  # fmt: skip
    assert float(results["auction_paced_accepted_p99"]["ours"]) >= float(
        results["auction_paced_accepted_p50"]["ours"]
    )
    # Every bid answered exactly once, and the database agrees with the acks.
    assert "sqlite: lost acknowledgements: 0; invariants hold;" in stdout
    assert "LOST" not in stdout and "BROKEN" not in stdout
    assert "where one bid goes" in stdout  # the stage timing came first


def test_ocds_compile_bench_quick() -> None:
    stdout, results = run_quick("ocds_compile.py", "--quick")
    assert set(results) == {"ocds_compile_rate"}, stdout
    assert "identical compiled releases: 300 of 300" in stdout  # ours equals ocdskit's
    assert "where ours goes" in stdout  # the human summary came first


def test_ocds_validate_bench_quick() -> None:
    stdout, results = run_quick("ocds_validate.py", "--quick")
    assert set(results) == {"ocds_validate_rate"}, stdout
    assert "prex's: the same" in stdout  # the same findings as libcoveocds
    assert "whole corpus, bids+lots schema" in stdout


def test_coverage_bench_quick() -> None:
    stdout, results = run_quick("coverage.py", "--quick")
    assert set(results) == {"coverage_rate"}, stdout
    assert "counts: identical, path for path" in stdout  # the same counts as Cardinal


def test_flags_bench_quick() -> None:
    stdout, results = run_quick("flags.py", "--quick")
    codes = ("R003", "R024", "R028", "R035", "R038")
    assert set(results) == {
        *(f"flags_{c}" for c in codes),
        "flags_baseline_rules",
        "flags_all_rules",
    }, stdout
    assert all(m["unit"] == "s" for m in results.values())
    assert "MISMATCH" not in stdout  # both sides flag the same subjects with the same values
    assert re.search(r"^MEMORY flags_peak_rss=\d+MiB", stdout, re.MULTILINE), stdout
    # Every baseline rule found something to agree on in the generated market.
    for code in codes:
        hits = re.search(rf"{code}: .* hits ([\d,]+) / ", stdout)
        assert hits and hits[1] != "0", stdout


def test_warehouse_refresh_bench_quick() -> None:
    stdout, results = run_quick("warehouse_refresh.py", "--quick")
    assert set(results) == {"warehouse_refresh", "warehouse_first_query"}, stdout
    assert all(m["unit"] == "s" for m in results.values())
    assert "query results identical: True" in stdout  # both designs show the same warehouse
    assert "200 from the refresh" in stdout


def test_webhooks_bench_quick() -> None:
    stdout, results = run_quick("webhooks.py", "--quick")
    assert set(results) == {"webhooks_throughput", "webhooks_p99"}, stdout
    assert "in order per subscriber: True" in stdout
    # every delivery waits at least a loopback POST, and (5 subscribers, 1,000 deliveries) not long
    assert float(results["webhooks_p99"]["ratio"]) >= 1
    assert float(results["webhooks_p99"]["ours"]) < 60_000


def test_fuzz_bench_quick() -> None:
    stdout, results = run_quick("fuzz.py", "--quick")
    assert set(results) == {"fuzz_cases_per_second"}, stdout
    assert "FAILURES 0" in stdout
    coverage = re.search(r"COVERAGE operations=(\d+) callers=9 pairs=(\d+) requests=(\d+)", stdout)
    assert coverage, stdout
    operations, pairs, requests = map(int, coverage.groups())
    assert operations >= 20 and pairs == operations * 9 and requests >= pairs
