"""Import every context's tables so that the metadata is complete (Alembic, create_all)."""

from prex.analytics.cases import orm as cases_orm
from prex.analytics.risk import orm as risk_orm
from prex.archive import orm as archive_orm
from prex.auctions import orm as auctions_orm
from prex.audit import orm as audit_orm
from prex.award import orm as award_orm
from prex.bidding import orm as bidding_orm
from prex.complaints import orm as complaints_orm
from prex.credit import orm as credit_orm
from prex.db.base import metadata
from prex.evaluation import orm as evaluation_orm
from prex.exchange.dataspec import orm as dataspec_orm
from prex.exchange.federation import orm as federation_orm
from prex.exchange.quality import orm as quality_orm
from prex.exchange.releases import orm as ocds_orm
from prex.experts import committee_orm as committee_orm
from prex.experts import orm as experts_orm
from prex.experts import venues_orm as venues_orm
from prex.guarantees import orm as guarantees_orm
from prex.identity import orm as identity_orm
from prex.integrations import orm as integrations_orm
from prex.notifications import orm as notifications_orm
from prex.opening import orm as opening_orm
from prex.pki import orm as pki_orm
from prex.tenders import orm as tenders_orm
from prex.webhooks import orm as webhooks_orm

__all__ = [
    "archive_orm",
    "auctions_orm",
    "audit_orm",
    "award_orm",
    "bidding_orm",
    "cases_orm",
    "committee_orm",
    "complaints_orm",
    "credit_orm",
    "dataspec_orm",
    "evaluation_orm",
    "experts_orm",
    "federation_orm",
    "guarantees_orm",
    "identity_orm",
    "integrations_orm",
    "metadata",
    "notifications_orm",
    "ocds_orm",
    "opening_orm",
    "pki_orm",
    "quality_orm",
    "risk_orm",
    "tenders_orm",
    "venues_orm",
    "webhooks_orm",
]
