"""``prex serve``, ``prex worker`` and ``prex demo``: the long-running processes."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime
from types import FrameType

import typer
import uvicorn
from rich.table import Table

from prex import demo_broker
from prex.bootstrap import Services, bootstrap
from prex.cli.common import console, rejecting
from prex.config import get_settings
from prex.db.migrate import upgrade
from prex.demo import (
    DEMO_PASSWORD,
    PROVINCE_OPERATOR_NAME,
    USERS,
    DemoSeed,
    already_seeded,
    seed_demo,
)
from prex.demo_award import PROVINCE_OPERATOR
from prex.demo_guarantees import with_demo_guarantor
from prex.demo_supervision import seed_supervision
from prex.exchange.federation.importing import import_demo_publisher
from prex.exchange.releases.sources import tender_ocid
from prex.ops.logs import configure_logging
from prex.shared.clock import FixedClock
from prex.worker import run_forever, run_once

HOST = typer.Option("127.0.0.1", "--host", help="address to listen on")
PORT = typer.Option(8000, "--port", help="port to listen on")


def _logging() -> None:
    """JSON lines or text (PREX_LOG_FORMAT), secrets redacted, request ids stamped."""
    configure_logging(get_settings().log_format, logging.INFO)


@rejecting
def serve(
    host: str = HOST,
    port: int = PORT,
    workers: int = typer.Option(1, "--workers", min=1, help="server processes"),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        "--forwarded-allow-ips",
        help="comma-separated addresses of the TLS-terminating proxies whose X-Forwarded-Proto "
        "and X-Forwarded-For are believed ('*' for any; default $FORWARDED_ALLOW_IPS or "
        "127.0.0.1); HSTS and the Secure session cookie follow it",
    ),
) -> None:
    """Serve the portal and the API (no worker; run `prex worker` beside it)."""
    _logging()
    get_settings()  # refuse bad settings before forking
    uvicorn.run(
        "prex.web.asgi:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        access_log=False,
        log_level="info",
        # Live pages push small JSON to every watcher: deflating each copy for each connection
        # cost more server CPU than the bidding itself in bench/auction.py (64 s against 38 s).
        ws_per_message_deflate=False,
        # With --workers, uvicorn's parent pings each child and replaces one that does not
        # answer within this time (5 s by default): on a saturated machine — a deadline rush on
        # two cores — healthy children were killed in a loop. Half a minute still catches a hung
        # process.
        timeout_worker_healthcheck=30,
    )


@rejecting
def worker(once: bool = typer.Option(False, "--once", help="one pass, then exit")) -> None:
    """Execute due timed transitions and deliver notifications, in a loop."""
    _logging()
    services = bootstrap(get_settings())
    try:
        if once:
            result = run_once(services)
            console.print(
                f"{result.transitions} transitions, {result.notifications} notifications, "
                f"{result.emails} e-mails, {result.releases} OCDS releases, "
                f"{result.pushed} records pushed, {result.federated} releases federated"
            )
            return
        stop = threading.Event()

        def _stop(_signum: int, _frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        run_forever(services, stop)
    finally:
        services.close()


def _ocds_line(services: Services, seeded: DemoSeed | None, base: str) -> str:
    """Where the demo's OCDS data is: the release feed, and the record of the signed contract."""
    line = f"OCDS releases (published by the worker): {base}/api/v1/ocds/releases"
    if seeded is not None and "complete" in seeded.tenders:
        with services.read_session() as session:
            ocid = tender_ocid(session, services.settings.ocds_prefix, seeded.tenders["complete"])
        if ocid:
            line += f" — a record: {base}/api/v1/ocds/records/{ocid}"
    return line


