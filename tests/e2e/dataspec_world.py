"""Two instances for the data-spec exchange tests: the test's own (the city, which pushes) and a
province with a database of its own, served by a real uvicorn server on loopback, trusting the
OpenSSL-made CAs and with the city registered as a platform that signs with `rsa-orgid`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from prex.bootstrap import Services, bootstrap
from prex.config import get_settings
from prex.exchange.dataspec.inbound import register_platform, stored_records
from prex.exchange.dataspec.orm import dataspec_push_queue
from prex.exchange.dataspec.outbound import queue_dataspec_records
from prex.exchange.dataspec.sender import push_pending
from prex.shared.clock import FixedClock
from tests.conftest import fresh_database_url, migrated_pg_database
from tests.factories import ADMIN_ACTOR
from tests.live_server import serve
from tests.pki_helpers import trust_world
from tests.pki_openssl import PkiWorld

CITY = "PREX330100"
PROVINCE = "PREX330000"
SIGNER = "rsa-orgid"  # its credit code is in organizationIdentifier, which no profile reads


@dataclass
class Province:
    services: Services
    base: str

    @property
    def records_url(self) -> str:
        return f"{self.base}/api/v1/upstream/records"

    def stored(self) -> list[dict[str, Any]]:
        with self.services.read_session() as session:
            return stored_records(session, CITY)


def signer_pem(pki: PkiWorld, name: str, tmp: Path) -> Path:
    """The leaf and its chain in one PEM, as an operator configures PREX_UPSTREAM_CERTIFICATE."""
    leaf = pki.leaves[name]
    path = tmp / f"{name}-with-chain.pem"
    path.write_text(leaf.cert.read_text() + "".join(c.read_text() for c in leaf.chain))
    return path


@pytest.fixture(scope="session")
def pg_province() -> Iterator[str]:
    with migrated_pg_database("province") as url:
        yield url


@pytest.fixture
def province(
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    clock: FixedClock,
    pki_world: PkiWorld,
) -> Iterator[Province]:
    settings = get_settings(
        environment="test",
        data_dir=tmp_path / "province",
        database_url=fresh_database_url(backend, tmp_path / "province", request, "pg_province"),
        password_hashing="fast",
        platform_code=PROVINCE,
    )
    services = bootstrap(settings, clock=clock)
    trust_world(services, pki_world)
    register_platform(
        services,
        services.uow(ADMIN_ACTOR),
        code=CITY,
        name="杭州市公共资源交易中心",
        certificate_pem=signer_pem(pki_world, SIGNER, tmp_path).read_bytes(),
        credit_code=pki_world.uscc[SIGNER],
    )
    with serve(services) as base:
        yield Province(services, base)
    services.close()


_open: list[Services] = []


@pytest.fixture(autouse=False)
def close_pushers() -> Iterator[None]:
    """Close every pusher a test made (PostgreSQL warns about pooled connections left open)."""
    yield
    while _open:
        _open.pop().close()


def city_pusher(services: Services, url: str, pki: PkiWorld, tmp: Path) -> Services:
    """The city's worker: the same database and clock, configured to push to ``url``; closed
    by :func:`close_pushers`."""
    settings = services.settings.model_copy(
        update={
            "upstream_url": url,
            "upstream_certificate": signer_pem(pki, SIGNER, tmp),
            "upstream_key": pki.leaves[SIGNER].key,
            "platform_code": CITY,
            "upstream_retry_seconds": 1.0,
        }
    )
    pusher = bootstrap(settings, clock=services.clock)
    _open.append(pusher)
    return pusher


def drain(pusher: Services, transport: httpx.BaseTransport | None = None) -> None:
    """Worker passes until the outbox is read and nothing is left to send."""
    for _ in range(50):
        queued = queue_dataspec_records(pusher)
        push_pending(pusher, transport=transport)
        if not queued and not pending(pusher):
            return
    raise AssertionError("the push queue did not drain")


def pending(pusher: Services) -> list[Any]:
    with pusher.read_session() as session:
        return list(
            session.execute(
                select(dataspec_push_queue)
                .where(dataspec_push_queue.c.sent_at.is_(None))
                .order_by(dataspec_push_queue.c.id)
            )
        )


def queued(pusher: Services) -> list[Any]:
    with pusher.read_session() as session:
        return list(session.execute(select(dataspec_push_queue).order_by(dataspec_push_queue.c.id)))
