"""The data-spec builders are pure: every record they make passes its dataset's schema, amounts
are exact 万元, and nothing is in a record before it may be public."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from prex.exchange.dataspec.builders import listing_records, section_code, tender_records, wan
from prex.exchange.dataspec.model import (
    CandidateFacts,
    ExpertFacts,
    Header,
    ListingFacts,
    NoticeFacts,
    ObjectionFacts,
    OpenedBidFacts,
    OpeningFacts,
    Party,
    ResultFacts,
    SectionFacts,
    TenderFacts,
)
from prex.exchange.dataspec.schemas import DATASETS, validate_record
from prex.tenders.deal_code import make_deal_code
from tests.factories import uscc_for

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
HEADER = Header("PREX33010", "PSP330000", T0)
TENDERER = Party("杭州市城投集团", uscc_for("330100", 1))
DEAL = make_deal_code(TENDERER.uscc, date(2026, 3, 2), 1)
yuan = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2)


def bidder(n: int) -> Party:
    return Party(f"投标人{n}", uscc_for("330100", 100 + n))


def tender(**changes: object) -> TenderFacts:
    base = TenderFacts(
        deal_code=DEAL,
        procurement=False,
        open_method=True,
        title="西湖区道路改造工程施工招标公告",
        project_name="西湖区道路改造工程",
        region_code="330106",
        tenderer=TENDERER,
        agency=None,
        budget=Decimal("12000000.00"),
        published_at=T0,
        bid_deadline=T0 + timedelta(days=21),
        status="published",
        status_changed_at=T0,
        status_note="",
        sections=(SectionFacts("s1", 1, "一标段", Decimal("12000000.00"), None, 365),),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def opened(*prices: str) -> OpeningFacts:
    return OpeningFacts(
        T0 + timedelta(days=21),
        "ab" * 32,
        tuple(
            OpenedBidFacts("s1", bidder(n), Decimal(p), 300, "cash", T0, "opened")
            for n, p in enumerate(prices)
        ),
    )


def result() -> ResultFacts:
    return ResultFacts(
        T0 + timedelta(days=25),
        T0 + timedelta(days=28),
        (CandidateFacts("s1", 1, bidder(0), Decimal("7900000.00"), Decimal("7900000.00")),),
        (ExpertFacts(1, "张三", "A0801", "浙江省公共资源交易中心"),),
    )


def datasets(records: list[tuple[str, dict[str, object]]]) -> list[str]:
    return [name for name, _ in records]


@given(yuan)
def test_yuan_become_wan_exactly_with_their_scale_kept(amount: Decimal) -> None:
    converted = wan(amount)
    assert converted * 10000 == amount
    assert converted.as_tuple().exponent == amount.as_tuple().exponent - 4
    assert format(wan(Decimal("7900000.00")), "f") == "790.000000"


@given(budget=yuan, prices=st.lists(yuan.map(str), min_size=1, max_size=5))
def test_every_record_of_a_tender_passes_its_schema(budget: Decimal, prices: list[str]) -> None:
    facts = tender(
        budget=budget,
        opening=opened(*prices),
        result=result(),
        notices=(NoticeFacts("s1", bidder(0), Decimal("7900000.00"), T0 + timedelta(days=30)),),
        objections=(ObjectionFacts("o1", "result", bidder(1), T0 + timedelta(days=26), None),),
        agency=Party("杭州招标代理", uscc_for("330100", 7)),
    )
    records = tender_records(facts, HEADER)
    for name, record in records:
        assert validate_record(DATASETS[name], record) == [], (name, record)
        assert record["PLATFORM_CODE"] == "PREX33010" and record["UNIFIED_DEAL_CODE"] == DEAL
    project = dict(records)["TENDER_PROJECT"]
    assert Decimal(str(project["INVEST_AMOUNT"])) * 10000 == budget


def test_bidders_appear_only_after_the_opening_and_experts_only_with_the_result() -> None:
    assert datasets(tender_records(tender(), HEADER)) == ["TENDER_PROJECT", "SECTION"]
    after_opening = datasets(tender_records(tender(opening=opened("100.00")), HEADER))
    assert "TENDER_LIST" in after_opening and "BID_EVALUATION_EXPERT" not in after_opening
    with_result = datasets(tender_records(tender(opening=opened("1.00"), result=result()), HEADER))
    assert {"BID_EVALUATION_EXPERT", "WIN_CANDIDATE"} <= set(with_result)


def test_parents_come_before_their_children() -> None:
    names = datasets(
        tender_records(tender(opening=opened("1.00", "2.00"), result=result()), HEADER)
    )
    assert names.index("TENDER_PROJECT") < names.index("SECTION") < names.index("TENDER_LIST")
    assert names.index("BID_OPENING_RECORD") < names.index("WIN_CANDIDATE")


def test_government_procurement_is_a_purchase_project() -> None:
    records = dict(tender_records(tender(procurement=True, open_method=False), HEADER))
    assert "TENDER_PROJECT" not in records
    assert records["PURCHASE_PROJECT"]["PURCHASE_MODE"] == "2"
    assert records["SECTION"]["BID_SECTION_CODE"] == section_code(DEAL, 1)


def test_a_failed_tender_raises_an_alert_of_level_two() -> None:
    records = dict(tender_records(tender(status="failed", status_note="投标人不足三家"), HEADER))
    alert = records["PROJECT_ALERTING"]
    assert alert["ALERT_KIND"] == "failed" and alert["ALERT_LEVEL"] == "2"
    assert "投标人不足三家" in str(alert["ALERT_CONTENT"])


def test_a_listing_and_its_deal_pass_their_schemas() -> None:
    item = ListingFacts(
        deal_code=DEAL,
        kind="land_use",
        method="listing",
        code="杭土挂〔2026〕1号",
        title="西湖区地块",
        seller=TENDERER,
        start_price=Decimal("100000000.00"),
        increment=Decimal("1000000.00"),
        deposit=Decimal("20000000.00"),
        announced_at=T0,
        opens_at=T0 + timedelta(days=20),
        listing_ends_at=T0 + timedelta(days=30),
        result="sold",
        buyer=bidder(3),
        price=Decimal("123000000.00"),
        closed_at=T0 + timedelta(days=30),
    )
    records = listing_records(item, HEADER)
    assert datasets(records) == ["LAND_LISTING", "LISTING_DEAL"]
    for name, record in records:
        assert validate_record(DATASETS[name], record) == [], record
    assert dict(records)["LISTING_DEAL"]["DEAL_AMOUNT"] == "12300.000000"


def test_the_schema_names_each_bad_field() -> None:
    _, record = tender_records(tender(), HEADER)[0]
    bad = {
        **record,
        "TENDERER_CODE": record["TENDERER_CODE"][:17] + "0",  # type: ignore[index]
        "INVEST_AMOUNT": "1.5e3",
        "UNIFIED_DEAL_CODE": DEAL[:-1] + ("0" if DEAL[-1] != "0" else "1"),
        "TENDER_MODE": "9",
        "EXTRA": "x",
    }
    del bad["TENDERER_NAME"]
    fields = {e.field for e in validate_record(DATASETS["TENDER_PROJECT"], bad)}
    assert fields == {
        "TENDERER_CODE",
        "INVEST_AMOUNT",
        "UNIFIED_DEAL_CODE",
        "TENDER_MODE",
        "EXTRA",
        "TENDERER_NAME",
    }
