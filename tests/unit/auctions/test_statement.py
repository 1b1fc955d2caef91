"""The bank statement parser (prex.auctions.statement): whatever the statement holds, every good
line is read exactly as written, every bad line is reported by its number without touching the
others, and a file that is not a statement is refused whole — never a crash."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prex.auctions.statement import Payment, parse_memo, parse_statement
from prex.shared.errors import InvalidInput

HEADER = ["date", "reference", "payer_name", "payer_account", "amount", "memo"]

codes = st.builds(
    lambda p, d, y, n: f"{p}-{d}-{y}-{n:04d}",
    st.sampled_from(["GT", "PM"]),
    st.sampled_from(["330000", "330100", "110000"]),
    st.integers(2020, 2030),
    st.integers(1, 9999),
)
numbers = st.integers(100000, 999999).map(str)
amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2, allow_nan=False
)
payments = st.builds(
    Payment,
    line=st.just(0),
    date=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    reference=st.from_regex(r"\A[0-9A-Z]{6,20}\Z"),
    payer_name=st.text(st.characters(categories=["Lo", "Lu", "Ll"]), min_size=1, max_size=30),
    payer_account=st.from_regex(r"\A[0-9]{10,19}\Z"),
    amount=amounts,
    listing_code=codes,
    number=numbers,
)
memos = st.sampled_from(
    ["{code} 竞买号{number} 保证金", "保证金/{number}/{code}", "{number} {code}"]
)


def render(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def row_of(p: Payment, memo: str, thousands: bool) -> list[str]:
    amount = f"{p.amount:,.2f}" if thousands else format(p.amount, "f")
    return [
        p.date.isoformat(),
        p.reference,
        p.payer_name,
        p.payer_account,
        amount,
        memo.format(code=p.listing_code, number=p.number),
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(payments, min_size=1, max_size=8, unique_by=lambda p: p.reference),
    memos,
    st.booleans(),
)
def test_every_good_line_is_read_back_exactly(
    written: list[Payment], memo: str, thousands: bool
) -> None:
    parsed = parse_statement(render([row_of(p, memo, thousands) for p in written]))
    assert parsed.errors == ()
    assert parsed.lines == len(written)
    expected = [
        Payment(
            n,
            p.date,
            p.reference,
            p.payer_name,
            p.payer_account,
            p.amount,
            p.listing_code,
            p.number,
        )
        for n, p in enumerate(written, start=2)
    ]
    assert list(parsed.payments) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(payments, min_size=2, max_size=8, unique_by=lambda p: p.reference),
    st.data(),
)
def test_a_bad_line_is_reported_by_its_number_and_the_others_are_read(
    written: list[Payment], data: st.DataObject
) -> None:
    bad = data.draw(st.integers(0, len(written) - 1))
    column = data.draw(st.sampled_from(range(6)))
    rows = [row_of(p, "{code} {number}", False) for p in written]
    rows[bad][column] = data.draw(
        st.sampled_from(
            {
                0: ["2026-02-30", "yesterday", ""],
                1: ["", "has space", "x" * 65],
                2: [""],
                3: ["", "账号"],
                4: ["0", "-1.00", "1.001", "abc", "", "NaN"],
                5: ["", "no code", "GT-330000-2026-0001 only", "123456 only"],
            }[column]
        )
    )
    parsed = parse_statement(render(rows))
    assert [e.line for e in parsed.errors] == [bad + 2]
    assert parsed.errors[0].reasons
    assert [p.line for p in parsed.payments] == [n + 2 for n in range(len(written)) if n != bad]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_are_either_a_statement_or_refused_whole(data: bytes) -> None:
    try:
        parsed = parse_statement(data)
    except InvalidInput:
        return
    assert parsed.lines == len(parsed.payments) + len(parsed.errors)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=20), min_size=6, max_size=6), st.text(max_size=200))
def test_arbitrary_cells_under_a_good_header_never_crash(cells: list[str], memo: str) -> None:
    parsed = parse_statement(render([cells, ["2026-03-10", "R1", "甲", "1", "1.00", memo]]))
    assert parsed.lines in (1, 2)  # a row of blank cells is skipped
    assert len(parsed.payments) + len(parsed.errors) == parsed.lines


def test_the_header_may_be_chinese_in_any_order_and_the_file_gb18030() -> None:
    header = ["摘要", "金额", "付款人账号", "付款人户名", "交易流水号", "交易日期"]
    text = (
        ",".join(header)
        + "\nGT-330000-2026-0001 竞买号 482915,"
        + '"1,000.00",6222 0001,浙江某某有限公司,BK1,2026-03-10\n'
    )
    parsed = parse_statement(text.encode("gb18030"))
    assert parsed.errors == ()
    (p,) = parsed.payments
    assert (p.listing_code, p.number, p.amount, p.payer_account) == (
        "GT-330000-2026-0001",
        "482915",
        Decimal("1000.00"),
        "62220001",
    )


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n\n",
        b"date,reference\n",
        b"date,date,reference,payer_name,payer_account,amount,memo\n",
    ],
)
def test_a_file_without_the_columns_is_refused_whole(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        parse_statement(data)


def test_a_repeated_reference_is_reported_on_its_second_line() -> None:
    row = ["2026-03-10", "BK1", "甲", "1", "1.00", "GT-330000-2026-0001 123456"]
    parsed = parse_statement(render([row, row]))
    assert [p.line for p in parsed.payments] == [2]
    assert [e.line for e in parsed.errors] == [3]


@pytest.mark.parametrize(
    ("memo", "code", "number"),
    [
        ("GT-330000-2026-0001 竞买号 482915 保证金", "GT-330000-2026-0001", "482915"),
        ("482915GT-330000-2026-0001", None, None),  # glued: neither stands alone
        ("GT-330000-2026-0001 1234 5678", "GT-330000-2026-0001", None),  # two numbers
        ("GT-330000-2026-0001 PM-330000-2026-0002 123456", None, "123456"),
    ],
)
def test_a_memo_names_exactly_one_listing_and_one_number(
    memo: str, code: str | None, number: str | None
) -> None:
    found_code, found_number, reasons = parse_memo(memo)
    assert (found_code, found_number) == (code, number)
    assert bool(reasons) == (code is None or number is None)
