"""API fuzzing, the long profile: schemathesis against every operation as every caller.

The same machinery as the CI profile (tests/fuzz/profile.py), with many more generated
requests: the app's own OpenAPI document (/api/v1/openapi.json, in process over ASGI), a seeded
world (the demo province — tenders in every status with their bids, committees, evaluations,
awards and contracts, a complaint, land listings — and a machine client holding every scope; the
clock stands still where the seed leaves it), and for each
operation ``--examples`` requests with valid data and as many with invalid data, each sent as
each of 9 callers (admin, operator, agency, tenderer, bidder, expert, supervisor, the public, the
machine client). Every response is held to: no 5xx; a documented status, content type and body
schema; every 4xx a problem document. Each failure is printed with a curl to reproduce it.
Requests are single, not chained (no stateful links): the world gives path parameters real ids.

Figures:

* ``fuzz_cases_per_second``: fuzzed requests a second (generation, the call and the checks)
  beside the **same number of plain valid requests** (GET of the published tender, as the same
  callers in turn, through the same in-process client, nothing generated or checked);

and plain lines: ``COVERAGE`` (operations × callers, requests sent), ``SUCCEEDED`` (operations
that answered a 2xx to at least one caller, and operation/caller pairs that got one: how far past
their 404s and validation the requests reach; ``--list-succeeded`` lists them) and ``FAILURES``
(distinct operation/caller/check failures; the exit status is 1 when there are any).

    .venv/bin/python bench/fuzz.py                       # 25 + 25 requests per operation, SQLite
    .venv/bin/python bench/fuzz.py --database-url postgresql://postgres@127.0.0.1:5432/fuzz
    .venv/bin/python bench/fuzz.py --quick               # smoke: every 8th operation, 1 + 1

(``--database-url`` names an empty database that the script migrates and fills.) It ends, as
every benchmark here does, with one line per figure:

    RESULT <name> ours=<number><unit> baseline=<number><unit> ratio=<ours/baseline>
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # for tests.fuzz.profile and tests.factories

from tests.fuzz.profile import CALLERS, Finding, build_target, run_operation, unique  # noqa: E402

from prex.bootstrap import bootstrap  # noqa: E402
from prex.config import get_settings  # noqa: E402
from prex.db.migrate import upgrade  # noqa: E402
from prex.shared.clock import FixedClock  # noqa: E402
from prex.web.app import API_PREFIX, create_app  # noqa: E402


def fmt(value: float) -> str:
    """At least three significant figures, one decimal at least (no exponent)."""
    if value >= 10:
        return f"{value:.1f}"
    if value <= 0:
        return "0"
    return f"{value:.{max(2, 2 - math.floor(math.log10(value)))}f}"


def result(name: str, ours: float, base: float, unit: str) -> str:
    ratio = ours / base
    return f"RESULT {name} ours={fmt(ours)}{unit} baseline={fmt(base)}{unit} ratio={fmt(ratio)}"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small and short")
    parser.add_argument("--examples", type=int, default=None, help="requests per mode")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--database-url", default=None, help="an empty database (default: SQLite)")
    parser.add_argument("--only", default=None, help="operationIds containing this text")
    parser.add_argument(
        "--list-succeeded",
        action="store_true",
        help="list every operation with the callers it answered with a 2xx",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Malformed multipart bodies are the point here; the parser's warnings are noise.
    logging.getLogger("python_multipart").setLevel(logging.ERROR)
    examples = args.examples or (1 if args.quick else 25)
    with tempfile.TemporaryDirectory(prefix="prex-fuzz-") as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'prex.db'}"
        upgrade(url)
        settings = get_settings(
            environment="test",
            data_dir=folder,
            database_url=url,
            max_document_bytes=1024 * 1024,
            password_hashing="fast",
        )
        # The world's seed moves a fixed clock (prex.demo); the run stays at its end.
        services = bootstrap(settings, clock=FixedClock(datetime.now(UTC)))
        try:
            app = create_app(services)
            target = build_target(services, app)
            operations = sorted(target.operations())
            if args.only:
                operations = [o for o in operations if args.only in o]
            if args.quick:
                operations = operations[::8]
            findings: list[Finding] = []
            succeeded: dict[str, set[str]] = {}  # operation → callers answered with a 2xx
            cases = 0
            started = time.perf_counter()
            for operation_id in operations:
                outcome = run_operation(
                    target, operation_id, examples=examples, seed_value=args.seed
                )
                cases += outcome.cases
                findings += outcome.findings
                succeeded[operation_id] = outcome.succeeded
            fuzz_seconds = time.perf_counter() - started
            plain_seconds = plain_requests(app, target.callers, target.tender_id, cases)
        finally:
            services.close()
    distinct = list(unique(findings))
    print(f"{'operations':>12} {'callers':>8} {'requests':>9} {'seconds':>8} {'failures':>9}")
    row = (len(operations), len(CALLERS), cases, f"{fuzz_seconds:.1f}", len(distinct))
    print("{:>12} {:>8} {:>9} {:>8} {:>9}".format(*row))
    for finding in distinct:
        print(f"FAILURE {finding.line()}\n{finding.detail}\n")
    print(
        f"COVERAGE operations={len(operations)} callers={len(CALLERS)} "
        f"pairs={len(operations) * len(CALLERS)} requests={cases} examples_per_mode={examples}"
    )
    reached = sorted(o for o, callers in succeeded.items() if callers)
    pairs = sum(len(callers) for callers in succeeded.values())
    print(
        f"SUCCEEDED operations={len(reached)}/{len(operations)} "
        f"pairs={pairs}/{len(operations) * len(CALLERS)}"
    )
    if args.list_succeeded:
        for operation_id in sorted(succeeded):
            callers = ",".join(sorted(succeeded[operation_id])) or "-"
            print(f"  {operation_id} {callers}")
    print(f"FAILURES {len(distinct)}")
    print(result("fuzz_cases_per_second", cases / fuzz_seconds, cases / plain_seconds, "req/s"))
    return 1 if distinct else 0


def plain_requests(
    app: object, callers: dict[str, dict[str, str]], tender_id: str, n: int
) -> float:
    """Seconds for ``n`` plain valid requests (GET of the published tender, the callers in
    turn) through an in-process client: the baseline without generation or checks."""
    headers = list(callers.values())
    with TestClient(app, base_url="http://testserver") as client:  # type: ignore[arg-type]
        started = time.perf_counter()
        for i in range(n):
            response = client.get(f"{API_PREFIX}/tenders/{tender_id}", headers=headers[i % 9])
            assert response.status_code == 200, response.text
        return time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
