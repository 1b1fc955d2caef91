"""Submitting a sealed envelope to a platform over HTTP, resumably (the bidder's side of the
protocol in docs/envelope-format.md, "Resumable upload"). Used by ``prex bid submit``.

The envelope is hashed, an upload is created under an idempotency key (by default derived from
the envelope's SHA-256, so that running the same command again finds the same upload), and the
bytes are appended in chunks from the offset the server holds. A dropped connection, a timeout
or a restarted server costs a pause and a question — "what offset do you have?" — never the
bytes already sent, and never a second bid: whatever happens, the receipt comes back for the
one envelope. Imports nothing of the server.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

OFFSET_MEDIA_TYPE = "application/offset+octet-stream"
DEFAULT_CHUNK = 8 * 1024 * 1024
_PIECE = 256 * 1024
#: Problems after which the client simply asks the server for its offset and carries on.
_RESYNC = {"upload-offset-mismatch", "upload-busy"}
#: Problems after which the client creates the upload again (same key) and carries on.
_RECREATE = {"upload-not-found", "upload-gone"}

Progress = Callable[[int, int], None]  # (bytes the server holds or is receiving, total)


class SubmitError(Exception):
    """The platform refused the envelope (``problem`` is its problem document), or did not
    answer for too long (``problem`` is None). Running again with the same key resumes."""

    def __init__(self, message: str, *, status: int | None = None, problem: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.problem = problem if isinstance(problem, dict) else None

    @property
    def slug(self) -> str | None:
        kind = (self.problem or {}).get("type")
        return kind.removeprefix("/problems/") if isinstance(kind, str) else None


@dataclass(frozen=True)
class Submitted:
    receipt: dict[str, Any]
    upload_id: str
    key: str
    sha256: str
    size: int
    resumed_from: int  # the offset the server already held when this run began
    sent: int  # bytes this run sent
    replayed: bool  # the platform had received this envelope under this key before


def envelope_digest(path: Path, progress: Progress | None = None) -> tuple[str, int]:
    """SHA-256 and size of the envelope file."""
    hasher = hashlib.sha256()
    size = path.stat().st_size
    done = 0
    with path.open("rb") as handle:
        while piece := handle.read(1024 * 1024):
            hasher.update(piece)
            done += len(piece)
            if progress:
                progress(done, size)
    return hasher.hexdigest(), size


def default_key(sha256: str) -> str:
    """The idempotency key of an envelope when none is given: the same envelope, the same key."""
    return f"env-{sha256[:40]}"


def _problem(response: httpx.Response) -> tuple[str | None, Any]:
    try:
        body = response.json()
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, body
    kind = body.get("type")
    return (kind.removeprefix("/problems/") if isinstance(kind, str) else None), body


def refused(response: httpx.Response) -> SubmitError:
    """The platform's refusal as an error carrying its problem document (one line to show)."""
    _slug, body = _problem(response)
    detail = body.get("detail") if isinstance(body, dict) else None
    return SubmitError(
        str(detail or f"HTTP {response.status_code}: {response.text[:300]}"),
        status=response.status_code,
        problem=body,
    )


class _Session:
    """One run: the HTTP client, the patience for an unreachable server, and the progress."""

    def __init__(
        self,
        client: httpx.Client,
        retry_for: float,
        progress: Progress | None,
        sleep: Callable[[float], None],
    ) -> None:
        self.client = client
        self.retry_for = retry_for
        self.progress = progress
        self.sleep = sleep
        self.silent_since: float | None = None
        self.pause = 0.2

    def answered(self) -> None:
        self.silent_since = None
        self.pause = 0.2

    def wait(self, why: str) -> None:
        """Back off after a transport error or a 5xx; give up after ``retry_for`` seconds of
        nothing but those."""
        now = time.monotonic()
        if self.silent_since is None:
            self.silent_since = now
        if now - self.silent_since > self.retry_for:
            raise SubmitError(
                f"the platform did not answer for {self.retry_for:.0f} s ({why}); run the same "
                "command again to resume"
            )
        self.sleep(self.pause)
        self.pause = min(self.pause * 2, 5.0)

    def call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """A request that is retried while the server is unreachable or failing (5xx)."""
        while True:
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                self.wait(type(exc).__name__)
                continue
            if response.status_code >= 500:
                self.wait(f"HTTP {response.status_code}")
                continue
            self.answered()
            return response


