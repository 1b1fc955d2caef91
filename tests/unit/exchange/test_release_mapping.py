"""The pure mapping, for any tender prex can hold: a valid release (schema with bids and lots,
closed codelists), amounts exact to the fen, instants in UTC; and the compile behind
``compile_record`` keeps the newest value of a field and every lot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from prex.exchange.releases import mapping as m
from prex.exchange.releases.compiling import compile_record
from tests.ocds_checks import codelist_errors, schema_errors

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
USCC = ["91330100MA5D6E7F9K", "91330100MA2H0K1L5P", "12330200MB1N2P3Q6R"]
fen = st.integers(min_value=1, max_value=10**12).map(lambda n: Decimal(n) / 100)


@st.composite
def snapshots(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(min_value=1, max_value=4))
    sections = [
        {
            "id": f"S{i}",
            "number": i,
            "name": draw(st.text(min_size=1, max_size=20)),
            "budget": draw(fen),
            "ceiling_price": draw(st.none() | fen),
            "duration_days": draw(st.none() | st.integers(min_value=1, max_value=2000)),
        }
        for i in range(1, n + 1)
    ]
    tenderer = {"name": "招标人", "uscc": USCC[1]}
    agency = draw(st.sampled_from([None, {"name": "代理", "uscc": USCC[0]}, tenderer]))
    return {
        "id": "T1",
        "deal_code": "D",
        "process_codes": ["D"],
        "title": draw(st.text(min_size=1, max_size=40)),
        "description": draw(st.text(max_size=80)),
        "method": draw(st.sampled_from(sorted(m.METHODS))),
        "transaction_type": draw(st.sampled_from(sorted(m.CATEGORIES))),
        "status": "published",
        "published_at": T0,
        "documents_from": draw(st.none() | st.just(T0 + timedelta(hours=1))),
        "bid_deadline": T0 + timedelta(days=20),
        "total_budget": sum((s["budget"] for s in sections), Decimal(0)),
        "tenderer": tenderer,
        "agency": agency,
        "project": {
            "deal_code": "D",
            "name": "项目",
            "budget": draw(fen),
            "funding_source": "财政资金",
            "approval_ref": draw(st.sampled_from(["", "浙发改〔2026〕1号"])),
        },
        "sections": sections,
        "documents": [
            {
                "id": "DOC1",
                "kind": draw(st.sampled_from(sorted(m.DOCUMENT_TYPES))),
                "filename": "招标文件.pdf",
                "sha256": "0" * 64,
                "media_type": "application/pdf",
                "uploaded_at": T0,
                "amendment_id": None,
            }
        ],
        "amendments": [],
    }


@settings(max_examples=60, deadline=None)
@given(snapshots())
def test_any_published_tender_maps_to_a_valid_tender_release(tender: dict[str, Any]) -> None:
    payload = {"bid_deadline": tender["bid_deadline"].isoformat()}
    release = m.tender_published("ocds-prex00-D", 7, T0, tender, payload, "http://x")
    assert schema_errors("release", release) == []
    assert codelist_errors(release) == []
    assert release["id"] == "ocds-prex00-D-7" and release["date"] == "2026-03-02T01:00:00Z"
    for lot, section in zip(release["tender"]["lots"], tender["sections"], strict=True):
        expected = section["ceiling_price"] or section["budget"]
        assert Decimal(str(lot["value"]["amount"])) == expected
    roles = sorted(r for p in release["parties"] for r in p["roles"])
    assert roles == ["buyer", "procuringEntity"]


def test_the_compiled_release_keeps_the_newest_value_and_every_lot() -> None:
    first = m.release(
        "ocds-prex00-D",
        1,
        T0,
        ["tender"],
        tender={"id": "T1", "title": "old", "lots": [{"id": "S1", "title": "一标段"}]},
    )
    later = m.release(
        "ocds-prex00-D",
        2,
        T0 + timedelta(days=1),
        ["tenderAmendment"],
        tender={"id": "T1", "title": "new", "lots": [{"id": "S2", "title": "二标段"}]},
    )
    compiled = compile_record([later, first])
    assert compiled["tag"] == ["compiled"] and compiled["date"] == later["date"]
    assert compiled["tender"]["title"] == "new"
    assert [lot["id"] for lot in compiled["tender"]["lots"]] == ["S1", "S2"]
