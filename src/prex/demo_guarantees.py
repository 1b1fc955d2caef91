"""The demo's electronic bid guarantee (电子保函): a guarantee company's organisation certificate
from the demo PKI, the shipped ``certificate`` provider configured with it, and bidder1's bond
in the open engineering tender issued, verified and recorded through it. The bond page of that
tender (as bidder1, or the centre's operator) shows it as kind ``e_guarantee``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from prex.bootstrap import Services
from prex.config import Settings
from prex.guarantees.service import RequestGuarantee, request_guarantee
from prex.identity.policy import Actor
from prex.identity.uscc import make_uscc
from prex.pki.demo import DemoPki, issue_organisation
from prex.tenders.service import get_tender_for

GUARANTOR_NAME = "浙江信保融资担保有限公司"
GUARANTOR_USCC = make_uscc("91330100MA0G1B2C4")
LABEL = "guarantor"


def guarantor_files(data_dir: Path) -> tuple[Path, Path]:
    """Where the demo guarantor's certificate (with its CA) and key are written."""
    directory = data_dir / "demo-pki"
    return directory / f"{LABEL}.key", directory / f"{LABEL}.pem"


def with_demo_guarantor(settings: Settings) -> Settings:
    """The settings with the demo guarantor as the ``certificate`` provider's, unless the
    deployment configured its own (PREX_GUARANTOR_KEY/CERT) or the demo made none."""
    key, cert = guarantor_files(settings.data_dir)
    if settings.guarantor_key is not None or not key.exists():
        return settings
    return settings.model_copy(update={"guarantor_key": key, "guarantor_cert": cert})


def seed_guarantee(
    services: Services, pki: DemoPki, bidder: Actor, tender_id: str, now: datetime
) -> str:
    """Issue the guarantor's certificate, configure the provider, and have ``bidder`` request
    its bond for the tender's first section as an electronic guarantee. Returns its id."""
    issue_organisation(pki, LABEL, GUARANTOR_NAME, GUARANTOR_USCC, now)
    services.settings = with_demo_guarantor(services.settings)
    section = get_tender_for(services.uow(bidder), tender_id).sections[0]
    view = request_guarantee(
        services.uow(bidder),
        services,
        RequestGuarantee(tender_id=tender_id, section_id=section.id, provider="certificate"),
    )
    return str(view["id"])
