"""Wiring: settings → engines, unit of work, clock, blob store, rule packs, mailer.

Everything else receives a :class:`Services` and never builds its own; tests build one with a
:class:`~prex.shared.clock.FixedClock` and a temporary data directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from prex.auctions.rules import AuctionRuleRegistry
from prex.config import Settings
from prex.db.engine import Engines, make_engines
from prex.db.uow import SqlUnitOfWork
from prex.identity.passwords import configure_hashing
from prex.identity.policy import Actor
from prex.notifications.mailer import Mailer, make_mailer
from prex.pki.service import Pki
from prex.shared import faults
from prex.shared.blobs import FileBlobStore
from prex.shared.clock import Clock, SystemClock
from prex.tenders.orm import start_mappers
from prex.tenders.rules import RulePackRegistry


@dataclass
class Services:
    settings: Settings
    engines: Engines
    clock: Clock
    blobs: FileBlobStore
    rule_packs: RulePackRegistry
    mailer: Mailer
    auction_rules: AuctionRuleRegistry = field(default_factory=AuctionRuleRegistry.bundled)
    _writer: sessionmaker[Session] = field(init=False)
    _reader: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self._writer = sessionmaker(self.engines.writer, expire_on_commit=False)
        self._reader = sessionmaker(self.engines.reader, expire_on_commit=False)

    def uow(self, actor: Actor) -> SqlUnitOfWork:
        """A unit of work acting for ``actor`` (who is stamped on every audit entry)."""
        return SqlUnitOfWork(self._writer, actor, self.clock)

    def writer_session(self) -> Session:
        """A plain writing session, for consumers that commit without domain events."""
        return self._writer()

    def read_session(self) -> Session:
        """A session for queries only (SQLite: no write lock taken)."""
        return self._reader()

    def read_connection(self) -> Connection:
        """A Core connection for queries only: lighter than a session, for hot read paths."""
        return self.engines.reader.connect()

    @cached_property
    def pki(self) -> Pki:
        """Certificate validation against the trust list (CA mutual recognition)."""
        return Pki(self)

    def close(self) -> None:
        self.engines.dispose()


def bootstrap(settings: Settings, *, clock: Clock | None = None, pool_size: int = 10) -> Services:
    if settings.environment == "production" and faults.armed():
        # The settings may say production where the environment variable did not (prex.toml).
        raise faults.FailpointsInProduction(f"{faults.VARIABLE} is set in production: refused")
    start_mappers()
    configure_hashing(settings.password_hashing)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Services(
        settings=settings,
        engines=make_engines(settings.resolved_database_url, pool_size=pool_size),
        clock=clock or SystemClock(),
        blobs=FileBlobStore(settings.blob_dir),
        rule_packs=RulePackRegistry.bundled(),
        mailer=make_mailer(settings),
    )
