"""CI fuzz profile, half 1 of 2: every operation as every caller (tests/fuzz/profile.py)."""

from __future__ import annotations

import pytest

from tests.fuzz.profile import CALLERS, Target, report, run_operation
from tests.fuzz.shards import CI_EXAMPLES, shard


@pytest.mark.parametrize("operation_id", shard(0))
def test_operation_answers_as_documented_to_every_caller(
    fuzz_target: Target, operation_id: str
) -> None:
    outcome = run_operation(fuzz_target, operation_id, examples=CI_EXAMPLES)
    assert outcome.cases >= len(CALLERS), operation_id  # at least one request per caller
    assert not outcome.findings, report(outcome.findings)
