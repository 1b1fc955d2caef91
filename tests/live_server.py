"""The app served by a real uvicorn server on a free local port, in a thread, over the test's own
services (so the test's clock and database are the server's)."""

from __future__ import annotations

import importlib.util
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from prex.bootstrap import Services
from prex.web.app import create_app


@contextmanager
def serve(services: Services, *, websockets: bool = False) -> Iterator[str]:
    """Yield the base URL (``http://127.0.0.1:PORT``) while the server runs."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(services),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="websockets-sansio" if websockets else "none",
        http="h11",
        loop="asyncio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve_launcher() -> Any:
    """``Server`` of bench/portal.py: the one launcher of the real server (``prex serve`` in a
    process group of its own) for benchmarks and tests."""
    name = "prex_bench_portal"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "bench" / "portal.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name].Server
