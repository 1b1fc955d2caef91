"""Compiled releases flattened into the ocds_* tables: types kept, wrong types nulled, batches."""

from __future__ import annotations

from pathlib import Path

import pytest

from prex.analytics.ocds.flatten import (
    OcdsInputError,
    flatten_releases,
    iter_tables,
    parse_time,
    read_jsonl,
)
from prex.analytics.ocds.schema import KEYS, OCDS_TABLES

RELEASE = {
    "ocid": "ocds-1",
    "date": "2025-03-04T00:00:00Z",
    "buyer": {"id": "B", "name": "Buyer"},
    "tender": {
        "status": "complete",
        "procurementMethod": "open",
        "procurementMethodDetails": "公开招标",
        "procuringEntity": {"id": "P"},
        "value": {"amount": 100, "currency": "CNY"},
        "tenderPeriod": {"startDate": "2025-03-01T08:00:00+08:00", "endDate": "2025-03-21"},
        "numberOfTenderers": 2,
        "items": [{"id": "1", "classification": {"scheme": "CPV", "id": "45000000"}}],
    },
    "bids": {
        "details": [
            {
                "status": "valid",
                "value": {"amount": 90.5, "currency": "CNY"},
                "tenderers": [{"id": "T1"}, {"id": 7}],
            },
            {"status": "valid", "value": {"amount": "80"}, "tenderers": {"id": "T2"}},
        ]
    },
    "awards": [
        {
            "status": "active",
            "suppliers": [{"id": "T1"}],
            "items": [{"classification": {"id": "4500"}}, {"classification": {"id": 1}}],
        }
    ],
}


def test_a_release_becomes_rows_with_ocds_types() -> None:
    tables = flatten_releases([RELEASE, {"no": "ocid"}], "import", 3)
    assert set(tables) == set(OCDS_TABLES) == set(KEYS)
    process = tables["ocds_processes"].to_pylist()[0]
    assert process["buyer_id"] == "B" and process["procuring_entity_id"] == "P"
    assert process["month"] == "2025-03" and process["refresh"] == 3
    assert process["tender_period_start_at"].isoformat() == "2025-03-01T00:00:00+00:00"
    assert process["tender_period_end_at"] is None  # a date alone is not RFC 3339
    assert process["tender_period_end_date"] == "2025-03-21"
    assert process["has_awards"] and process["has_bids"] and process["bid_count"] == 2
    bids = tables["ocds_bids"].to_pylist()
    assert bids[0]["tenderer_ids"] == ["T1", None] and bids[0]["amount"] == 90.5
    assert bids[1]["amount"] is None and bids[1]["tenderer_ids"] is None
    award = tables["ocds_awards"].to_pylist()[0]
    assert award["supplier_ids"] == ["T1"] and award["item_classification_ids"] == ["4500"]
    assert tables["ocds_tender_items"].to_pylist()[0]["classification_id"] == "45000000"


def test_batches_number_lines_across_the_whole_stream() -> None:
    releases = [{**RELEASE, "ocid": f"o{i}"} for i in range(5)]
    batches = list(iter_tables(releases, "own", 1, batch_size=2))
    assert [b["ocds_processes"].num_rows for b in batches] == [2, 2, 1]
    assert batches[2]["ocds_processes"]["line"].to_pylist() == [5]
    assert flatten_releases([], "own", 1)["ocds_bids"].num_rows == 0


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("2025-01-01T00:00:00Z", True),
        ("2025-01-01 10:00:00.5+08:00", True),
        ("2025-01-01T00:00Z", False),
        ("2025-02-30T00:00:00Z", False),
        (20250101, False),
    ],
)
def test_rfc3339_as_chrono_reads_it(text: object, ok: bool) -> None:
    assert (parse_time(text) is not None) is ok


def test_read_jsonl_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"ocid": "a"}\n\n[1]\n', encoding="utf-8")
    with pytest.raises(OcdsInputError, match=r"in.jsonl:3: not a JSON object"):
        list(read_jsonl(path))
    path.write_text('{"ocid": "a"}\n{bad\n', encoding="utf-8")
    with pytest.raises(OcdsInputError, match=r"in.jsonl:2: invalid JSON"):
        list(read_jsonl(path))
    with pytest.raises(OcdsInputError, match="missing.jsonl"):
        list(read_jsonl(tmp_path / "missing.jsonl"))
