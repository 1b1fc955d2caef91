"""The warehouse tables of compiled OCDS releases: one Arrow schema per table.

One compiled release is one contracting process (``ocid``). ``ocds_processes`` has a row per
process; every child table (bids, awards, contracts, tender items) is keyed by ``ocid`` too, so
that the warehouse view (``store.newest_rows_sql``, by rank) shows all child rows that a
process's newest refresh wrote and none of an older refresh's.

Amounts are ``float64``, not the platform tables' ``decimal(18, 2)``: an OCDS amount is a JSON
number of any precision and currency, and Cardinal compares bid amounts as doubles (two bids of
1000.004 and 1000.001 are different prices; decimal(18, 2) would make them equal). Dates are
kept as the publisher wrote them (``*_date`` strings: Cardinal's R030 compares them as text) and,
where they parse as RFC 3339, also as UTC timestamps (``*_at``). A field that is absent or of
the wrong JSON type is null; an array that is absent is a null list, an array that is present
but empty is an empty list (Cardinal distinguishes the two: an absent ``awards`` array means no
award decision at all).

Common columns: ``source`` ('own', 'federated:<centre id>', 'import'), ``refresh`` (the
refresh's sequence number) and ``month`` ('YYYY-MM' of the release date, the partition key;
'unknown' without a date).
"""

from __future__ import annotations

import pyarrow as pa

TIME = pa.timestamp("us", tz="UTC")
IDS = pa.list_(pa.string())

_COMMON = [("source", pa.string()), ("month", pa.string()), ("refresh", pa.int64())]

OCDS_PROCESSES = pa.schema(
    [
        ("ocid", pa.string()),
        ("line", pa.int64()),  # the record's position in its input (the order Cardinal reads)
        ("release_id", pa.string()),
        ("release_date", pa.string()),
        ("release_at", TIME),
        ("language", pa.string()),
        ("buyer_id", pa.string()),
        ("buyer_name", pa.string()),
        ("tender_id", pa.string()),
        ("tender_title", pa.string()),
        ("tender_status", pa.string()),
        ("procuring_entity_id", pa.string()),
        ("procuring_entity_name", pa.string()),
        ("procurement_method", pa.string()),
        ("procurement_method_details", pa.string()),
        ("main_procurement_category", pa.string()),
        ("award_criteria", pa.string()),
        ("tender_value_amount", pa.float64()),
        ("tender_value_currency", pa.string()),
        ("tender_period_start_date", pa.string()),
        ("tender_period_end_date", pa.string()),
        ("tender_period_start_at", TIME),  # only if the text is RFC 3339 (date, time, offset)
        ("tender_period_end_at", TIME),
        ("number_of_tenderers", pa.int64()),  # only if a non-negative JSON integer
        ("has_awards", pa.bool_()),  # `awards` is an array (possibly empty)
        ("has_bids", pa.bool_()),  # `bids.details` is an array (possibly empty)
        ("award_count", pa.int32()),
        ("bid_count", pa.int32()),
        ("contract_count", pa.int32()),
        *_COMMON,
    ]
)

# One row per entry of `bids.details`, in the publisher's order (`position`).
OCDS_BIDS = pa.schema(
    [
        ("ocid", pa.string()),
        ("position", pa.int32()),
        ("bid_id", pa.string()),
        ("status", pa.string()),
        ("bid_date", pa.string()),
        ("amount", pa.float64()),
        ("currency", pa.string()),
        # One entry per element of `tenderers` (null where its `id` is not a string); a null
        # list if `tenderers` is not an array.
        ("tenderer_ids", IDS),
        *_COMMON,
    ]
)

# One row per entry of `awards`.
OCDS_AWARDS = pa.schema(
    [
        ("ocid", pa.string()),
        ("position", pa.int32()),
        ("award_id", pa.string()),
        ("status", pa.string()),
        ("award_date", pa.string()),
        ("award_at", TIME),
        ("amount", pa.float64()),
        ("currency", pa.string()),
        ("supplier_ids", IDS),  # as `tenderer_ids`: one entry per supplier, null if not a string
        ("supplier_names", IDS),
        ("item_classification_ids", IDS),  # string `items[].classification.id`; null: no array
        *_COMMON,
    ]
)

# One row per entry of `contracts`.
OCDS_CONTRACTS = pa.schema(
    [
        ("ocid", pa.string()),
        ("position", pa.int32()),
        ("contract_id", pa.string()),
        ("award_id", pa.string()),
        ("status", pa.string()),
        ("date_signed", pa.string()),
        ("signed_at", TIME),
        ("period_start_at", TIME),
        ("period_end_at", TIME),
        ("amount", pa.float64()),
        ("currency", pa.string()),
        *_COMMON,
    ]
)

# One row per entry of `tender.items`: what is being bought, for classification dashboards.
OCDS_TENDER_ITEMS = pa.schema(
    [
        ("ocid", pa.string()),
        ("position", pa.int32()),
        ("item_id", pa.string()),
        ("description", pa.string()),
        ("classification_scheme", pa.string()),
        ("classification_id", pa.string()),
        ("quantity", pa.float64()),
        ("unit_name", pa.string()),
        ("unit_amount", pa.float64()),
        ("unit_currency", pa.string()),
        *_COMMON,
    ]
)

OCDS_TABLES: dict[str, pa.Schema] = {
    "ocds_processes": OCDS_PROCESSES,
    "ocds_bids": OCDS_BIDS,
    "ocds_awards": OCDS_AWARDS,
    "ocds_contracts": OCDS_CONTRACTS,
    "ocds_tender_items": OCDS_TENDER_ITEMS,
}

# Every table is keyed by `ocid`: a process's newest refresh replaces all its rows.
KEYS: dict[str, str] = dict.fromkeys(OCDS_TABLES, "ocid")

# The child tables: each shows only the rows written by its process's newest refresh, so a
# process whose newer version has no bids (awards …) at all shows none, not the old ones.
PARENTS: dict[str, str] = {
    name: "ocds_processes" for name in OCDS_TABLES if name != "ocds_processes"
}
