"""Reading an expert CSV file without the database: every bad row reported by its line with
every reason, every good row kept, and a file that cannot be read refused whole."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prex.experts.csv_import import parse_csv
from prex.experts.model import Title
from prex.shared.errors import InvalidInput
from tests.unit.experts.rows import HEADER, csv_bytes, person_id, row


def reasons(data: bytes) -> dict[int, list[str]]:
    return {r.line: list(r.reasons) for r in parse_csv(data).rejected}


def test_good_rows_are_read_with_or_without_a_byte_order_mark() -> None:
    data = csv_bytes([row(1), row(2)])
    plain, marked = parse_csv(data), parse_csv(b"\xef\xbb\xbf" + data)
    assert plain.rows == marked.rows and not plain.rejected
    first = plain.rows[0]
    assert (first.line, first.id_number, first.title) == (2, person_id(1), Title.DEPUTY_SENIOR)
    assert first.specialties == ("B0401",) and first.home_centre == "330000"


def test_chinese_headers_any_order_and_optional_columns_may_be_left_out() -> None:
    text = (
        "职称级别,姓名,ID Number,手机号,从业年限,专业代码\n"
        f"正高级,王建国,{person_id(5)},13800000005,20,A0801；A06\n"
    )
    (expert,) = parse_csv(text.encode()).rows
    assert expert.name == "王建国" and expert.specialties == ("A0801", "A06")
    assert expert.employer_uscc is None and expert.home_centre is None
    assert expert.credit_score == 100


def test_each_bad_row_is_reported_by_line_with_every_reason_and_good_rows_are_kept() -> None:
    data = csv_bytes(
        [
            row(1),
            row(2, id_number=person_id(2)[:-1] + "0", phone="12345"),
            row(3, title="中级", years_of_practice="5"),
            row(4, specialties="Z99"),
            row(5),
        ]
    )
    parsed = parse_csv(data)
    assert [r.line for r in parsed.rows] == [2, 6]
    bad = reasons(data)
    assert sorted(bad) == [3, 4, 5]
    assert any(r.startswith("id_number:") and "check character" in r for r in bad[3])
    assert any(r.startswith("phone:") for r in bad[3])
    assert len(bad[4]) == 2 and "at least 8" in bad[4][0] and "senior title" in bad[4][1]
    assert bad[5] == ["specialties: specialty 'Z99' is not in the code list"]


def test_the_same_identity_number_twice_in_a_file_keeps_the_first() -> None:
    data = csv_bytes([row(1), row(2), row(1, name="李四")])
    assert [r.line for r in parse_csv(data).rows] == [2, 3]
    assert reasons(data) == {4: ["id_number: the same identity number as line 2"]}


def test_blank_rows_are_skipped_and_lines_count_physical_lines() -> None:
    text = csv_bytes([row(1)]).decode() + "\n,,,,,,,,\n"
    one = row(2, name="王\n建国")  # a quoted field spanning two lines: refused, not split
    out = io.StringIO()
    csv.writer(out).writerow([one[h] for h in HEADER])
    text += out.getvalue() + csv_bytes([row(3)]).decode().split("\n", 1)[1]
    parsed = parse_csv(text.encode())
    assert [r.line for r in parsed.rows] == [2, 7]
    assert list(reasons(text.encode())) == [5]


def test_a_row_with_too_few_or_too_many_fields_says_so() -> None:
    lines = csv_bytes([row(1)]).decode().splitlines()
    text = "\n".join([lines[0], "王五,1,2", lines[1] + ",extra", lines[1] + ",,"]) + "\n"
    bad = reasons(text.encode())
    assert bad[2] == ["the row has 3 fields, the header has 9"]
    assert bad[3] == ["the row has 10 fields, the header has 9"]
    assert 4 not in bad  # trailing empty cells, as spreadsheets write them, are harmless


def test_a_quote_left_open_swallows_the_rest_and_is_named() -> None:
    lines = csv_bytes([row(1), row(2)]).decode().splitlines()
    text = "\n".join([lines[0], '"王五' + lines[1], lines[2]]) + "\n"
    bad = reasons(text.encode())
    assert list(bad) == [2] and "is a quote left open?" in bad[2][0]


def test_a_value_in_a_column_without_a_header_is_not_dropped_silently() -> None:
    lines = csv_bytes([row(1), row(2)]).decode().splitlines()
    text = "\n".join([lines[0] + ",", lines[1] + ",备注", lines[2] + ","]) + "\n"
    assert reasons(text.encode()) == {2: ["column 10 has no name in the header but holds '备注'"]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\n \n", "the file is empty"),
        ("姓名,身份证号\n".encode("gbk"), "not UTF-8"),
        (b"name,id_number,phone,title,years_of_practice\n", "missing: specialties"),
        (csv_bytes([]).replace(b"credit_score", b"score"), "'score' is not a known column"),
        (b"name,name,id_number,phone,title,years_of_practice,specialties\n", "repeats"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_csv(data)


# --- garbage -------------------------------------------------------------------------------

garbage_cell = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12
) | st.sampled_from(["正高级", "A08", "330000", "8", person_id(9), "", "  "])
garbage_row = st.lists(garbage_cell, min_size=0, max_size=11)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.integers(0, 10_000).map(lambda n: ("good", n)),
            garbage_row.map(lambda cells: ("garbage", cells)),
        ),
        max_size=25,
    ),
    st.booleans(),
)
def test_garbage_rows_never_crash_each_is_reported_by_line_and_good_rows_are_kept(
    plan: list[tuple[str, object]], bom: bool
) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    good_lines: list[int] = []
    bad_lines: list[int] = []
    used: set[str] = set()
    for kind, value in plan:
        start = len(io.StringIO(out.getvalue(), newline="").readlines()) + 1
        if kind == "good":
            assert isinstance(value, int)
            cells = [row(value)[h] for h in HEADER]
            if cells[1] in used:  # a repeated identity number is a bad row: keep it simple
                continue
            used.add(cells[1])
            good_lines.append(start)
        else:
            assert isinstance(value, list)
            cells = value
            if not any(c.strip() for c in cells):
                writer.writerow(cells)
                continue  # a blank row is skipped, not reported
            bad_lines.append(start)
        writer.writerow(cells)
    data = (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")
    parsed = parse_csv(data)
    assert [r.line for r in parsed.rows] == good_lines
    assert [r.line for r in parsed.rejected] == bad_lines
    assert all(r.reasons and all(r.reasons) for r in parsed.rejected)


def test_the_example_in_the_documentation_is_a_file_that_imports() -> None:
    import re
    from pathlib import Path

    doc = (Path(__file__).parents[3] / "docs" / "experts.md").read_text("utf-8")
    example = re.search(r"```csv\n(.*?)```", doc, re.S)
    assert example is not None
    parsed = parse_csv(example.group(1).encode())
    assert len(parsed.rows) == 2 and not parsed.rejected
