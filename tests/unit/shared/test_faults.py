"""Failpoints: the spec's grammar, the refusal in production, and a real kill of a real process
at the N-th pass of a point (and not before)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prex.config import get_settings
from prex.shared import faults

REPO = Path(__file__).resolve().parents[3]
names = st.from_regex(r"[a-z][a-z_.]{0,20}", fullmatch=True)


@given(st.dictionaries(names, st.integers(min_value=1, max_value=99), max_size=5))
def test_a_spec_parses_back_to_its_points(points: dict[str, int]) -> None:
    spec = ",".join(f"{n}@{c}" if c > 1 else n for n, c in points.items())
    assert faults.parse(spec) == points


@pytest.mark.parametrize("spec", ["a@0", "a@x", "@3", "a@-1", "a@"])
def test_a_malformed_spec_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="PREX_FAILPOINTS"):
        faults.parse(spec)


def test_production_refuses_failpoints() -> None:
    with pytest.raises(faults.FailpointsInProduction):
        faults.arm("uow.before_commit", "production")
    assert faults.armed() == {}


def test_bootstrap_refuses_failpoints_in_production(tmp_path: Path) -> None:
    from prex.bootstrap import bootstrap

    faults.arm("uow.before_commit", "test")
    try:
        settings = get_settings(
            environment="production",
            data_dir=tmp_path,
            database_url=f"sqlite:///{tmp_path / 'p.db'}",
            secret_key="s" * 40,
            password_hashing="standard",
        )
        with pytest.raises(faults.FailpointsInProduction):
            bootstrap(settings)
    finally:
        faults.arm(None, None)


def test_an_unarmed_point_does_nothing() -> None:
    faults.arm(None, None)
    faults.point("uow.before_commit")  # still alive


def _run(code: str, spec: str | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    env.pop(faults.VARIABLE, None)
    env.pop("PREX_ENVIRONMENT", None)
    if spec is not None:
        env[faults.VARIABLE] = spec
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


def test_the_nth_pass_kills_the_process_with_sigkill() -> None:
    code = (
        "from prex.shared import faults\n"
        "for i in range(5):\n"
        "    print(i, flush=True)\n"
        "    faults.point('here')\n"
    )
    done = _run(code, "elsewhere,here@3")
    assert done.returncode == -signal.SIGKILL
    assert done.stdout.split() == ["0", "1", "2"]
    assert _run(code, None).returncode == 0
