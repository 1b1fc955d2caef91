"""Run prex in a process of its own with failpoints armed, see it die, and check what it left.

``crash_run`` starts ``python -m tests.crash_harness`` over the test's database and data folder,
at the test's clock, with ``PREX_FAILPOINTS`` set: the child serves the given HTTP requests
through the real application (the ASGI app in the child, over its own engines) and/or runs a
worker pass, and is killed by SIGKILL when it reaches the armed point — a real crash of a real
process, whose open transactions and files the database and the kernel deal with. The parent
then checks what was left: ``prex audit verify`` (the CLI, in a process of its own) and every
blob's name against its content.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from prex.config import Settings

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Outcome:
    returncode: int
    answers: list[dict[str, Any]]
    output: str

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL


def _env(settings: Settings, failpoints: str | None) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(REPO)]))
    env.update(
        PREX_DATA_DIR=str(settings.data_dir),
        PREX_DATABASE_URL=settings.resolved_database_url,
        PREX_ENVIRONMENT="test",
        PREX_PASSWORD_HASHING="fast",
    )
    env.pop("PREX_FAILPOINTS", None)
    if failpoints:
        env["PREX_FAILPOINTS"] = failpoints
    return env


def crash_run(
    settings: Settings,
    now: datetime,
    *,
    failpoints: str | None,
    requests: list[dict[str, Any]] | None = None,
    worker: bool = False,
    timeout: float = 60,
) -> Outcome:
    """Run the requests (``{"method", "path", "headers", "json"}``) then, if ``worker``, one
    worker pass in a child process at ``now``; its exit status and the answers it got."""
    job = {
        "now": now.isoformat(),
        "max_document_bytes": settings.max_document_bytes,
        "requests": requests or [],
        "worker": worker,
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.crash_harness", json.dumps(job)],
        cwd=REPO,
        env=_env(settings, failpoints),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return Outcome(done.returncode, answers, done.stdout + done.stderr)


def audit_verifies(settings: Settings) -> dict[str, Any]:
    """``prex audit verify --json`` (the CLI, over the environment an operator sets); the
    parsed answer, asserted ok."""
    from typer.testing import CliRunner

    from prex.cli.main import app

    done = CliRunner().invoke(app, ["audit", "verify", "--json"], env=_env(settings, None))
    assert done.exit_code == 0, done.output
    result = dict(json.loads(done.stdout))
    assert result["ok"] is True, result
    return result


def blobs_intact(settings: Settings, referenced: set[str] = frozenset()) -> int:  # type: ignore[assignment]
    """Every stored blob's content hashes to its name, and every ``referenced`` digest is
    stored; how many blobs there are."""
    root = settings.blob_dir
    count = 0
    for path in root.rglob("*"):
        if not path.is_file() or path.parent.name == "tmp" or "tmp" in path.relative_to(root).parts:
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest == path.name, f"blob {path} holds {digest}"
        count += 1
    for sha256 in referenced:
        path = root / sha256[:2] / sha256[2:4] / sha256
        assert path.is_file(), f"referenced blob {sha256} is missing"
    return count


def _child(job: dict[str, Any]) -> None:
    from fastapi.testclient import TestClient

    from prex.bootstrap import bootstrap
    from prex.config import get_settings
    from prex.shared.clock import FixedClock
    from prex.web.app import create_app
    from prex.worker import run_once

    settings = get_settings(max_document_bytes=job["max_document_bytes"])
    services = bootstrap(settings, clock=FixedClock(datetime.fromisoformat(job["now"])))
    with TestClient(create_app(services), base_url="http://testserver") as client:
        for req in job["requests"]:
            response = client.request(
                req["method"], req["path"], headers=req.get("headers"), json=req.get("json")
            )
            print(json.dumps({"status": response.status_code, "body": response.text}), flush=True)
    if job["worker"]:
        result = run_once(services)
        print(json.dumps({"worker": result.summary()}), flush=True)
    services.close()


if __name__ == "__main__":
    _child(json.loads(sys.argv[1]))
