"""The contract of a machine client: its scopes, what each scope lets it do, its rate budget.

A scope is a capability an organisation can be trusted with, not a role: a broker's portal gets
``public.read`` and ``bid.submit``, a bank ``guarantee.issue``. Each scope grants a fixed set of
policy actions (:data:`SCOPE_ACTIONS`); a machine call whose route performs an action outside
its token's scopes is refused naming the scope. The policy table still decides on top of that:
a client acting for a bidder is that bidder's member for the policy, nothing more.

Only the standard library here (STYLE.md habit 1).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prex.award.acts import act_bytes
from prex.identity.policy import Action

# The limiter lives in prex.shared (one copy for clients and expensive endpoints alike).
from prex.shared.ratelimit import RateLimiter as RateLimiter
from prex.shared.ratelimit import TokenBucket as TokenBucket

# Access tokens are opaque; this prefix tells them from users' tokens without a lookup.
TOKEN_PREFIX = "pxc_"
TOKEN_LIFETIME_SECONDS = 3600
MAX_ACTIVE_SECRETS = 2  # the current secret and its successor, during a rotation

SCOPE_DESCRIPTIONS: dict[str, str] = {
    "public.read": "read what the public portal shows (announcements, parameters, results)",
    "bid.submit": "act for a bidder that consented: obtain documents, submit, replace and "
    "withdraw its sealed bids (sealed and signed by the bidder itself), record its bid bond, "
    "request an electronic guarantee for it",
    "guarantee.issue": "issue electronic bid guarantees (电子保函) — the guarantee flow",
    "evaluation.read": "read the opened bids of a tender whose evaluation committee granted "
    "the client, after the opening — the evaluation-assistance hooks (read-only)",
    "webhooks.manage": "subscribe itself to public events (webhooks): create, change, pause, "
    "delete its own subscriptions, read their delivery log, redeliver — never another client's",
}
# Which policy actions each scope admits. guarantee.issue is a bank's: list the guarantee
# requests addressed to its owner organisation and post the signed documents (prex.guarantees).
# evaluation.read admits the one read of the evaluation-assistance hooks
# (prex.evaluation.assistance) and nothing that writes.
SCOPE_ACTIONS: dict[str, frozenset[Action]] = {
    "public.read": frozenset({Action.PUBLIC_READ, Action.SIGNATURE_VERIFY, Action.TIMESTAMP_ISSUE}),
    "bid.submit": frozenset(
        {
            Action.BID_SUBMIT,
            Action.DOCUMENT_OBTAIN,
            Action.BOND_RECORD,
            Action.BOND_READ,
            Action.GUARANTEE_REQUEST,
            Action.GUARANTEE_READ,
        }
    ),
    "guarantee.issue": frozenset({Action.GUARANTEE_ISSUE}),
    # read-only: the opened bids of a tender whose committee granted the client (never writes)
    "evaluation.read": frozenset({Action.EVALUATION_ASSIST_READ}),
    # Acting as itself only: the policy grants a client acting as itself its own rows
    # (prex.identity.policy.MACHINE_CLIENT); acting for a bidder, the bidder has no such grant.
    "webhooks.manage": frozenset({Action.WEBHOOK_MANAGE, Action.WEBHOOK_READ}),
}
SCOPES = frozenset(SCOPE_ACTIONS)
# Scopes under which a client may act on behalf of an organisation (with its signed consent).
ACTING_SCOPES = frozenset({"bid.submit"})


def scopes_for(action: Action) -> list[str]:
    """The scopes that admit ``action`` (empty: no machine client may perform it)."""
    return sorted(s for s, actions in SCOPE_ACTIONS.items() if action in actions)


def consent_bytes(client_id: str, org_uscc: str, scopes: list[str], valid_until: datetime) -> bytes:
    """What a bidder signs to let a client act for it (docs/integration.md):
    ``{"act":"integration-consent","client_id":…,"org_uscc":…,"scopes":[…],"valid_until":…}``
    (canonical JSON; scopes sorted, the time in UTC ISO 8601 with seconds)."""
    return act_bytes(
        "integration-consent",
        client_id=client_id,
        org_uscc=org_uscc,
        scopes=sorted(set(scopes)),
        valid_until=valid_until.isoformat(timespec="seconds"),
    )


def public_view(row: Any) -> dict[str, Any]:
    """A client as listed to its managers: never a secret, only secrets' ids and dates."""
    return {
        "client_id": row["client_id"],
        "name": row["name"],
        "org_id": row["org_id"],
        "centre_id": row["centre_id"],
        "scopes": list(row["scopes"]),
        "rate_per_minute": row["rate_per_minute"],
        "burst": row["burst"],
        "created_at": row["created_at"],
        "revoked_at": row["revoked_at"],
    }