@rejecting
def demo(host: str = HOST, port: int = PORT) -> None:
    """Migrate, seed the demo province (once), and start the web server and the worker."""
    _logging()
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    seeding = bootstrap(settings, clock=FixedClock(datetime.now(UTC)))
    seeded = None
    try:
        if already_seeded(seeding):
            console.print(f"demo data already in {settings.data_dir} (delete it to reseed)")
        else:
            with console.status("seeding the demo province…"):
                seeded = seed_demo(seeding, now=datetime.now(UTC))
                if seeded.integration:
                    demo_broker.remember_credentials(settings.data_dir, *seeded.integration)
                import_demo_publisher(seeding)
                seed_supervision(seeding)
    finally:
        seeding.close()
    # The worker releases the demo's electronic guarantee through the demo guarantor's provider.
    settings = with_demo_guarantor(settings)
    services = bootstrap(settings)
    stop = threading.Event()
    worker_thread = threading.Thread(
        target=run_forever, args=(services, stop), name="prex-worker", daemon=True
    )
    worker_thread.start()
    table = Table(
        title=f"prex demo · http://{host}:{port}  (password for every user: {DEMO_PASSWORD})"
    )
    table.add_column("user")
    table.add_column("role")
    table.add_column("who")
    for username, display, role, _org in USERS:
        table.add_row(username, role.value, display)
    table.add_row(PROVINCE_OPERATOR, "operator", f"{PROVINCE_OPERATOR_NAME}（远程异地评标的副场）")
    # The committee members of the demo's evaluated tenders (made as they were drawn).
    for username, name in seeded.expert_accounts if seeded else []:
        table.add_row(
            username, "expert", f"评标专家 {name}（评标委员会成员，证书 demo-pki/{username}.pem）"
        )
    console.print(table)
    console.print(
        f"CA互认: two demo CAs are trusted; certificates to try are in "
        f"{settings.data_dir / 'demo-pki'} (README.txt), the trust list at "
        f"http://{host}:{port}/cas",
        highlight=False,
    )
    live = f"/listings/{seeded.listings['live']}/live" if seeded else "/listings"
    console.print(
        f"Live bidding (网络竞价) until about 2 hours from now: http://{host}:{port}{live} — "
        "sign in as bidder1 or bidder3 and sign bids in the page with demo-pki/bidder1.pem + "
        "bidder1.key (RSA) or bidder3.pem + bidder3.key (ECDSA); bidder2 leads, its SM2 key "
        "cannot sign in a browser",
        highlight=False,
    )
    if seeded and seeded.complaint:
        console.print(
            f"A complaint (投诉) suspends the tender in publicity: sign in as supervisor and "
            f"decide it at http://{host}:{port}/complaints/{seeded.complaint} (docs/complaints.md)",
            highlight=False,
        )
    console.print(
        f"Credit (信用信息): http://{host}:{port}/credit — one blacklisted supplier "
        "(杭州恒固建材, barred at the Hangzhou centre for a year) and one commended bidder; the "
        "supervisor records, publishes and revokes at /supervision/credit (docs/credit.md)",
        highlight=False,
    )
    if seeded and seeded.integration:
        client_id, secret = seeded.integration
        console.print(
            f"A broker's machine client (系统对接, docs/integration.md): curl -u "
            f"{client_id}:{secret} http://{host}:{port}/api/v1/oauth/token -d "
            "grant_type=client_credentials — the secret is shown this once; operators see "
            f"clients at http://{host}:{port}/integrations",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        f"Data quality (数据质量) of the three cities' pushes: http://{host}:{port}/quality — "
        "sign in as supervisor or operator; `prex quality` in a shell (docs/quality.md)",
        highlight=False,
    )
    console.print(
        f"Public change feed (公开数据变更): http://{host}:{port}/api/v1/feed — follow "
        "next_cursor (docs/feed.md)",
        highlight=False,
    )
    console.print(
        _ocds_line(services, seeded, f"http://{host}:{port}"), highlight=False, soft_wrap=True
    )
    console.print(
        f"Federation (联网汇聚): http://{host}:{port}/federation — an external OCDS publisher is "
        "imported; subscribe to another centre with prex federate add URL (docs/federation.md)",
        highlight=False,
    )
    console.print(
        f"Big-data supervision (大数据监管): http://{host}:{port}/analytics (market dashboards) "
        f"and http://{host}:{port}/supervision/flags (red flags, alerts, cases) — sign in as "
        "supervisor; `prex analytics refresh`, `prex flags scan` (docs/red-flags.md)",
        highlight=False,
    )
    console.print(
        f"Electronic archive (电子档案) of each ended tender: http://{host}:{port}/archives — "
        "sign in as operator, supervisor or tenderer, download the file and check it offline "
        "with prex archive verify FILE (docs/archive.md)",
        highlight=False,
    )
    console.print(
        f"Operations (运维): http://{host}:{port}/healthz and /readyz for the load balancer, "
        f"http://{host}:{port}/metrics for Prometheus (from this machine), `prex backup FILE` "
        "and `prex restore FILE` (docs/operations.md)",
        highlight=False,
    )
    broker = demo_broker.prepare(
        settings.data_dir,
        f"http://127.0.0.1:{port}",
        lambda text: console.print(text, highlight=False, soft_wrap=True),
    )
    if broker is not None:
        console.print(
            f"Webhooks (事件推送): the example broker (examples/broker) at {broker.url} "
            "subscribes itself to every public event with the broker client's own token and "
            "lists each delivery it verified with openssl — publish a tender or wait for the "
            "sandbox deadline (docs/webhooks.md)",
            highlight=False,
        )
        broker.start_when_up("127.0.0.1", port, console.print)
    from prex.web.app import create_app

    try:
        uvicorn.run(
            create_app(services),
            host=host,
            port=port,
            access_log=False,
            log_level="info",
            ws_per_message_deflate=False,  # as in `prex serve`
        )
    finally:
        if broker is not None:
            broker.stop()
        stop.set()
        worker_thread.join(timeout=10)
        services.close()
