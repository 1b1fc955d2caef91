"""The warehouse tables of the platform's own data: one Arrow schema per table.

These columns are the contract between the extract (which writes them), the red-flag rules and
the dashboards (which read them); Spark or Trino read the same files (``docs/warehouse.md``).
Money is ``decimal(18, 2)`` yuan, times are UTC microseconds. A table's rows are keyed by its
first column; a later refresh may write a newer row for the same key (``refresh`` is the
refresh's sequence number) and readers see only the newest (``store``).

The OCDS tables (``ocds_*``, flattened compiled releases from this platform, federated centres
and imports) are declared in ``prex.analytics.ocds.schema``.
"""

from __future__ import annotations

import pyarrow as pa

MONEY = pa.decimal128(18, 2)
TIME = pa.timestamp("us", tz="UTC")
HASHES = pa.list_(pa.string())

# One row per tender (招标项目 / 采购项目 …) of any transaction type.
TENDERS = pa.schema(
    [
        ("tender_id", pa.string()),
        ("deal_code", pa.string()),
        ("centre_id", pa.string()),
        ("region_code", pa.string()),  # six-digit division code
        ("transaction_type", pa.string()),  # TransactionType value
        ("method", pa.string()),  # Method value
        ("buyer_id", pa.string()),  # the tenderer / purchaser organisation
        ("buyer_name", pa.string()),
        ("agency_id", pa.string()),
        ("title", pa.string()),
        ("status", pa.string()),  # TenderStatus value
        ("sandbox", pa.bool_()),
        ("budget", MONEY),  # the tender's total budget
        ("published_at", TIME),
        ("bid_deadline", TIME),
        ("awarded_at", TIME),  # the first award notice, if any
        ("month", pa.string()),  # 'YYYY-MM' of publication (or creation); the partition key
        ("refresh", pa.int64()),
    ]
)

# One row per section (标段 / 包), the unit that is bid for and awarded.
LOTS = pa.schema(
    [
        ("lot_id", pa.string()),
        ("tender_id", pa.string()),
        ("number", pa.int32()),
        ("name", pa.string()),
        ("budget", MONEY),
        ("ceiling_price", MONEY),  # 最高投标限价, if set
        ("centre_id", pa.string()),
        ("region_code", pa.string()),
        ("transaction_type", pa.string()),
        ("method", pa.string()),
        ("buyer_id", pa.string()),
        ("published_at", TIME),
        ("winner_id", pa.string()),  # organisation named in the award notice
        ("winning_bid_id", pa.string()),
        ("award_amount", MONEY),
        ("awarded_at", TIME),
        ("contract_value", MONEY),
        ("month", pa.string()),
        ("refresh", pa.int64()),
    ]
)

# One row per envelope received (replaced and withdrawn ones too: their metadata is evidence).
# What was inside (price, fingerprint, documents) is known only once opened.
BIDS = pa.schema(
    [
        ("bid_id", pa.string()),
        ("tender_id", pa.string()),
        ("lot_id", pa.string()),
        ("bidder_id", pa.string()),
        ("bidder_uscc", pa.string()),
        ("bidder_name", pa.string()),
        ("status", pa.string()),  # live | replaced | withdrawn
        ("received_at", TIME),
        ("upload_ip", pa.string()),  # the network address the envelope came from
        ("opened", pa.bool_()),
        ("price", MONEY),  # read out at opening
        ("duration_days", pa.int32()),
        ("project_manager", pa.string()),
        ("qualified", pa.bool_()),  # passed the evaluation's qualification review; null: unknown
        ("rank", pa.int32()),  # the committee's ranking, 1 = first candidate
        ("won", pa.bool_()),
        ("mac_hashes", HASHES),  # SHA-256 of each network adapter's MAC
        ("cpu_hash", pa.string()),
        ("disk_hashes", HASHES),
        ("tool", pa.string()),  # the sealing tool and version
        ("document_hashes", HASHES),  # SHA-256 of each document in the bid
        ("creation_ids", HASHES),  # SHA-256 of each document's creation / revision id
        ("submitter_id", pa.string()),
        ("submitter_email", pa.string()),
        ("bidder_email", pa.string()),
        ("contact_phone", pa.string()),  # the bid's contact telephone, as entered
        ("bond_kind", pa.string()),
        ("bond_account", pa.string()),  # payer account number, digits only (cash bonds)
        ("bond_account_name", pa.string()),
        ("month", pa.string()),
        ("refresh", pa.int64()),
    ]
)

ORGANISATIONS = pa.schema(
    [
        ("org_id", pa.string()),
        ("uscc", pa.string()),
        ("name", pa.string()),
        ("division_code", pa.string()),
        ("centre_id", pa.string()),
        ("refresh", pa.int64()),
    ]
)

PLATFORM_TABLES: dict[str, pa.Schema] = {
    "tenders": TENDERS,
    "lots": LOTS,
    "bids": BIDS,
    "organisations": ORGANISATIONS,
}

# Each table's key column: the newest row per key is the current one.
KEYS: dict[str, str] = {name: schema.names[0] for name, schema in PLATFORM_TABLES.items()}


def all_keys() -> dict[str, str]:
    """The key column of every warehouse table: the platform's and the OCDS ones."""
    from prex.analytics.ocds.schema import KEYS as OCDS_KEYS

    return {**KEYS, **OCDS_KEYS}
