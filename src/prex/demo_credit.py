"""The demo's credit records: the Hangzhou supervisor has blacklisted one building-materials
supplier (it may not register, bid or pay a deposit at the Hangzhou centre for a year)
and commended the demo's first bidder, so that ``/credit`` shows both to a newcomer.

The blacklisted supplier is an organisation of its own, with no user and no part in the demo's
tenders and listings: nothing else the demo does is barred by it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from prex.bootstrap import Services
from prex.credit.queries import local_date
from prex.credit.service import RecordCredit, record_credit
from prex.identity import service as identity
from prex.identity.policy import Actor
from prex.identity.uscc import make_uscc

BLACKLISTED = ("杭州恒固建材有限公司", make_uscc("91330100MA0W9Y8X1"))


def seed_credit(
    services: Services,
    *,
    admin: Actor,
    supervisor: Actor,
    centre_id: str,
    rewarded_org_id: str,
) -> dict[str, str]:
    """A blacklist (scope: the supervisor's centre ``centre_id``, one year) and a reward; returns
    their ids by kind."""
    name, uscc = BLACKLISTED
    org_id = identity.register_organisation(
        services.uow(admin), uscc=uscc, name=name, centre_id=centre_id, kinds=["bidder"]
    )
    today = local_date(services.clock)
    made: dict[str, Callable[[], RecordCredit]] = {
        "blacklist": lambda: RecordCredit(
            kind="blacklist",
            subject_kind="organisation",
            subject=org_id,
            basis="《招标投标法》第五十四条；《招标投标法实施条例》第六十八条；杭建监〔2026〕12号行政处罚决定",
            facts="以他人名义投标，骗取中标",
            valid_from=today,
            valid_until=today + timedelta(days=364),
            scope="centre",
            scope_value=centre_id,
        ),
        "reward": lambda: RecordCredit(
            kind="reward",
            subject_kind="organisation",
            subject=rewarded_org_id,
            basis="浙江省住房和城乡建设厅关于表彰2025年度建筑业优秀企业的决定",
            facts="2025年度浙江省建筑业诚信企业",
            valid_from=today,
            valid_until=today + timedelta(days=729),
        ),
    }
    return {kind: record_credit(services.uow(supervisor), cmd()).id for kind, cmd in made.items()}
