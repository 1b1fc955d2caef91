"""Realistic data-spec records of tenders at every stage, made by the real builders (the same
the demo pushes, ``prex.demo_quality``), for the data-quality tests; and a direct store."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import insert

from prex.audit.chain import canonical_json
from prex.bootstrap import Services
from prex.demo_quality import STAGES, demo_tender, entry, stamped
from prex.exchange.dataspec.orm import upstream_records
from prex.exchange.dataspec.schemas import DATASETS

__all__ = ["STAGES", "entry", "stamped", "store", "tender"]

tender = demo_tender  # the demo's cities push the same tenders


def store(services: Services, platform: str, entries: list[dict[str, Any]]) -> None:
    """What ingestion stores for accepted records, written directly (for long generated streams
    where signing every batch would only slow the test down)."""
    now = services.clock.now()
    with services.writer_session() as session:
        for e in entries:
            session.execute(
                insert(upstream_records).values(
                    platform_code=platform,
                    dataset=e["dataset"],
                    record_key=DATASETS[e["dataset"]].key_of(e["record"]),
                    version=e["version"],
                    deal_code=e["record"]["UNIFIED_DEAL_CODE"],
                    idempotency_key=e["idempotency_key"],
                    content_sha256=hashlib.sha256(canonical_json(e["record"])).hexdigest(),
                    record=e["record"],
                    received_at=now,
                )
            )
        session.commit()
