"""A PostgreSQL cluster of a test's own (``initdb`` + ``pg_ctl``) that the test may stop and
start at will — never the shared server other tests use. Skipped where the binaries are missing.

``initdb`` refuses to run as root: as root the cluster belongs to the ``postgres`` OS user
(``runuser``), in a temporary folder of its own; its socket lives in that folder too."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.pki_openssl import free_port

BIN = Path(os.environ.get("PREX_PG_BIN", "/usr/lib/postgresql/15/bin"))


@dataclass
class PrivatePostgres:
    folder: Path
    port: int
    as_user: list[str]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(BIN / "pg_ctl"), "-D", str(self.folder / "data"), *args],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c max_connections=50"
        )
        self._ctl("start", "-w", "-l", str(self.folder / "log"), "-o", options)

    def stop(self, mode: str = "immediate") -> None:
        """``immediate``: the server process is gone at once, as in a crash (recovery runs at
        the next start); ``fast``: clients are disconnected and it shuts down cleanly."""
        self._ctl("stop", "-w", "-m", mode)


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    if not (BIN / "initdb").exists():
        pytest.skip(f"the PostgreSQL server binaries are not installed (looked in {BIN})")
    folder = Path(tempfile.mkdtemp(prefix="prex-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    cluster = PrivatePostgres(folder, free_port(), as_user)
    subprocess.run(
        [*as_user, str(BIN / "initdb"), "-D", str(folder / "data"), "-U", "postgres",
         "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
