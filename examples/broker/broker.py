"""An example broker's portal (经纪门户) talking to prex as a registered machine client.

It is an *outside* module: it never imports prex, only the standard library and httpx, and talks
to prex over HTTP as docs/integration.md and docs/webhooks.md describe. It

1. obtains an access token with its client credentials (OAuth 2.0, ``POST /api/v1/oauth/token``);
2. subscribes itself (scope ``webhooks.manage``) to public events at its own ``/webhooks`` URL,
   reusing its existing subscription for that URL when restarted;
3. offers bidders the consent flow: ``POST /consent/to-sign`` returns the exact bytes prex wants
   the bidder to sign with its own certificate, ``POST /consent`` forwards the signature — in
   both the bidder's own prex credential (``Authorization``) passes through, never stored: the
   consent is the bidder's act, prex checks it was the bidder who signed;
4. submits a bidder's sealed envelope (sealed and signed by the bidder with ``prex bid seal``:
   the broker never sees a plaintext or a key) on its behalf: ``POST /bids/{tender_id}`` with
   ``Prex-On-Behalf-Of: <organisation id>``, relaying prex's answer — receipt or problem
   document — unchanged;
5. receives webhooks at ``POST /webhooks``: verifies each with ``openssl cms -verify`` against the
   CA published at ``GET /api/v1/webhooks/certificates``, refuses a bad signature or a timestamp
   more than ``--max-skew`` seconds off (400), takes a repeated id again without processing it
   twice (200), and keeps what it received (``received.jsonl`` in ``--state-dir``), shown at
   ``GET /`` (HTML) and ``GET /received`` (JSON).

Run (see examples/broker/README.md)::

    PREX_CLIENT_SECRET=… python examples/broker/broker.py --prex http://127.0.0.1:8000 \\
        --client-id 01J… --listen 127.0.0.1:8001
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

DEFAULT_EVENTS = (
    "TenderPublished",
    "TenderAmended",
    "TenderCancelled",
    "BidDeadlineReached",
    "OpeningRecordPublished",
    "CandidatesPublished",
    "AwardNoticeIssued",
)
ON_BEHALF = "Prex-On-Behalf-Of"
BIDS = re.compile(r"^/bids/([0-9A-Za-z]{26})$")
MAX_BODY = 64 * 1024 * 1024  # an envelope may be large; a webhook body is small


class BrokerError(Exception):
    """A one-line reason the broker cannot start (printed, exit status 2)."""


@dataclass(frozen=True)
class Relayed:
    """prex's answer as it came: status, content type and bytes."""

    status: int
    content_type: str
    body: bytes
    retry_after: str | None = None


