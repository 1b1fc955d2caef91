"""OCDS compile: release packages in JSON Lines → one compiledRelease per ocid, prex against
``ocdskit compile`` (ocdsmerge) on the same generated corpus.

Ours is ``prex.exchange.ocds.Compiler`` as the bulk export calls it: every line parsed with
orjson, releases grouped by ocid, each process compiled with the merge rules of the bids+lots
schema (precomputed once), and the compiled releases written out as JSON Lines. The baseline is
the command a publisher would run, ``ocdskit compile --schema release-schema-bids-lots.json``,
reading the same bytes on stdin and writing JSON Lines to stdout. Both results are compared,
release by release, as normalised JSON (sorted keys). Both run in one process (no parallelism):

    .venv/bin/python bench/ocds_compile.py            # 20,000 processes, about 66,000 releases
    .venv/bin/python bench/ocds_compile.py --quick    # smoke run: 300 processes

Setup (not timed): the corpus of ``bench/ocds_corpus.py`` (tender with lots and items, some
amendments, bids and awards per lot, contracts; releases shuffled across processes), packed 100
releases to a release package, one package a line. The aim: at least 10x ocdskit.

It ends, as every benchmark here does, with one line per figure:

    RESULT <name> ours=<number><unit> baseline=<number><unit> ratio=<ours/baseline>
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ocds_corpus  # noqa: E402

from prex.exchange.ocds import Compiler  # noqa: E402

AIM = 10.0
DATA = Path(__file__).resolve().parents[1] / "src" / "prex" / "exchange" / "ocds" / "data"
SCHEMA = DATA / "release-schema-bids-lots.json"
OCDSKIT = Path(sys.executable).with_name("ocdskit")


def ours(data: bytes) -> tuple[bytes, float, dict[str, float]]:
    """Compile the JSON Lines as the bulk export does (each compiled release written out as it
    comes); the output, the seconds, and where they went."""
    t0 = time.perf_counter()
    compiler = Compiler()
    compiler.add_jsonl(data.splitlines())
    t1 = time.perf_counter()
    dumps = orjson.dumps
    out = b"".join(dumps(r) + b"\n" for r in compiler.compiled_releases())
    t2 = time.perf_counter()
    return out, t2 - t0, {"parse": t1 - t0, "compile + write": t2 - t1}


def baseline(data: bytes) -> tuple[bytes, float]:
    """``ocdskit compile`` on the same bytes, as a publisher runs it."""
    t0 = time.perf_counter()
    run = subprocess.run(
        [str(OCDSKIT), "compile", "--schema", str(SCHEMA)],
        input=data,
        capture_output=True,
        check=True,
    )
    return run.stdout, time.perf_counter() - t0


def normalised(lines: bytes) -> list[bytes]:
    return [
        orjson.dumps(orjson.loads(line), option=orjson.OPT_SORT_KEYS)
        for line in lines.splitlines()
        if line.strip()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small and short")
    parser.add_argument("--ocids", type=int, help="processes (20,000; quick 300)")
    parser.add_argument("--rounds", type=int, help="rounds of ours, best taken (3; quick 1)")
    args = parser.parse_args(argv)
    n_ocids = args.ocids or (300 if args.quick else 20_000)
    rounds = args.rounds or (1 if args.quick else 3)

    t = time.perf_counter()
    releases = ocds_corpus.generate(n_ocids)
    data = ocds_corpus.to_package_jsonl(releases)
    n = len(releases)
    setup = time.perf_counter() - t
    del releases

    runs = [ours(data) for _ in range(rounds)]
    out, ours_s, stages = min(runs, key=lambda r: r[1])
    base_out, base_s = baseline(data)

    mine, theirs = normalised(out), normalised(base_out)
    same = sum(a == b for a, b in zip(mine, theirs, strict=False))
    identical = len(mine) == len(theirs) == same
    ours_rate, base_rate = n / ours_s, n / base_s

    print(
        f"ocds compile: {n_ocids:,} processes, {n:,} releases, {len(data) / 1e6:.1f} MB of "
        f"release packages (JSON Lines); setup {setup:.1f} s; one process each"
    )
    print(f"  prex Compiler (parse + compile + write):  {ours_s:7.2f} s  {ours_rate:10,.0f} rel/s")
    print(f"  ocdskit compile --schema (baseline):      {base_s:7.2f} s  {base_rate:10,.0f} rel/s")
    print(
        "  where ours goes: "
        + ", ".join(f"{k} {v:.2f} s ({n / v:,.0f} rel/s)" for k, v in stages.items())
    )
    print(
        f"  identical compiled releases: {same:,} of {len(theirs):,}"
        + ("" if identical else "  MISMATCH")
    )
    ratio = ours_rate / base_rate
    verdict = "meets" if ratio >= AIM else "misses"
    print(f"  prex is {ratio:.1f}x ocdskit ({verdict} the aim of >= {AIM:g}x)")
    print(
        f"RESULT ocds_compile_rate ours={ours_rate:.1f}rel/s baseline={base_rate:.1f}rel/s "
        f"ratio={ratio:.2f}"
    )
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