def submit_envelope(
    server: str,
    token: str,
    tender_id: str,
    envelope: Path,
    *,
    key: str | None = None,
    chunk_bytes: int = DEFAULT_CHUNK,
    retry_for: float = 60.0,
    progress: Progress | None = None,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Submitted:
    """Upload ``envelope`` for ``tender_id`` resumably and return the receipt; raises
    :class:`SubmitError` when the platform refuses it or stays unreachable for ``retry_for``
    seconds (then the same call, with the same key, resumes)."""
    if chunk_bytes < 1:
        raise ValueError("chunk_bytes must be positive")
    sha256, size = envelope_digest(envelope)
    key = key or default_key(sha256)
    own = client is None
    http = client or httpx.Client(
        base_url=server.rstrip("/"), timeout=httpx.Timeout(120.0, connect=10.0)
    )
    auth = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    run = _Session(http, retry_for, progress, sleep)
    try:
        state = _create(run, auth, tender_id, key, size, sha256)
        resumed_from = int(state["offset"])
        sent = 0
        upload_id = str(state["id"])
        offset = resumed_from
        while True:
            if state.get("receipt"):
                receipt = dict(state["receipt"])
                return Submitted(
                    receipt, upload_id, key, sha256, size, resumed_from, sent, sent == 0
                )
            end = min(offset + chunk_bytes, size)
            if progress:
                progress(offset, size)
            try:
                response = http.patch(
                    f"/api/v1/uploads/{upload_id}",
                    content=_pieces(envelope, offset, end, size, progress),
                    headers={
                        **auth,
                        "Content-Type": OFFSET_MEDIA_TYPE,
                        "Content-Length": str(end - offset),
                        "Upload-Offset": str(offset),
                    },
                )
            except httpx.TransportError as exc:
                run.wait(type(exc).__name__)
                state = _resync(run, auth, upload_id, tender_id, key, size, sha256)
                upload_id, offset = str(state["id"]), int(state["offset"])
                continue
            if response.status_code >= 500:
                run.wait(f"HTTP {response.status_code}")
                state = _resync(run, auth, upload_id, tender_id, key, size, sha256)
                upload_id, offset = str(state["id"]), int(state["offset"])
                continue
            run.answered()
            if response.status_code == 204:
                sent += end - offset
                offset = int(response.headers["Upload-Offset"])
                continue
            if response.status_code in (200, 201):
                sent += end - offset
                replayed = response.status_code == 200
                receipt = response.json()
                return Submitted(
                    receipt, upload_id, key, sha256, size, resumed_from, sent, replayed
                )
            slug, _body = _problem(response)
            if slug in _RESYNC or slug in _RECREATE:
                if slug == "upload-busy":  # our own previous append may still be finishing
                    run.wait("the upload is busy")
                state = _resync(run, auth, upload_id, tender_id, key, size, sha256)
                upload_id, offset = str(state["id"]), int(state["offset"])
                continue
            raise refused(response)
    finally:
        if own:
            http.close()


def _create(
    run: _Session, auth: dict[str, str], tender_id: str, key: str, size: int, sha256: str
) -> dict[str, Any]:
    response = run.call(
        "POST",
        f"/api/v1/tenders/{tender_id}/uploads",
        json={"length": size, "sha256": sha256},
        headers={**auth, "Idempotency-Key": key},
    )
    if response.status_code not in (200, 201):
        raise refused(response)
    state: dict[str, Any] = response.json()
    return state


def _resync(
    run: _Session,
    auth: dict[str, str],
    upload_id: str,
    tender_id: str,
    key: str,
    size: int,
    sha256: str,
) -> dict[str, Any]:
    """Ask the server where the upload stands (creating it again if it is gone)."""
    response = run.call("GET", f"/api/v1/uploads/{upload_id}", headers=auth)
    if response.status_code == 200:
        state: dict[str, Any] = response.json()
        return state
    slug, _body = _problem(response)
    if slug in _RECREATE:
        return _create(run, auth, tender_id, key, size, sha256)
    raise refused(response)


def _pieces(
    path: Path, start: int, end: int, size: int, progress: Progress | None
) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(start)
        at = start
        while at < end:
            piece = handle.read(min(_PIECE, end - at))
            if not piece:
                raise SubmitError(f"{path} shrank while it was being sent")
            at += len(piece)
            yield piece
            if progress:
                progress(at, size)
