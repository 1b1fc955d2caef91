"""Certificate path validation: root → intermediate → leaf with cached CRLs, per second.

Measures :class:`prex.pki.path.PathValidator` validating end-entity certificates of a
three-level hierarchy (RSA-2048, ECDSA P-256, SM2), every one parsed from DER inside the timed
loop and checked against both CAs' CRLs held in a :class:`~prex.pki.revocation.MemoryCrlStore`
(pre-loaded; the fetcher raises, so nothing is ever downloaded), against ``openssl verify``
checking the very same chains with ``-crl_check_all`` in the same run:

    .venv/bin/python bench/pki_verify.py              # 300 leaves per algorithm, 7 rounds
    .venv/bin/python bench/pki_verify.py --quick      # smoke run: 24 leaves, 3 short rounds
    .venv/bin/python bench/pki_verify.py --profile    # then where our time goes (cProfile)

The hierarchies come from ``tests/pki_openssl.py`` (``bench-rsa``→``bench-rsa-int``, …), the
leaves from its ``issue_leaves`` (one ``openssl ca`` run per algorithm). The baseline is

    openssl verify -no-CApath -no-CAstore -attime <2026-03-02 01:00 UTC> -CAfile root.pem \
        -untrusted int.pem -crl_check_all -CRLfile root-crl.pem -CRLfile int-crl.pem leaf…

over many leaf files per process (chunked to stay well under ARG_MAX); its start-up — measured
each round by runs over a single leaf — is subtracted, so a figure is
``(leaves − runs) / (time of the runs − runs × single-leaf time)``. Ours and openssl alternate
within a round; a figure is the median of the rounds.

Differences that remain, by design:

* the validator keeps the service's signature cache of trust-list certificates, so the
  intermediate's signature (and the root's self-signature) is verified once, not per leaf, and
  CRLs in the store were verified when they were imported; ``openssl verify`` verifies the
  leaf, the intermediate and both CRLs (four signatures) for every leaf, but does not check the
  root's self-signature;
* ``openssl verify`` reads each leaf from a PEM file; ours parses DER bytes already in memory.

SM2: OpenSSL 3.0's ``openssl verify -vfyopt distid:1234567812345678`` applies the ID to the
target certificate only; CA certificates and CRLs in the chain are verified with the empty ID.
The ``bench-sm2`` hierarchy signs everything with 1234567812345678, so no ``openssl verify``
run accepts its chains (with or without CRL checks). This benchmark therefore validates, on both
sides, a variant of that hierarchy: the same root (self-signed with the ID — OpenSSL never
checks a trust anchor's self-signature by default), the intermediate re-issued by the root with
the *empty* ID (same name and key), both CRLs re-signed with the empty ID, and the leaves signed
with 1234567812345678 as usual (verified by openssl under ``-vfyopt distid:1234567812345678``).
Every check openssl does for RSA/ECDSA it does here too, so the RESULT line is a like-for-like
comparison; its name, ``pki_verify_sm2_emptyid_ca``, says which chain it is. Ours on the
unmodified all-ID chain is printed as an extra line (no openssl figure exists for it). Ours
first tries 1234567812345678 on each empty-ID signature (the intermediate's and the two CRLs',
checked once at setup), and GmSSL (under gmssl_pyx) prints two ``sm2_sign.c`` lines on stderr
for every such failed attempt: harmless.

It ends, as every benchmark here does, with one line per figure:

    RESULT <name> ours=<number><unit> baseline=<number><unit> ratio=<ours/baseline>
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import gc
import io
import os
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # for tests.pki_openssl

from tests.pki_openssl import (  # noqa: E402
    CA_END,
    CA_START,
    CRL_LAST_UPDATE,
    CRL_NEXT_UPDATE,
    SM2_ID,
    T0_EPOCH,
    PkiWorld,
    build_pki,
    issue_leaves,
    openssl,
)

from prex.pki.certs import load_certificate  # noqa: E402
from prex.pki.path import PathValidator  # noqa: E402
from prex.pki.revocation import MemoryCrlStore, RevocationChecker, parse_crl, verify_crl  # noqa: E402
from prex.pki.trust import ALL_PURPOSES, CaStatus, Purpose, TrustedCa, TrustList  # noqa: E402

NOW = datetime.fromtimestamp(T0_EPOCH, UTC)  # 2026-03-02 01:00 UTC, inside every validity window
assert datetime(2026, 3, 2, 1, 0, tzinfo=UTC) == NOW
UNIT = "paths/s"


@dataclass
class Chain:
    """One hierarchy as both sides see it."""

    key: str  # RESULT name suffix
    label: str
    root_pem: Path
    int_pem: Path
    crl_pems: tuple[Path, Path]  # root's, intermediate's (PEM; parse_crl takes PEM too)
    leaf_dir: Path
    leaf_names: list[str]  # PEM files in leaf_dir
    leaf_ders: list[bytes]
    vfyopts: tuple[str, ...] = ()
    ours_only: bool = False  # no openssl run can verify it
    ours: list[float] = field(default_factory=list)  # paths/s per round, wall clock
    base: list[float] = field(default_factory=list)
    ours_cpu: list[float] = field(default_factory=list)  # paths/s per round, CPU time
    base_cpu: list[float] = field(default_factory=list)
    startup: list[float] = field(default_factory=list)  # seconds, single-leaf openssl run
    validator: PathValidator | None = None
    cold: PathValidator | None = None  # no cached CA signatures: every signature every time
    ours_cold: list[float] = field(default_factory=list)

    @property
    def result_name(self) -> str:
        return f"pki_verify_{self.key}"


# ---------------------------------------------------------------------------------------------
# Setup
# ---------------------------------------------------------------------------------------------


def _der(pem_path: Path) -> bytes:
    text = pem_path.read_bytes()
    body = re.search(rb"-----BEGIN [A-Z0-9 ]+-----(.*?)-----END", text, re.S)
    assert body is not None, f"no PEM block in {pem_path}"
    return base64.b64decode(b"".join(body.group(1).split()))


def _sm2_emptyid_cas(world: PkiWorld, out: Path) -> tuple[Path, tuple[Path, Path]]:
    """The bench-sm2 intermediate re-issued, and both CRLs re-signed, with the empty SM2 ID
    (what ``openssl verify`` checks CA signatures with); returns (intermediate PEM, CRLs)."""
    out.mkdir(parents=True, exist_ok=True)
    root_dir, int_dir = world.ca_dir("bench-sm2"), world.ca_dir("bench-sm2-int")
    int_pem = out / "bench-sm2-int-emptyid.pem"
    args: list[str | Path] = ["ca", "-batch", "-notext", "-utf8", "-preserveDN"]
    args += ["-config", root_dir / "openssl.cnf", "-extfile", root_dir / "ext.cnf"]
    args += ["-extensions", "sub_ca", "-startdate", CA_START, "-enddate", CA_END]
    # No -sigopt distid: the certificate is signed with the empty ID; the CSR carries the ID.
    args += ["-in", world.base / "csr" / "bench-sm2-int.csr", "-out", int_pem]
    openssl(*args, "-vfyopt", f"distid:{SM2_ID}")
    crls = []
    for name, ca_dir in (("bench-sm2", root_dir), ("bench-sm2-int", int_dir)):
        crl = out / f"{name}-emptyid-crl.pem"
        dates = ["-crl_lastupdate", CRL_LAST_UPDATE, "-crl_nextupdate", CRL_NEXT_UPDATE]
        openssl("ca", "-config", ca_dir / "openssl.cnf", "-gencrl", "-out", crl, *dates)
        crls.append(crl)
    return int_pem, (crls[0], crls[1])


def build_chains(base: Path, leaves: int) -> tuple[list[Chain], float]:
    started = time.perf_counter()
    world = build_pki(base / "pki", "http://127.0.0.1:9/crl", "http://127.0.0.1:9/ocsp")
    print(f"  hierarchies built in {time.perf_counter() - started:.1f} s", flush=True)
    chains = []
    for key, label in (("rsa", "RSA-2048"), ("p256", "ECDSA P-256"), ("sm2", "SM2")):
        t = time.perf_counter()
        ca = f"bench-{key}"
        leaf_dir = base / "leaves" / key
        paths = issue_leaves(world, f"{ca}-int", leaves, leaf_dir)
        names = [p.name for p in paths]
        ders = [_der(p) for p in paths]
        root_pem, int_pem = world.cas[ca].cert, world.cas[f"{ca}-int"].cert
        crl_pems = (world.crl_pem(ca), world.crl_pem(f"{ca}-int"))
        if key == "sm2":
            # The chains as issued (every signature with the ID): ours only.
            chains.append(
                Chain(
                    "sm2",
                    "SM2, all IDs 1234567812345678",
                    root_pem,
                    int_pem,
                    crl_pems,
                    leaf_dir,
                    names,
                    ders,
                    ours_only=True,
                )
            )
            em_int, em_crls = _sm2_emptyid_cas(world, base / "sm2-emptyid")
            chains.append(
                Chain(
                    "sm2_emptyid_ca",
                    "SM2, CAs/CRLs empty ID",
                    root_pem,
                    em_int,
                    em_crls,
                    leaf_dir,
                    names,
                    ders,
                    vfyopts=("-vfyopt", f"distid:{SM2_ID}"),
                )
            )
        else:
            chains.append(Chain(key, label, root_pem, int_pem, crl_pems, leaf_dir, names, ders))
        print(f"  {len(paths)} {label} leaves in {time.perf_counter() - t:.1f} s", flush=True)
    return chains, time.perf_counter() - started


def _fails(*_args: object) -> bytes:
    raise OSError("this benchmark never downloads anything")


class _NoCache(dict[tuple[str, str], bool]):
    """A signature cache that remembers nothing, to measure validation without it."""

    def __contains__(self, key: object) -> bool:
        return False

    def __setitem__(self, key: tuple[str, str], value: bool) -> None:
        pass


def make_validator(chain: Chain, *, cold: bool = False) -> PathValidator:
    entries = []
    for name, pem_path in (("root", chain.root_pem), ("int", chain.int_pem)):
        cert = load_certificate(_der(pem_path))
        entries.append(TrustedCa(name, cert, CaStatus.ACTIVE, ALL_PURPOSES, ()))
    store = MemoryCrlStore()
    for entry, crl_pem in zip(entries, chain.crl_pems, strict=True):
        crl = parse_crl(crl_pem.read_bytes())
        verify_crl(crl, entry.certificate)  # as an import does, once: not per validation
        store.put(entry.certificate.fingerprint, crl, "imported", None)
    checker = RevocationChecker(store, _fails)
    return PathValidator(
        TrustList(entries),
        checker,
        refuse_unknown_revocation=True,
        signature_cache=_NoCache() if cold else None,
    )


# ---------------------------------------------------------------------------------------------
# The two sides
# ---------------------------------------------------------------------------------------------


def validate_all(validator: PathValidator, ders: Sequence[bytes]) -> int:
    """Parse and validate every leaf; the number that came out as a full CRL-checked path."""
    good = 0
    for der in ders:
        path = validator.validate(load_certificate(der), purpose=Purpose.SIGNING, now=NOW)
        good += len(path.chain) == 3 and path.revocation == ("crl", "crl")
    return good


def run_ours(chain: Chain, passes: int, *, cold: bool = False) -> tuple[float, float]:
    """Paths per second over ``passes`` runs through the leaves: by the wall clock, by CPU time."""
    validator = chain.cold if cold else chain.validator
    assert validator is not None
    ders = chain.leaf_ders * passes
    wall, cpu = time.perf_counter(), time.process_time()
    good = validate_all(validator, ders)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if good != len(ders):
        raise AssertionError(f"{chain.label}: {len(ders) - good} validations came out wrong")
    return len(ders) / wall, len(ders) / cpu


def _arg_budget() -> int:
    """Bytes of file names one ``openssl verify`` command line may carry (a quarter of ARG_MAX,
    less the environment, at most 256 KiB)."""
    try:
        arg_max = os.sysconf("SC_ARG_MAX")
    except (ValueError, OSError):
        arg_max = 128 * 1024
    env = sum(len(k) + len(v) + 2 for k, v in os.environ.items())
    return max(4096, min(256 * 1024, arg_max // 4 - env))


def _chunks(names: Sequence[str], budget: int) -> list[list[str]]:
    chunks: list[list[str]] = [[]]
    size = 0
    for name in names:
        if chunks[-1] and size + len(name) + 1 > budget:
            chunks.append([])
            size = 0
        chunks[-1].append(name)
        size += len(name) + 1
    return chunks


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def openssl_verify(chain: Chain, names: Sequence[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one ``openssl verify`` process over ``names``, all checked OK."""
    # -no-CApath -no-CAstore: the trust anchors are the -CAfile alone. Without them OpenSSL also
    # searches the system's default certificate directory ($SSL_CERT_DIR) for every leaf's
    # issuer — listing it each time — which ours has no counterpart of (it cost ~20-30 % here).
    cmd: list[str] = ["openssl", "verify", "-no-CApath", "-no-CAstore", "-attime", str(T0_EPOCH)]
    cmd += ["-CAfile", str(chain.root_pem), "-untrusted", str(chain.int_pem), "-crl_check_all"]
    for crl in chain.crl_pems:
        cmd += ["-CRLfile", str(crl)]
    cmd += [*chain.vfyopts, *names]
    wall, cpu = time.perf_counter(), _children_cpu()
    run = subprocess.run(cmd, cwd=chain.leaf_dir, capture_output=True)
    wall, cpu = time.perf_counter() - wall, _children_cpu() - cpu
    ok = run.stdout.count(b": OK\n")
    if run.returncode != 0 or ok != len(names):
        raise AssertionError(
            f"openssl verify ({chain.label}): {ok} of {len(names)} OK, exit {run.returncode}\n"
            + run.stderr.decode(errors="replace")[-2000:]
        )
    return wall, cpu


