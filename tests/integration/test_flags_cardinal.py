"""``prex flags`` with Cardinal's indicators: every fixture of Cardinal's own test suite
reproduced exactly, Cardinal's settings file (global keys, exclusions, maps) honoured, the
warehouse read by its newest refresh, and every bad input rejected with one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner, Result

from prex.analytics.flags.cardinal import CODES, SettingsError, parse_settings_text
from prex.analytics.ocds.flatten import flatten_releases
from prex.analytics.warehouse.store import partition_path
from prex.cli.main import app
from tests.cardinal_fixtures import FIXTURES, fixture_names, settings_for

runner = CliRunner()


def flags(*args: str) -> Result:
    return runner.invoke(app, ["flags", *args])


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(path: Path, releases: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in releases))
    return path


def test_every_fixture_is_there() -> None:
    names = fixture_names()
    assert {n.split("-")[0] for n in names} == set(CODES)
    assert all((FIXTURES / f"{n}.expected").exists() for n in names)


@pytest.mark.parametrize("name", fixture_names())
def test_cardinal_fixture_reproduced_exactly(name: str, tmp_path: Path) -> None:
    ini = write(tmp_path / "settings.ini", settings_for(name))
    result = flags(
        "run", "--input", str(FIXTURES / f"{name}.jsonl"), "--settings", str(ini),
        "--format", "cardinal",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    expected_text = (FIXTURES / f"{name}.expected").read_text(encoding="utf-8").strip()
    expected = orjson.loads(expected_text) if expected_text else {}
    assert orjson.loads(result.stdout) == expected


def bid(
    tenderer: str, amount: float, status: str = "valid", currency: str = "USD"
) -> dict[str, Any]:
    return {"status": status, "tenderers": [{"id": tenderer}],
            "value": {"amount": amount, "currency": currency}}  # fmt: skip


def lowest_disqualified(ocid: str, currency: str, details: str | None = None) -> dict[str, Any]:
    """A process whose lowest bid was disqualified (Cardinal's R036)."""
    tender: dict[str, Any] = {"procurementMethodDetails": details} if details else {}
    return {
        "ocid": ocid,
        "tender": tender,
        "bids": {
            "details": [bid("A", 10, "disqualified", currency), bid("B", 20, currency=currency)]
        },
        "awards": [{"status": "active", "suppliers": [{"id": "B"}]}],
    }


def test_global_settings_reach_every_rule(tmp_path: Path) -> None:
    data = jsonl(tmp_path / "in.jsonl", [
        lowest_disqualified("usd", "USD"),
        lowest_disqualified("eur", "EUR"),
        lowest_disqualified("lottery", "EUR", details="Lottery"),
        lowest_disqualified("skip", "EUR", details="Skip me"),
    ])  # fmt: skip

    def ocids(settings: str) -> set[str]:
        ini = write(tmp_path / "s.ini", settings + "\n[R036]\n")
        result = flags("run", "--input", str(data), "--settings", str(ini), "--format", "cardinal")
        assert result.exit_code == 0, result.output
        return set(orjson.loads(result.stdout).get("OCID", {}))

    # No currency set: the first one seen (USD, the first line's) is the one compared.
    assert ocids("") == {"usd"}
    assert ocids("currency = EUR") == {"eur", "lottery", "skip"}
    assert ocids("currency = EUR\nno_price_comparison_procurement_methods = Lottery|Other") == {
        "eur", "skip"}  # fmt: skip
    assert ocids("currency = EUR\n[exclusions]\nprocurement_method_details = Skip me") == {
        "eur", "lottery"}  # fmt: skip
    assert ocids("currency = EUR\nprice_comparison_procurement_methods = Lottery") == {"lottery"}


def test_settings_select_the_indicators_and_rules_narrow_them(tmp_path: Path) -> None:
    data = FIXTURES / "R028.jsonl"
    everything = flags("run", "--input", str(data), "--format", "cardinal")
    assert everything.exit_code == 0
    assert "R028" in everything.stdout
    only = flags("run", "--input", str(data), "--format", "cardinal", "--rules", "r003")
    assert orjson.loads(only.stdout) == {}
    ini = write(tmp_path / "s.ini", "[R003]\nthreshold = 20\n")
    selected = flags("run", "--input", str(data), "--settings", str(ini), "--format", "json")
    assert all(hit["code"] == "R003" for hit in orjson.loads(selected.stdout))


def test_the_warehouse_shows_each_process_at_its_newest_refresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    single = {"ocid": "o1", "date": "2025-01-02T00:00:00Z",
              "tender": {"procurementMethod": "open", "numberOfTenderers": 1}}  # fmt: skip
    root = tmp_path / "warehouse"
    for refresh, releases in (
        (1, [single, {**single, "ocid": "o2"}]),
        (2, [{**single, "tender": {"procurementMethod": "open", "numberOfTenderers": 3}}]),
    ):
        for table_name, table in flatten_releases(releases, "own", refresh).items():
            path = partition_path(root, table_name, "2025-01", refresh, 0)
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(table.drop_columns(["month"]), path)
    monkeypatch.setenv("PREX_DATA_DIR", str(tmp_path))
    result = flags("run", "--rules", "R018", "--format", "cardinal")
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout) == {"OCID": {"o2": {"R018": 1.0}}}
    monkeypatch.setenv("PREX_DATA_DIR", str(tmp_path / "elsewhere"))
    missing = flags("run")
    assert missing.exit_code == 1 and "no warehouse at" in missing.stderr


