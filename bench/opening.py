"""Opening many sealed bids: 500 envelopes of 5 MB, against the raw cost of their bytes.

Measures the opening as the server does it, envelope after envelope, read from the page cache:
the opening key combined once a round from 3 of 5 custodian shares (``threshold.combine``), then
for each envelope the server's own ``prex.opening.decrypt.open_envelope``: container.read
(structure) → content_key_with_opening_key (ECIES unwrap) → scan_payload (one pass: the payload
decrypted and the archive walked in memory — bid form and fingerprint kept, each document
hashed, nothing written — while every sealed byte feeds both the payload's SHA-256, checked
against the signed header, and the whole file's SHA-256, checked against the receipt) →
check_signature (CMS over the header) → the bid form checked against tender, section, bidder.

against, in the same run and over the same files, the raw cost of the bytes: each envelope file
read whole, one SHA-256 over all its bytes, and AES-256-GCM decryption (``cryptography``'s
AESGCM) of every payload chunk as stored, with the real content key, nonces and associated
data — no container, archive, signature or file output:

    .venv/bin/python bench/opening.py              # 500 envelopes of 5 MB, 3 rounds
    .venv/bin/python bench/opening.py --quick      # smoke run: 8 envelopes of 1 MB, 3 rounds
    .venv/bin/python bench/opening.py --profile    # then where our time goes (cProfile)

Setup (not timed): an opening key split 3-of-5 (``threshold.split_new_key("p256", 3, 5)``); a
self-made CA and an ECDSA P-256 signing certificate (``prex.pki.issue``); N envelopes sealed
with ``container.seal`` (suite P256-AES256GCM, default 64 KiB chunks) by a pool of worker
processes, each holding a small bid form, a fingerprint and one document of S random bytes
(distinct in every envelope). The full run needs 2.5 GB in the temporary directory; with less
than twice the data free, N is reduced (and the run says so). Every file is read once before the
timed rounds, so both sides read from the page cache; ours and the baseline alternate within a
round and a figure is the median of the rounds. MB is 10^6 bytes; throughput is envelope bytes
(the whole files) per second. The aim (issue 4) is ours ≤ 2x the raw cost in time.

It ends, as every benchmark here does, with one line per figure:

    RESULT <name> ours=<number><unit> baseline=<number><unit> ratio=<ours/baseline>
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import math
import os
import pstats
import shutil
import statistics
import struct
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from prex.envelope import container, pack, stream, threshold
from prex.envelope.container import canonical
from prex.opening.decrypt import Opened, open_envelope
from prex.pki.certs import Certificate, load_certificate
from prex.pki.issue import issue_certificate
from prex.pki.keys import PrivateKey
from prex.sealing.client import BidForm

SUITE = "P256-AES256GCM"
MB = 1_000_000
NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
TENDER, SECTION = "T-2026-BENCH", "S1"
FINGERPRINT = b'{"mac_sha256": [], "tool": "prex-bench"}'
STAGES = ("open",)
AIM = 2.0


@dataclass
class Envelope:
    path: Path
    size: int
    uscc: str
    sha256: str  # of the whole file, as a receipt names it
    parsed: container.Parsed | None = None
    content_key: bytes = b""  # for the baseline only: unwrapped at setup


@dataclass
class Run:
    envelopes: list[Envelope]
    commitments: threshold.Commitments
    shares: list[threshold.Share]
    scratch: Path
    document_size: int
    signer: str  # SHA-256 fingerprint of the signing certificate
    ours: list[float] = field(default_factory=list)  # seconds per round
    base: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)  # raw + writing the plaintext + deleting
    stages: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})

    @property
    def total_bytes(self) -> int:
        return sum(e.size for e in self.envelopes)

    def head(self, count: int) -> Run:
        """The same run over its first ``count`` envelopes (for warming up and profiling)."""
        return Run(
            self.envelopes[:count],
            self.commitments,
            self.shares,
            self.scratch,
            self.document_size,
            self.signer,
        )


# ---------------------------------------------------------------------------------------------
# Setup: a signer, an opening key, N envelopes sealed in worker processes
# ---------------------------------------------------------------------------------------------


def make_signer() -> tuple[PrivateKey, Certificate, Certificate]:
    """A self-made CA and an ECDSA P-256 signing certificate it issued: (key, leaf, CA)."""
    ca_key, leaf_key = PrivateKey.generate("ec-p256"), PrivateKey.generate("ec-p256")
    start, end = NOW - timedelta(days=30), NOW + timedelta(days=365)
    ca = issue_certificate(
        subject={"C": "CN", "O": "基准测试 CA", "CN": "prex bench CA"},
        subject_key=ca_key.public_key(),
        issuer=None,
        issuer_key=ca_key,
        not_before=start,
        not_after=end,
        ca=True,
    )
    leaf = issue_certificate(
        subject={
            "C": "CN",
            "O": "某某建设有限公司",
            "CN": "投标专用",
            "organizationIdentifier": "91110000802100433B",
        },
        subject_key=leaf_key.public_key(),
        issuer=ca,
        issuer_key=ca_key,
        not_before=start,
        not_after=end,
        key_usage={"digital_signature", "content_commitment"},
    )
    return leaf_key, leaf, ca


_WORKER: dict[str, Any] = {}


def _worker_init(
    key_pem: bytes, leaf_der: bytes, ca_der: bytes, point: bytes, folder: str, size: int
) -> None:
    _WORKER.update(
        key=PrivateKey.load(key_pem),
        leaf=load_certificate(leaf_der),
        chain=[load_certificate(ca_der)],
        point=point,
        folder=Path(folder),
        size=size,
    )


def _uscc(index: int) -> str:
    return f"91330100MA{index:07d}X"


def seal_one(index: int) -> tuple[int, str, int, str]:
    """Seal envelope ``index`` (in a worker); its file name, size and SHA-256."""
    w = _WORKER
    folder: Path = w["folder"]
    document = folder / f"doc-{index:05d}.bin"
    document.write_bytes(os.urandom(w["size"]))
    try:
        form = canonical(
            BidForm(Decimal(9_000_000 + index * 137), 540, "张三", "e_guarantee", "EG-1").to_json(
                TENDER, SECTION, _uscc(index)
            )
        )
        sealed = container.seal(
            out=folder / f"bid-{index:05d}.env",
            suite=SUITE,
            tender_id=TENDER,
            section_id=SECTION,
            bidder_uscc=_uscc(index),
            opening_public_point=w["point"],
            items=[
                pack.Item(pack.FORM, data=form),
                pack.Item(pack.FINGERPRINT, data=FINGERPRINT),
                pack.Item("documents/技术标.bin", path=document),
            ],
            signer_certificate=w["leaf"],
            signer_key=w["key"],
            chain=w["chain"],
            sealed_at=NOW,
        )
    finally:
        document.unlink(missing_ok=True)
    return index, sealed.path.name, sealed.size, sealed.sha256


def envelope_size(document_size: int) -> int:
    """About how large an envelope of one document is (for the disk check)."""
    plain = document_size + 4096
    return stream.sealed_length(plain, stream.DEFAULT_CHUNK) + 4096


def fit_to_disk(folder: Path, count: int, document_size: int) -> int:
    """``count``, reduced (with a note) so that twice the data fits in the free space."""
    free = shutil.disk_usage(folder).free
    per = envelope_size(document_size)
    if 2 * count * per <= free:
        print(
            f"  {count} envelopes need {count * per / 1e9:.2f} GB; "
            f"{free / 1e9:.1f} GB free in {folder.parent}",
            flush=True,
        )
        return count
    fitting = free // (2 * per)
    if fitting < 1:
        raise SystemExit(f"not enough free space in {folder} for even one envelope")
    print(
        f"  NOTE: only {free / 1e9:.1f} GB free in {folder.parent}, not room for twice "
        f"{count} x {document_size / MB:g} MB; running with {fitting} envelopes instead",
        flush=True,
    )
    return int(fitting)


def seal_all(folder: Path, count: int, document_size: int, workers: int) -> Run:
    started = time.perf_counter()
    commitments, shares = threshold.split_new_key("p256", 3, 5)
    key, leaf, ca = make_signer()
    envelopes: list[Envelope | None] = [None] * count
    init = (key.pkcs8_pem(), leaf.der, ca.der, commitments.public_point, str(folder))
    step = max(1, count // 10)
    done = 0
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_worker_init, initargs=(*init, document_size)
    ) as pool:
        futures = [pool.submit(seal_one, i) for i in range(count)]
        for future in as_completed(futures):
            index, name, size, sha256 = future.result()
            envelopes[index] = Envelope(folder / name, size, _uscc(index), sha256)
            done += 1
            if done % step == 0 or done == count:
                elapsed = time.perf_counter() - started
                print(f"  sealed {done}/{count} ({elapsed:.1f} s)", flush=True)
    sealed = [e for e in envelopes if e is not None]
    assert len(sealed) == count
    scratch = folder / "opened"
    scratch.mkdir()
    return Run(sealed, commitments, shares, scratch, document_size, leaf.fingerprint)


def prepare(run: Run, warm: int = 10) -> None:
    """Not timed: flush the sealing's writes to disk (so that no writeback competes with round
    1), page every file in, for the baseline parse each header and unwrap each content key (the
    baseline's raw cost starts from the key and the chunk layout), and run every side once over
    the first ``warm`` envelopes (the heap grows to its working size then, not in round 1)."""
    os.sync()
    scalar = threshold.combine(run.shares[:3], run.commitments, 3)
    for env in run.envelopes:
        with env.path.open("rb") as handle:
            env.parsed = container.read(handle, env.size, max_bytes=env.size)
            handle.seek(0)
            while handle.read(container.READ):
                pass
        env.content_key = container.content_key_with_opening_key(env.parsed, scalar)
    few = run.head(warm)
    open_all(few, run.shares[2:], {})
    raw_all(few)
    raw_all(few, write=True)


# ---------------------------------------------------------------------------------------------
# The two sides
# ---------------------------------------------------------------------------------------------


def open_all(run: Run, shares: Sequence[threshold.Share], stages: dict[str, float]) -> None:
    """The opening as the server does it, for every envelope; ``stages`` accumulates seconds."""
    clock = time.perf_counter
    t = clock()
    scalar = threshold.combine(shares, run.commitments, 3)
    stages["combine"] = stages.get("combine", 0.0) + clock() - t

    def key_for(parsed: container.Parsed) -> bytes:
        return container.content_key_with_opening_key(parsed, scalar)

    for env in run.envelopes:
        t0 = clock()
        result = open_envelope(
            env.path,
            expected_sha256=env.sha256,
            tender_id=TENDER,
            section_id=SECTION,
            bidder_uscc=env.uscc,
            content_key_for=key_for,
            max_bytes=env.size,
        )
        stages["open"] = stages.get("open", 0.0) + clock() - t0
        if (
            not isinstance(result, Opened)
            or result.signature.signer.fingerprint != run.signer
            or result.scanned.documents[-1].size != run.document_size
        ):
            raise AssertionError(f"{env.path.name} did not open as sealed: {result}")


def raw_all(run: Run, *, write: bool = False) -> int:
    """The raw cost: each file read whole, one SHA-256 over it, AES-256-GCM decryption of every
    stored chunk with the real key, nonce and associated data. Returns plaintext bytes.

    With ``write``, also each envelope's plaintext written as stored (one file, chunk by chunk)
    into a fresh folder, deleted afterwards: the file-system cost no opening to disk avoids.
    """
    plain = 0
    for i, env in enumerate(run.envelopes):
        parsed = env.parsed
        assert parsed is not None
        header = parsed.header
        aad, prefix = header.binding(), header.nonce_prefix
        with env.path.open("rb", buffering=0) as handle:
            data = handle.read()
        digest = hashlib.sha256(data).digest()
        aes = AESGCM(env.content_key)
        start = parsed.payload_offset
        view = memoryview(data)[start : start + header.payload_length]
        step = header.chunk_size + stream.TAG_BYTES
        count = max(1, -(-len(view) // step))
        folder = run.scratch / f"raw-{i:05d}"
        if write:
            folder.mkdir()
            sink: Any = (folder / "plain.bin").open("wb")
        for index in range(count):
            nonce = prefix + struct.pack(">IB", index, index == count - 1)
            piece = aes.decrypt(nonce, view[index * step : (index + 1) * step], aad)
            plain += len(piece)
            if write:
                sink.write(piece)
        if write:
            sink.close()
            shutil.rmtree(folder)
        if len(digest) != 32 or len(data) != env.size:
            raise AssertionError(f"{env.path.name}: short read")
    return plain


def _plain_length(env: Envelope) -> int:
    assert env.parsed is not None
    header = env.parsed.header
    chunks = max(1, -(-header.payload_length // (header.chunk_size + stream.TAG_BYTES)))
    return header.payload_length - chunks * stream.TAG_BYTES


def one_round(run: Run) -> tuple[float, float, float, dict[str, float]]:
    """Seconds of ours, of the raw cost and of the raw cost with file output, and our stages."""
    stages: dict[str, float] = {}
    expected = sum(_plain_length(e) for e in run.envelopes)
    gc.collect()
    t = time.perf_counter()
    open_all(run, run.shares[1:4], stages)
    ours = time.perf_counter() - t
    seconds = []
    for write in (False, True):
        gc.collect()
        t = time.perf_counter()
        plain = raw_all(run, write=write)
        seconds.append(time.perf_counter() - t)
        if plain != expected:
            raise AssertionError(f"the baseline decrypted {plain} bytes, not {expected}")
    return ours, seconds[0], seconds[1], stages


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def fmt(value: float) -> str:
    """At least three significant figures, and one decimal at least (no exponent)."""
    if value >= 10:
        return f"{value:.1f}"
    if value <= 0:
        return "0"
    return f"{value:.{max(2, 2 - math.floor(math.log10(value)))}f}"


def _spread(values: Sequence[float]) -> str:
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"


def report(run: Run, rounds: int, setup: float) -> float:
    n, total = len(run.envelopes), run.total_bytes
    mbytes = total / MB
    ours_rate = [mbytes / s for s in run.ours]
    base_rate = [mbytes / s for s in run.base]
    print()
    print(
        f"opening {n} envelopes of {run.document_size / MB:g} MB ({mbytes:.1f} MB of envelopes), "
        f"{rounds} round(s); medians over rounds (min–max in brackets), wall clock; "
        f"setup {setup:.0f} s; {os.cpu_count()} CPUs"
    )
    print(f"  {'':<34}{'seconds':>24}{'MB/s':>24}")
    print(
        f"  {'prex opening (read→check→open)':<34}{_spread(run.ours):>24}{_spread(ours_rate):>24}"
    )
    print(f"  {'raw: SHA-256 + AES-256-GCM':<34}{_spread(run.base):>24}{_spread(base_rate):>24}")
    floor_rate = [mbytes / s for s in run.floor]
    print(
        f"  {'raw + write plaintext + delete':<34}{_spread(run.floor):>24}{_spread(floor_rate):>24}"
    )
    ours, base = statistics.median(run.ours), statistics.median(run.base)
    floor = statistics.median(run.floor)
    print()
    print("  where ours goes (median seconds a round, share of our total):")
    per_stage = {s: statistics.median(v) for s, v in run.stages.items()}
    labels = {
        "combine": "threshold.combine (once)",
        "open": "open_envelope (each envelope)",
    }
    for stage in ("combine", *STAGES):
        value = per_stage[stage]
        print(f"    {labels[stage]:<36}{fmt(value):>9} s{100 * value / ours:>7.1f} %")
    print()
    ratio = ours / base
    verdict = "meets" if ratio <= AIM else "misses"
    print(
        f"prex opening takes {ratio:.2f}x the raw cost of the same bytes "
        f"({verdict} the aim of ≤ {AIM:g}x)"
    )
    print(
        f"the raw cost plus writing the plaintext to a file and deleting it, which opening to "
        f"disk cannot avoid, is {floor / base:.2f}x the raw cost; ours is {ours / floor:.2f}x that"
    )
    print()
    o_rate, b_rate = mbytes / ours, mbytes / base
    print(
        f"RESULT opening_throughput ours={fmt(o_rate)}MB/s baseline={fmt(b_rate)}MB/s "
        f"ratio={o_rate / b_rate:.2f}"
    )
    print(f"RESULT opening_total ours={fmt(ours)}s baseline={fmt(base)}s ratio={ratio:.2f}")
    return ratio


def profile(run: Run, limit: int, top: int) -> None:
    """cProfile of ours over the first ``limit`` envelopes, by own time, then by cumulative time
    within prex.envelope."""
    subset = run.head(limit)
    profiler = cProfile.Profile()
    profiler.enable()
    open_all(subset, run.shares[:3], {})
    profiler.disable()
    for key, restrict in (("tottime", ()), ("cumulative", ("prex/envelope",))):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(key).print_stats(*restrict, top)
        print(f"\nprofile: ours over {len(subset.envelopes)} envelopes, by {key} (cProfile)")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small and short")
    parser.add_argument("--envelopes", type=int, help="envelopes (500; quick 8)")
    parser.add_argument("--size-mb", type=float, help="document size in MB (5; quick 1)")
    parser.add_argument("--rounds", type=int, help="rounds (3; quick 3)")
    parser.add_argument("--workers", type=int, help="sealing processes (2, at most the CPUs)")
    parser.add_argument("--profile", action="store_true", help="then cProfile ours")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    args = parser.parse_args(argv)
    for name, full, small in (("envelopes", 500, 8), ("size_mb", 5.0, 1.0), ("rounds", 3, 3)):
        if getattr(args, name) is None:
            setattr(args, name, small if args.quick else full)
    if args.workers is None:
        args.workers = max(1, min(2, os.cpu_count() or 1))
    if args.envelopes < 1 or args.size_mb <= 0 or args.rounds < 1 or args.workers < 1:
        parser.error("at least 1 envelope, 1 round and 1 worker, and a positive size")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="prex-bench-opening-"))
    document_size = int(args.size_mb * MB)
    try:
        started = time.perf_counter()
        count = fit_to_disk(work, args.envelopes, document_size)
        print(f"sealing {count} envelopes with {args.workers} process(es)", flush=True)
        run = seal_all(work, count, document_size, args.workers)
        prepare(run)
        setup = time.perf_counter() - started
        for r in range(args.rounds):
            ours, base, floor, stages = one_round(run)
            run.ours.append(ours)
            run.base.append(base)
            run.floor.append(floor)
            for name, value in stages.items():
                run.stages.setdefault(name, []).append(value)
            print(
                f"  round {r + 1}/{args.rounds}: ours {fmt(ours)} s, raw {fmt(base)} s "
                f"({ours / base:.2f}x), raw with file output {fmt(floor)} s",
                flush=True,
            )
        ratio = report(run, args.rounds, setup)
        if args.profile or (ratio > AIM and not args.quick):
            if not args.profile:
                print("\nthe aim is missed: profiling ours (as --profile would)")
            profile(run, limit=min(len(run.envelopes), 50), top=25)
    finally:
        if args.keep:
            print(f"working directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