def run_openssl(chain: Chain, passes: int, singles: int = 3) -> tuple[float, float, float]:
    """Verifications per second net of start-up by the wall clock and by CPU time, and the
    start-up (wall seconds of a single-leaf run)."""
    runs = [openssl_verify(chain, chain.leaf_names[:1]) for _ in range(singles)]
    single_wall = statistics.median(wall for wall, _ in runs)
    single_cpu = statistics.median(cpu for _, cpu in runs)
    chunks = _chunks(chain.leaf_names * passes, _arg_budget())
    timings = [openssl_verify(chain, chunk) for chunk in chunks]
    # Each run's start-up and first verification together cost about one single-leaf run.
    net_wall = sum(wall for wall, _ in timings) - len(chunks) * single_wall
    net_cpu = sum(cpu for _, cpu in timings) - len(chunks) * single_cpu
    verified = sum(len(c) for c in chunks) - len(chunks)
    if net_wall <= 0 or net_cpu <= 0:
        raise AssertionError(f"{chain.label}: start-up noise swamps the run; use more passes")
    return verified / net_wall, verified / net_cpu, single_wall


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def fmt(value: float) -> str:
    """Three significant figures or one decimal, whichever is longer (no exponent)."""
    if value < 1:
        return f"{value:.3f}"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _spread(values: Sequence[float]) -> str:
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"