class Prex:
    """prex's API for this client: a token obtained (and obtained again) as needed."""

    def __init__(self, base: str, client_id: str, secret: str) -> None:
        self.client_id, self._secret = client_id, secret
        self.http = httpx.Client(base_url=base.rstrip("/"), timeout=30.0)
        self._token: str | None = None
        self._lock = threading.Lock()

    def token(self, *, fresh: bool = False) -> str:
        with self._lock:
            if self._token is None or fresh:
                answer = self.http.post(
                    "/api/v1/oauth/token",
                    data={"grant_type": "client_credentials"},
                    auth=(self.client_id, self._secret),
                )
                if answer.status_code != 200:
                    raise BrokerError(f"no token for {self.client_id}: {answer.text}")
                self._token = str(answer.json()["access_token"])
            return self._token

    def call(
        self,
        method: str,
        path: str,
        *,
        on_behalf_of: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """A call with the client's own token (again with a new one if it expired)."""
        extra = dict(headers or {})
        if on_behalf_of:
            extra[ON_BEHALF] = on_behalf_of
        for fresh in (False, True):
            extra["Authorization"] = f"Bearer {self.token(fresh=fresh)}"
            answer = self.http.request(method, path, headers=extra, **kwargs)
            if answer.status_code != 401:
                break
        return answer

    def as_bidder(
        self, method: str, path: str, authorization: str, **kwargs: Any
    ) -> httpx.Response:
        """A call with the bidder's own credential, passed through (a consent is its act)."""
        return self.http.request(method, path, headers={"Authorization": authorization}, **kwargs)

    def subscribe(self, url: str, events: list[str]) -> dict[str, Any]:
        """This client's subscription for ``url`` with ``events``, active: made or brought up to
        date (a restarted broker keeps its subscription, and its queue)."""
        listed = self.call("GET", "/api/v1/webhooks/subscriptions")
        if listed.status_code != 200:
            raise BrokerError(f"cannot list its subscriptions: {listed.text}")
        for sub in listed.json()["subscriptions"]:
            if sub["url"] == url:
                if sub["events"] == events and sub["active"]:
                    return dict(sub)
                changed = self.call(
                    "PATCH",
                    f"/api/v1/webhooks/subscriptions/{sub['id']}",
                    json={"events": events, "active": True},
                )
                if changed.status_code != 200:
                    raise BrokerError(f"cannot update subscription {sub['id']}: {changed.text}")
                return dict(changed.json())
        made = self.call(
            "POST",
            "/api/v1/webhooks/subscriptions",
            json={"url": url, "events": events, "description": "example broker"},
        )
        if made.status_code != 201:
            raise BrokerError(f"cannot subscribe: {made.text}")
        return dict(made.json())

    def certificates(self) -> str:
        answer = self.http.get("/api/v1/webhooks/certificates")
        if answer.status_code != 200 or "BEGIN CERTIFICATE" not in answer.text:
            raise BrokerError(f"no webhook certificates from prex: {answer.status_code}")
        return answer.text


def verify_with_openssl(
    ca_file: Path, message_id: str, timestamp: str, sig: str, body: bytes
) -> bool:
    """docs/webhooks.md, byte for byte: the detached CMS signature over ``{id}.{ts}.{body}``."""
    try:
        der = base64.b64decode(sig, validate=True)
    except ValueError:
        return False
    with tempfile.TemporaryDirectory() as folder:
        signed, signature = Path(folder, "signed.bin"), Path(folder, "sig.der")
        signed.write_bytes(f"{message_id}.{timestamp}.".encode() + body)
        signature.write_bytes(der)
        run = subprocess.run(
            ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(signature)]
            + ["-content", str(signed), "-CAfile", str(ca_file), "-purpose", "any"]
            + ["-out", "/dev/null"],
            capture_output=True,
            timeout=30,
        )
    return run.returncode == 0


@dataclass
class Inbox:
    """What the broker received: kept in memory and appended to a JSON lines file; the ids seen
    survive a restart (a redelivery after a restart is still taken once)."""

    path: Path
    received: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.path.exists():
            lines = self.path.read_text(encoding="utf-8").splitlines()
            self.received = [json.loads(line) for line in lines if line.strip()]

    def take(self, entry: dict[str, Any]) -> bool:
        """Store ``entry`` unless its id was taken before; whether it is new."""
        with self.lock:
            if any(r["id"] == entry["id"] for r in self.received):
                return False
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self.received.append(entry)
            return True

    def snapshot(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.received)


