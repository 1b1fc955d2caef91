"""The example broker (examples/broker/broker.py) beside ``prex demo``: a webhook receiver a
newcomer can watch.

The demo registers a broker's machine client (with ``webhooks.manage``); this module keeps its
credentials in the data folder (a demo's secret, like the demo keys in demo-pki) and, once the
demo server answers, starts the example broker as a child process on 127.0.0.1:8001. The broker
subscribes itself to every public event and shows what it received, each delivery verified with
``openssl cms -verify``, at its own page. The broker is an outside program — it is only found
in a source checkout — and the demo goes on without it when it is missing or its port is taken.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import prex

BROKER_PORT = 8001
CREDENTIALS = "demo-broker.json"


def example_broker() -> Path | None:
    """examples/broker/broker.py of the source checkout this package runs from, if any."""
    path = Path(prex.__file__).resolve().parents[2] / "examples" / "broker" / "broker.py"
    return path if path.is_file() else None


def remember_credentials(data_dir: Path, client_id: str, secret: str) -> None:
    path = data_dir / CREDENTIALS
    path.write_text(json.dumps({"client_id": client_id, "client_secret": secret}))
    path.chmod(0o600)


def credentials(data_dir: Path) -> tuple[str, str] | None:
    path = data_dir / CREDENTIALS
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    return str(data["client_id"]), str(data["client_secret"])


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


class DemoBroker:
    """The child process, started once the demo server answers (a thread waits for it)."""

    def __init__(
        self, script: Path, prex_url: str, client: tuple[str, str], data_dir: Path, port: int
    ) -> None:
        self.script, self.prex_url, self.client = script, prex_url, client
        self.data_dir, self.port = data_dir, port
        self.process: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """The broker's command line; its secret goes in its environment (:meth:`environment`):
        a command line is visible to every user of the machine, and a secret that begins with
        ``-`` would be taken for an option."""
        client_id, _ = self.client
        return [
            sys.executable,
            str(self.script),
            "--prex",
            self.prex_url,
            "--client-id",
            client_id,
            "--listen",
            f"127.0.0.1:{self.port}",
            "--events",
            "*",
            "--state-dir",
            str(self.data_dir / "demo-broker"),
        ]

    def environment(self) -> dict[str, str]:
        return {**os.environ, "PREX_CLIENT_SECRET": self.client[1]}

    def start_when_up(
        self, host: str, port: int, say: Callable[[str], None], wait: float = 120
    ) -> None:
        def run() -> None:
            deadline = time.monotonic() + wait
            while not _answers(host, port):
                if time.monotonic() > deadline:
                    say("the example broker was not started: the demo server did not answer")
                    return
                time.sleep(0.2)
            self.process = subprocess.Popen(self.command(), env=self.environment())

        self._thread = threading.Thread(target=run, name="prex-demo-broker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.join(timeout=1)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def prepare(
    data_dir: Path, prex_url: str, say: Callable[[str], None], port: int = BROKER_PORT
) -> DemoBroker | None:
    """The demo's broker, ready to start on ``port`` — or None, having said why not."""
    script = example_broker()
    client = credentials(data_dir)
    if script is None or client is None:
        say(
            "Webhooks: examples/broker/broker.py is not beside this installation (or the "
            "demo's broker client is unknown): no example receiver is started (docs/webhooks.md)"
        )
        return None
    if not port_free("127.0.0.1", port):
        say(
            f"Webhooks: port {port} is taken, so the example broker is not started; "
            f"run it by hand on another port: PREX_CLIENT_SECRET=… python {script} --prex "
            f"{prex_url} --client-id {client[0]} --listen 127.0.0.1:PORT "
            "(examples/broker/README.md)"
        )
        return None
    return DemoBroker(script, prex_url, client, data_dir, port)
