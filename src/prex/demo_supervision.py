"""The demo's big-data supervision: the warehouse filled and every red-flag rule run once, so
that a newcomer sees ``/analytics`` with figures and ``/supervision/flags`` with the collusion
the demo plants (two bidders of the Hangzhou metro tender sealed on one machine,
``demo._bids``), in the centre of the demo's ``supervisor``.

The worker keeps the warehouse up to date from then on (``PREX_ANALYTICS_REFRESH_SECONDS``);
flags are re-run with ``prex flags scan``.
"""

from __future__ import annotations

from prex.analytics.risk.scan import scan
from prex.analytics.risk.service import RunSummary
from prex.analytics.warehouse.refresh import RefreshResult, refresh_warehouse
from prex.bootstrap import Services
from prex.demo import SEED_ACTOR


def seed_supervision(services: Services) -> tuple[RefreshResult, RunSummary]:
    refreshed = refresh_warehouse(services, full=True)
    return refreshed, scan(services, SEED_ACTOR)