@dataclass
class Broker:
    prex: Prex
    inbox: Inbox
    ca_file: Path
    max_skew: int
    subscription: dict[str, Any] | None = None

    def webhook(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        message_id = headers.get("prex-webhook-id", "")
        timestamp = headers.get("prex-webhook-timestamp", "")
        signature = headers.get("prex-webhook-signature", "")
        if not (message_id and timestamp.isdigit() and signature):
            return 400, {"error": "missing Prex-Webhook-Id, -Timestamp or -Signature"}
        if abs(time.time() - int(timestamp)) > self.max_skew:
            return 400, {"error": f"timestamp more than {self.max_skew} s off"}
        if not verify_with_openssl(self.ca_file, message_id, timestamp, signature, body):
            return 400, {"error": "signature does not verify with the published chain"}
        change = json.loads(body)
        entry = {
            "id": message_id,
            "event": headers.get("prex-webhook-event", change.get("event")),
            "timestamp": int(timestamp),
            "received_at": time.time(),
            "verified": "openssl cms -verify",
            "change": change,
            "signature": signature,  # what was verified, to check again later
            "body": base64.b64encode(body).decode("ascii"),
        }
        if not self.inbox.take(entry):
            return 200, {"id": message_id, "duplicate": True}  # a retry: taken, not processed
        print(f"webhook {entry['event']} seq {change.get('seq')} {change.get('id')}", flush=True)
        return 200, {"id": message_id, "stored": True}

    def submit(
        self, tender_id: str, on_behalf_of: str, key: str | None, envelope: bytes
    ) -> Relayed:
        """The bidder's sealed envelope, as given, to prex for that bidder. The idempotency key
        defaults to one derived from the envelope, so a retry cannot submit twice."""
        key = key or "broker-" + hashlib.sha256(envelope).hexdigest()[:40]
        answer = self.prex.call(
            "POST",
            f"/api/v1/tenders/{tender_id}/bids",
            on_behalf_of=on_behalf_of,
            content=envelope,
            headers={"Idempotency-Key": key, "Content-Type": "application/octet-stream"},
        )
        return relayed(answer)


def relayed(answer: httpx.Response) -> Relayed:
    return Relayed(
        answer.status_code,
        answer.headers.get("content-type", "application/json"),
        answer.content,
        answer.headers.get("retry-after"),
    )


def page(broker: Broker) -> bytes:
    rows = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>".format(
            html.escape(time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r["received_at"]))),
            html.escape(str(r["event"])),
            html.escape(str(r["change"].get("seq"))),
            html.escape(str(r["change"].get("id"))),
            html.escape(r["verified"]),
        )
        for r in reversed(broker.inbox.snapshot())
    )
    sub = broker.subscription or {}
    text = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>示例经纪门户 · example broker</title></head><body>
