"""``prex experts``: import with per-row errors (exit 1 when a row failed), list, blacklist,
the specialty codes — and the demo's registry, imported through the same code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from prex.audit.orm import audit_log
from prex.bootstrap import Services
from prex.cli.main import app
from prex.demo import DemoSeed
from tests.conftest import T0
from tests.factories import World
from tests.unit.experts.rows import csv_bytes, row

runner = CliRunner()


@pytest.fixture
def env(services: Services, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "PREX_DATABASE_URL": services.settings.resolved_database_url,
        "PREX_DATA_DIR": str(services.settings.data_dir),
        "PREX_PASSWORD_HASHING": "fast",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def test_import_prints_each_bad_row_by_line_and_exits_1(
    world: World, env: dict[str, str], tmp_path: Path
) -> None:
    rows = [row(n, home_centre="") for n in range(300)]
    rows[4] = row(4, home_centre="", title="中级")
    rows[200] = row(200, home_centre="", phone="110")
    path = tmp_path / "专家.csv"
    path.write_bytes(csv_bytes(rows, bom=True))
    result = runner.invoke(app, ["experts", "import", str(path), "--centre", "330000"])
    assert result.exit_code == 1, result.output
    assert "line 6: title 中级 (intermediate); entry needs a senior title" in result.stderr
    assert "line 202: phone: '110' is not a phone number" in result.stderr
    assert "300 rows: 298 created, 0 updated, 0 unchanged, 2 rejected" in result.stdout
    again = runner.invoke(app, ["experts", "import", str(path), "--centre", "330000", "--json"])
    assert again.exit_code == 1
    report = json.loads(again.stdout)
    assert report["summary"]["unchanged"] == 298 and report["summary"]["rejected"] == 2
    assert [r["line"] for r in report["results"] if r["outcome"] == "rejected"] == [6, 202]
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([row(1000, home_centre="330100")]))
    assert runner.invoke(app, ["experts", "import", str(good)]).exit_code == 0
    with world.services.read_session() as session:
        actors = set(
            session.execute(
                select(audit_log.c.actor_label)
                .where(audit_log.c.object_type == "expert")
                .order_by(audit_log.c.seq)
            ).scalars()
        )
    assert len(actors) == 1 and next(iter(actors)).startswith("console (")


def test_a_file_refused_whole_or_missing_is_one_line_and_exit_1(
    world: World, env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes("姓名,身份证号\n".encode("gbk"))
    result = runner.invoke(app, ["experts", "import", str(path)])
    assert result.exit_code == 1 and "not UTF-8" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    missing = runner.invoke(app, ["experts", "import", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 1 and "cannot read" in missing.stderr


def test_list_filters_by_specialty_and_blacklist_takes_the_expert_out_of_the_available(
    world: World, env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(csv_bytes([row(n) for n in range(8)]))
    assert runner.invoke(app, ["experts", "import", str(path)]).exit_code == 0
    listed = runner.invoke(app, ["experts", "list", "--specialty", "A08", "--json"])
    assert listed.exit_code == 0, listed.output
    found = json.loads(listed.stdout)
    # rows cycle A0801;A06 / B0401 / C01;A0405 / A08: A08 finds A0801 and A08
    assert found["total"] == 4
    assert all(any(c.startswith("A08") for c in e["specialties"]) for e in found["items"])
    assert {e["centre"] for e in found["items"]} == {"330000"}
    expert_id = found["items"][0]["id"]
    blacklisted = runner.invoke(
        app,
        ["experts", "blacklist", expert_id, "--reason", "无故缺席评标", "--until", "2026-12-31"],
    )
    assert blacklisted.exit_code == 0, blacklisted.output
    assert "until 2026-12-31" in blacklisted.stdout
    available = json.loads(runner.invoke(app, ["experts", "list", "--available", "--json"]).stdout)
    assert available["total"] == 7 and expert_id not in {e["id"] for e in available["items"]}
    table = runner.invoke(app, ["experts", "list", "--specialty", "A08"])
    assert "[blacklisted]" in table.stdout and "4 of 4 expert(s)" in table.stdout
    bad_date = runner.invoke(
        app, ["experts", "blacklist", expert_id, "--reason", "x", "--until", "31/12/2026"]
    )
    assert bad_date.exit_code == 1 and "is not a date" in bad_date.stderr
    unknown = runner.invoke(app, ["experts", "blacklist", "NOPE", "--reason", "x"])
    assert unknown.exit_code == 1 and "no expert 'NOPE'" in unknown.stderr
    bad_code = runner.invoke(app, ["experts", "list", "--specialty", "Q9"])
    assert bad_code.exit_code == 1 and "specialty" in bad_code.stderr


def test_the_specialty_codes_are_listed(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["experts", "codes", "--json"])
    assert result.exit_code == 0
    assert {"code": "A0801", "name": "房屋建筑工程"} in json.loads(result.stdout)


def test_the_demo_seeds_the_registry_of_every_centre(
    services: Services, demo: DemoSeed, env: dict[str, str]
) -> None:
    seed = demo
    assert len(seed.experts) >= 30
    result = runner.invoke(app, ["experts", "list", "--json", "--on", T0.date().isoformat()])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert listed["total"] == len(seed.experts)
    assert {e["centre"] for e in listed["items"]} == {"330000", "330100", "330200", "330300"}
    by_name = {e["name"]: e for e in listed["items"]}
    assert by_name["宋建平"]["blacklisted"] and by_name["王建国"]["unavailable"]
    assert by_name["张工"]["user_id"] == seed.user_ids["expert"]
    assert all(e["title"] in ("full_senior", "deputy_senior") for e in listed["items"])
    assert all(e["years_of_practice"] >= 8 for e in listed["items"])


def test_a_published_draw_replays_and_a_tampered_one_does_not(tmp_path: Path) -> None:
    from prex.experts import draw as d
    from prex.experts.pool import PoolExpert

    pool = [
        PoolExpert(
            f"01EXPERT{n:018d}",
            "centre",
            None,
            frozenset({"A", "A08"}),
            frozenset(),
            False,
            False,
            (),
        )
        for n in range(12)
    ]
    spec = d.CommitteeSpec((d.Venue("centre", (d.Quota("A08", 5, 1),)),))
    seed = bytes(range(32))
    result = d.draw(pool, spec, d.Avoidance(frozenset(), "91330100MA0000000X"), seed)
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(result.record(seed)), encoding="utf-8")
    ok = runner.invoke(app, ["experts", "replay-draw", str(path)])
    assert ok.exit_code == 0, ok.output
    assert "the same 6 experts in the same order" in ok.stdout
    tampered = result.record(seed)
    tampered["draws"][0], tampered["draws"][1] = tampered["draws"][1], tampered["draws"][0]
    path.write_text(json.dumps(tampered), encoding="utf-8")
    refused = runner.invoke(app, ["experts", "replay-draw", str(path)])
    assert refused.exit_code == 1 and "differ" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    path.write_text(json.dumps(result.record()), encoding="utf-8")
    wrong = runner.invoke(app, ["experts", "replay-draw", str(path), "--seed", "00" * 32])
    assert wrong.exit_code == 1 and "commitment" in wrong.stderr
    path.write_text("[1, 2", encoding="utf-8")
    garbage = runner.invoke(app, ["experts", "replay-draw", str(path)])
    assert garbage.exit_code == 1 and "is not JSON" in garbage.stderr