def _ratio(ours: Sequence[float], base: Sequence[float]) -> float:
    return statistics.median(ours) / statistics.median(base)


def report(chains: Sequence[Chain], args: argparse.Namespace, setup: float) -> None:
    n = len(chains[0].leaf_ders)
    print()
    print(
        f"path validation, root → intermediate → leaf, CRLs of both CAs cached: {n} leaves x "
        f"{args.passes} pass(es) a round, {args.rounds} round(s); figures are medians over "
        f"rounds (min–max in brackets), by the wall clock; the last column is the ratio by CPU "
        f"time (less sensitive to other load); setup {setup:.0f} s; {os.cpu_count()} CPUs"
    )
    print(
        f"  {'chain':<31}{'prex paths/s':>24}{'openssl verify/s':>25}"
        f"{'start-up':>10}{'ratio':>7}{'cpu ratio':>10}"
    )
    for c in chains:
        if c.ours_only:
            print(f"  {c.label:<31}{_spread(c.ours):>24}{'(cannot verify)':>25}{'-':>10}")
            continue
        startup = f"{statistics.median(c.startup) * 1000:.1f}ms"
        print(
            f"  {c.label:<31}{_spread(c.ours):>24}{_spread(c.base):>25}{startup:>10}"
            f"{_ratio(c.ours, c.base):>6.2f}x{_ratio(c.ours_cpu, c.base_cpu):>9.2f}x"
        )
    print()
    for c in chains:
        if not c.ours_only:
            ratio = _ratio(c.ours, c.base)
            verdict = "meets" if ratio >= 0.5 else "below"
            print(f"{c.label}: prex at {ratio:.2f}x openssl verify ({verdict} the 0.5x aim)")
    print()
    for c in chains:
        if c.ours_only:
            continue
        ours, base = statistics.median(c.ours), statistics.median(c.base)
        print(
            f"RESULT {c.result_name} ours={fmt(ours)}{UNIT} "
            f"baseline={fmt(base)}{UNIT} ratio={ours / base:.2f}"
        )
    for c in chains:  # the same without the cache of CA signatures, as openssl verify works
        if c.ours_only:
            continue
        cold, base = statistics.median(c.ours_cold), statistics.median(c.base)
        print(
            f"RESULT {c.result_name}_uncached ours={fmt(cold)}{UNIT} "
            f"baseline={fmt(base)}{UNIT} ratio={cold / base:.2f}"
        )