<h1>示例经纪门户 · example broker</h1>
<p>client <code>{html.escape(broker.prex.client_id)}</code>, subscription
<code>{html.escape(str(sub.get("id")))}</code> to {html.escape(", ".join(sub.get("events", [])))}
— every delivery below verified with <code>openssl cms -verify</code> against the published
chain. JSON: <a href="/received">/received</a></p>
<table border="1" cellpadding="4"><tr><th>received</th><th>event</th><th>seq</th><th>object</th>
<th>verified</th></tr>{rows or '<tr><td colspan="5">nothing yet</td></tr>'}</table></body></html>"""
    return text.encode()


def handler(broker: Broker) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: Any) -> None:
            self._send(status, json.dumps(data, ensure_ascii=False).encode(), "application/json")

        def _relay(self, answer: Relayed) -> None:
            extra = {"Retry-After": answer.retry_after} if answer.retry_after else {}
            self._send(answer.status, answer.body, answer.content_type, **extra)

        def _body(self) -> bytes | None:
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY:
                self._json(413, {"error": "too large"})
                return None
            return self.rfile.read(length)

        def do_GET(self) -> None:
            if self.path == "/received":
                self._json(200, {"received": broker.inbox.snapshot()})
            elif self.path == "/health":
                self._json(
                    200, {"client_id": broker.prex.client_id, "subscription": broker.subscription}
                )
            elif self.path == "/":
                self._send(200, page(broker), "text/html; charset=utf-8")
            else:
                self._json(404, {"error": "not found"})

        def do_POST(self) -> None:
            body = self._body()
            if body is None:
                return
            try:
                self._post(body)
            except (BrokerError, httpx.HTTPError) as exc:  # prex unreachable, secret revoked …
                self._json(502, {"error": f"prex: {exc}"})

        def _post(self, body: bytes) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            if self.path == "/webhooks":
                status, answer = broker.webhook(headers, body)
                self._json(status, answer)
            elif self.path in ("/consent/to-sign", "/consent"):
                self._consent(headers, body)
            elif match := BIDS.match(self.path):
                on_behalf_of = headers.get(ON_BEHALF.lower())
                if not on_behalf_of:
                    self._json(400, {"error": f"say for whom: {ON_BEHALF}: <organisation id>"})
                    return
                key = headers.get("idempotency-key")
                self._relay(broker.submit(match.group(1), on_behalf_of, key, body))
            else:
                self._json(404, {"error": "not found"})

        def _consent(self, headers: dict[str, str], body: bytes) -> None:
            """The bidder's terms (``scopes``, ``valid_until``; then its ``signature``), for this
            broker's client id, forwarded with the bidder's own credential."""
            authorization = headers.get("authorization")
            if not authorization:
                self._json(401, {"error": "the bidder's own prex credential is required"})
                return
            try:
                terms = json.loads(body or b"{}")
                assert isinstance(terms, dict)
            except (ValueError, AssertionError):
                self._json(400, {"error": "a JSON object is expected"})
                return
            terms["client_id"] = broker.prex.client_id
            path = (
                "/api/v1/consents/to-sign" if self.path.endswith("to-sign") else "/api/v1/consents"
            )
            self._relay(relayed(broker.prex.as_bidder("POST", path, authorization, json=terms)))

        def log_message(self, format: str, *args: Any) -> None:
            sys.stderr.write("broker: " + format % args + "\n")

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="an example broker talking to prex")
    parser.add_argument("--prex", required=True, help="prex's base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--client-id", required=True)
    parser.add_argument(
        "--client-secret",
        default=os.environ.get("PREX_CLIENT_SECRET"),
        help="default: $PREX_CLIENT_SECRET (better: a command line is visible to every user)",
    )
    parser.add_argument("--listen", default="127.0.0.1:8001", help="host:port to listen on")
    parser.add_argument("--public-url", help="how prex reaches this broker (default: --listen)")
    parser.add_argument("--events", default=",".join(DEFAULT_EVENTS), help="comma-separated")
    parser.add_argument("--state-dir", type=Path, help="where received.jsonl and the CA go")
    parser.add_argument("--max-skew", type=int, default=300, help="seconds a timestamp may be off")
    args = parser.parse_args(argv)
    if not args.client_secret:
        parser.error("the client's secret goes in PREX_CLIENT_SECRET (or --client-secret=…)")
    host, _, port = args.listen.rpartition(":")
    state = args.state_dir or Path(tempfile.mkdtemp(prefix="prex-broker-"))
    state.mkdir(parents=True, exist_ok=True)
    try:
        server = http.server.ThreadingHTTPServer(
            (host, int(port)), http.server.BaseHTTPRequestHandler
        )
    except OSError as exc:
        print(f"broker: cannot listen on {args.listen}: {exc.strerror}", file=sys.stderr)
        return 2
    prex = Prex(args.prex, args.client_id, args.client_secret)
    try:
        ca_file = state / "prex-webhooks.pem"
        ca_file.write_text(prex.certificates())
        broker = Broker(prex, Inbox(state / "received.jsonl"), ca_file, args.max_skew)
        public = (args.public_url or f"http://{args.listen}").rstrip("/")
        events = [e.strip() for e in args.events.split(",") if e.strip()]
        broker.subscription = prex.subscribe(f"{public}/webhooks", events)
    except (BrokerError, httpx.HTTPError) as exc:
        print(f"broker: {exc}", file=sys.stderr)
        server.server_close()
        return 2
    server.RequestHandlerClass = handler(broker)
    print(
        f"broker listening on http://{args.listen} (subscription {broker.subscription['id']})",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
