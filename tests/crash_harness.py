"""Run prex in a process of its own with failpoints armed, see it die, and check what it left.

``crash_run`` forks a child over the test's database and data folder, at the test's clock,
with the failpoints armed: the child serves the given HTTP requests
through the real application (the ASGI app in the child, over its own engines) and/or runs a
worker pass, and is killed by SIGKILL when it reaches the armed point — a real crash of a real
process, whose open transactions and files the database and the kernel deal with. The parent
then checks what was left: ``prex audit verify`` (the CLI, in a process of its own) and every
blob's name against its content.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
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
    overrides: dict[str, Any] | None = None,
) -> Outcome:
    """Run the requests (``{"method", "path", "headers", "json"}``) then, if ``worker``, one
    worker pass in a child process at ``now``; its exit status and the answers it got.
    ``overrides``: further settings of the child (a platform code, an upstream …).

    The child is forked from the test process (importing the application again would cost
    seconds per crash): it builds services of its own — its own engines and connections, the
    parent's are never used — arms the failpoints as ``PREX_FAILPOINTS`` does at import, and
    sends each answer back through a pipe as soon as it has it."""
    job = {
        "now": now.isoformat(),
        "settings": {
            "environment": "test",
            "data_dir": str(settings.data_dir),
            "database_url": settings.resolved_database_url,
            "password_hashing": settings.password_hashing,
            "max_document_bytes": settings.max_document_bytes,
            **(overrides or {}),
        },
        "requests": requests or [],
        "worker": worker,
    }
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_forked, args=(job, failpoints, writer), daemon=True)
    child.start()
    writer.close()
    answers: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        if not reader.poll(max(0.0, deadline - time.monotonic())):
            child.kill()
            raise AssertionError(f"the child did not finish within {timeout} s: {answers}")
        try:
            answers.append(reader.recv())
        except EOFError:  # the child is gone (exited or killed): its end of the pipe closed
            break
    child.join(timeout)
    reader.close()
    assert child.exitcode is not None
    failures = [a["error"] for a in answers if "error" in a]
    return Outcome(child.exitcode, [a for a in answers if "error" not in a], "\n".join(failures))


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


def _forked(job: dict[str, Any], failpoints: str | None, pipe: Connection) -> None:
    from prex.shared import faults

    try:
        faults.arm(failpoints, "test")
        _child(job, pipe.send)
    except BaseException:
        pipe.send({"error": traceback.format_exc()})
        raise


def _child(job: dict[str, Any], send: Callable[[dict[str, Any]], None]) -> None:
    from fastapi.testclient import TestClient

    from prex.bootstrap import bootstrap
    from prex.config import get_settings
    from prex.shared.clock import FixedClock
    from prex.web.app import create_app
    from prex.worker import run_once

    settings = get_settings(**job["settings"])
    services = bootstrap(settings, clock=FixedClock(datetime.fromisoformat(job["now"])))
    with TestClient(create_app(services), base_url="http://testserver") as client:
        for req in job["requests"]:
            response = client.request(
                req["method"], req["path"], headers=req.get("headers"), json=req.get("json")
            )
            send({"status": response.status_code, "body": response.text})
    if job["worker"]:
        send({"worker": run_once(services).summary()})
    services.close()