def test_list_names_every_cardinal_indicator() -> None:
    result = flags("list", "--json")
    assert result.exit_code == 0
    rules = {r["code"]: r for r in orjson.loads(result.stdout)}
    assert set(CODES) <= set(rules)
    assert rules["R003"]["parameters"]["threshold"] == 15
    assert rules["R024"]["parameters"]["threshold"] is None  # from the data
    assert rules["R018"]["title_zh"] and rules["R018"]["family"] == "cardinal"
    table = flags("list")
    assert table.exit_code == 0 and "R058" in table.stdout


def test_settings_file_parsed_as_cardinal_reads_it() -> None:
    parsed = parse_settings_text(
        "; comment\ncurrency = USD\nno_price_comparison_procurement_methods = a|b|\n"
        "[defaults]\ncurrency = USD\n[R003]\nprocurement_methods = open|selective\n"
        "[R003.procurement_method_details]\nEmergency = 5\n[R024]\nthreshold = 0.05\n"
    )
    assert parsed.selected == {"R003", "R024"}
    assert parsed.settings["cardinal"] == {
        "currency": "USD", "no_price_comparison_procurement_methods": ["a", "b"]}  # fmt: skip
    assert parsed.settings["R003"] == {
        "procurement_methods": ["open", "selective"],
        "procurement_method_details": {"Emergency": 5},
    }
    assert parsed.settings["R024"] == {"threshold": 0.05}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[R003]\nthreshhold = 3\n", "[R003] has no setting 'threshhold'"),
        ("[R003]\nthreshold = soon\n", "threshold must be an integer"),
        ("[R035]\nthreshold = -1\n", "threshold must be a non-negative integer"),
        ("[R024]\nthreshold = nan\n", "threshold must be a number"),
        ("[R999]\n", "unknown section [R999]"),
        ("[R003.other]\nx = 1\n", "unknown section [R003.other]"),
        ("currancy = USD\n", "unknown global setting 'currancy'"),
        ("[exclusions]\nmethods = x\n", "[exclusions] has no setting 'methods'"),
        ("[R003]\nthreshold = 1\nthreshold = 2\n", "option 'threshold'"),
        ("threshold\n", "settings"),
    ],
)
def test_bad_settings_are_refused(text: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings_text(text)
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing input", "No such file"),
        ("bad json", "in.jsonl:2: invalid JSON"),
        ("not an object", "in.jsonl:1: not a JSON object"),
        ("bad settings", "[R018] has no setting 'limit'"),
        ("missing settings", "No such file"),
        ("unknown rule", "no rule R999"),
        ("bad format", "--format is one of json, cardinal"),
        ("ocid twice", "in.jsonl:3: ocid 'o' again"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(case: str, message: str, tmp_path: Path) -> None:
    good = jsonl(tmp_path / "good.jsonl", [{"ocid": "o"}])
    args = ["run", "--input", str(good)]
    if case == "missing input":
        args = ["run", "--input", str(tmp_path / "nope.jsonl")]
    elif case == "bad json":
        args = ["run", "--input", str(write(tmp_path / "in.jsonl", '{"ocid": "o"}\n{"ocid": \n'))]
    elif case == "not an object":
        args = ["run", "--input", str(write(tmp_path / "in.jsonl", '"o"\n'))]
    elif case == "bad settings":
        args += ["--settings", str(write(tmp_path / "s.ini", "[R018]\nlimit = 1\n"))]
    elif case == "missing settings":
        args += ["--settings", str(tmp_path / "nope.ini")]
    elif case == "ocid twice":
        twice = '{"ocid": "o"}\n{"ocid": "p"}\n{"ocid": "o"}\n'
        args = ["run", "--input", str(write(tmp_path / "in.jsonl", twice))]
    elif case == "unknown rule":
        args += ["--rules", "R003,R999"]
    else:
        args += ["--format", "xml"]
    result = flags(*args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