def profile(chains: Sequence[Chain], passes: int, top: int) -> None:
    for c in chains:
        assert c.validator is not None
        profiler = cProfile.Profile()
        ders = c.leaf_ders * passes
        profiler.enable()
        validate_all(c.validator, ders)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        print(f"\nprofile: {c.label}, {len(ders)} validations (cProfile inflates Python calls)")
        stats.sort_stats("tottime").print_stats(top)
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small and short")
    parser.add_argument("--leaves", type=int, help="leaves per algorithm (300; quick 24)")
    parser.add_argument("--passes", type=int, help="runs through the leaves a round (10; quick 5)")
    parser.add_argument("--rounds", type=int, help="rounds (7; quick 3)")
    parser.add_argument("--profile", action="store_true", help="then cProfile ours")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    args = parser.parse_args(argv)
    for name, full, small in (("leaves", 300, 24), ("passes", 10, 5), ("rounds", 7, 3)):
        if getattr(args, name) is None:
            setattr(args, name, small if args.quick else full)
    if args.leaves < 2 or args.passes < 1 or args.rounds < 1:
        parser.error("at least 2 leaves, 1 pass and 1 round")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("openssl") is None:
        print("openssl is not on PATH", file=sys.stderr)
        return 1
    print(openssl("version").stdout.decode().strip(), flush=True)
    work = Path(tempfile.mkdtemp(prefix="prex-bench-pki-"))
    try:
        chains, setup = build_chains(work, args.leaves)
        for c in chains:
            c.validator = make_validator(c)
            c.cold = make_validator(c, cold=True)
            validate_all(c.validator, c.leaf_ders[:2])  # warm: the CA signature cache, imports
            if not c.ours_only:
                openssl_verify(c, c.leaf_names)  # every leaf verifies; pages the files in
        for r in range(args.rounds):
            for c in chains:
                gc.collect()
                wall, cpu = run_ours(c, args.passes)
                c.ours.append(wall)
                c.ours_cpu.append(cpu)
                c.ours_cold.append(run_ours(c, args.passes, cold=True)[0])
                if not c.ours_only:
                    wall, cpu, single = run_openssl(c, args.passes)
                    c.base.append(wall)
                    c.base_cpu.append(cpu)
                    c.startup.append(single)
            print(
                f"  round {r + 1}/{args.rounds}: "
                + ", ".join(
                    f"{c.key} {fmt(c.ours[-1])}" + ("" if c.ours_only else f"/{fmt(c.base[-1])}")
                    for c in chains
                ),
                flush=True,
            )
        report(chains, args, setup)
        if args.profile:
            profile(chains, args.passes, top=25)
    finally:
        if args.keep:
            print(f"working directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
