"""Field coverage of compiled releases: prex against ocdscardinal (Rust), on the same file.

Ours is ``prex.exchange.ocds.coverage_jsonl``: orjson per line and a walk that counts every
non-empty node into a tree of paths (strings made once, at the end); with ``--processes N`` the
file is cut into N byte ranges counted in worker processes. The baseline is
``ocdscardinal.coverage(path)`` — Open Contracting's Cardinal, in Rust — on the same JSON Lines
file. The two results are compared path by path and must be equal:

    .venv/bin/python bench/coverage.py            # 20,000 compiled releases
    .venv/bin/python bench/coverage.py --quick    # smoke run: 500

Setup (not timed): the corpus of ``bench/ocds_corpus.py`` compiled by prex and written as JSON
Lines to a temporary file. Cardinal counts with a thread per CPU, so ours runs a process per CPU
by default (its one-process figure is printed too). The aim: at least as fast as Cardinal. It
ends, as every benchmark here does, with one line per figure:

    RESULT <name> ours=<number><unit> baseline=<number><unit> ratio=<ours/baseline>
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import ocdscardinal
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ocds_corpus  # noqa: E402

from prex.exchange.ocds import Compiler, coverage_jsonl  # noqa: E402

AIM = 1.0


def best(rounds: int, fn, *args):  # type: ignore[no-untyped-def]
    results = []
    for _ in range(rounds):
        t = time.perf_counter()
        value = fn(*args)
        results.append((time.perf_counter() - t, value))
    return min(results, key=lambda r: r[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small and short")
    parser.add_argument("--ocids", type=int, help="compiled releases (20,000; quick 500)")
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes for ours (the CPUs: Cardinal uses a thread per CPU)",
    )
    parser.add_argument("--rounds", type=int, help="rounds, best taken (3; quick 1)")
    args = parser.parse_args(argv)
    n = args.ocids or (500 if args.quick else 20_000)
    rounds = args.rounds or (1 if args.quick else 3)

    t = time.perf_counter()
    compiler = Compiler()
    compiler.add_all(ocds_corpus.generate(n))
    data = b"".join(orjson.dumps(r) + b"\n" for r in compiler.compiled_releases())
    del compiler
    setup = time.perf_counter() - t

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "compiled.jsonl"
        path.write_bytes(data)
        ours_s, ours = best(rounds, coverage_jsonl, path, args.processes)
        base_s, theirs = best(rounds, ocdscardinal.coverage, str(path))
        single_s = ours_s
        if args.processes > 1:
            single_s, _ = best(rounds, coverage_jsonl, path, 1)

    same = ours == theirs
    ours_rate, base_rate = n / ours_s, n / base_s
    print(
        f"coverage: {n:,} compiled releases, {len(data) / 1e6:.1f} MB of JSON Lines, "
        f"{len(theirs)} paths; setup {setup:.1f} s"
    )
    print(
        f"  prex coverage_jsonl ({args.processes} process(es)): {ours_s:6.2f} s "
        f"{ours_rate:10,.0f} rel/s"
    )
    if args.processes > 1:
        single_rate = n / single_s
        print(f"  prex coverage_jsonl (1 process):     {single_s:6.2f} s {single_rate:9,.0f} rel/s")
    print(f"  ocdscardinal.coverage (baseline):     {base_s:6.2f} s {base_rate:10,.0f} rel/s")
    print("  counts: " + ("identical, path for path" if same else "DIFFERENT"))
    ratio = ours_rate / base_rate
    verdict = "meets" if ratio >= AIM else "misses"
    print(f"  prex is {ratio:.2f}x Cardinal ({verdict} the aim of >= {AIM:g}x)")
    print(
        f"RESULT coverage_rate ours={ours_rate:.1f}rel/s baseline={base_rate:.1f}rel/s "
        f"ratio={ratio:.2f}"
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
