"""The art. 40 presumptions (C001–C007): each fires on its pattern among different bidders of one
lot and not on a near miss; placeholders, replaced envelopes and market-wide defaults are
ignored; one shared fingerprint field is weak (C002, low), several strong (C001, high)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.analytics.tables import RULES, bid, connect, flagged_lots, run, sha

L1, L2 = "T1/L1", "T2/L1"


def pair(**shared: Any) -> list[dict[str, Any]]:
    """Bidders A and B (sharing ``shared``) and an honest C in lot L1."""
    return [bid(L1, "A", **shared), bid(L1, "B", **shared), bid(L1, "C")]


def test_severities_follow_the_strength_of_the_evidence() -> None:
    assert RULES["C001"].severity == "high"
    assert RULES["C002"].severity == "low"
    assert {
        RULES[c].family for c in ("C001", "C002", "C003", "C004", "C005", "C006", "C007", "C008")
    } == {"collusion"}


def test_mac_and_disk_shared_is_several_fields_strong() -> None:
    con = connect(pair(mac_hashes=[sha("0a1b2c3d4e5f")], disk_hashes=[sha("ata-ST1000_Z9A1")]))
    [hit] = run("C001", con)
    assert (hit.group, hit.subject_id, hit.tender_id, hit.value) == ("Lot", L1, "T1", 2)
    assert hit.severity == "high"
    assert hit.detail["bidders"] == ["A", "B"]
    [p] = hit.detail["pairs"]
    assert p["fields"] == ["disk", "mac"]
    assert sorted(p["hashes"]) == [
        f"disk:{sha('ata-ST1000_Z9A1')[:12]}",
        f"mac:{sha('0a1b2c3d4e5f')[:12]}",
    ]
    assert run("C002", con) == []


def test_a_cpu_model_counts_only_with_another_field() -> None:
    model = sha("Intel(R) Core(TM) i5-10400 CPU @ 2.90GHz")
    with_mac = connect(pair(cpu_hash=model, mac_hashes=[sha("0a1b2c3d4e5f")]))
    [hit] = run("C001", with_mac)
    assert hit.detail["pairs"][0]["fields"] == ["cpu", "mac"]
    cpu_only = connect(pair(cpu_hash=model))
    assert run("C001", cpu_only) == [] and run("C002", cpu_only) == []


@pytest.mark.parametrize("field", ["mac_hashes", "disk_hashes"])
def test_one_shared_field_is_weak(field: str) -> None:
    con = connect(pair(**{field: [sha("one-value")]}))
    assert run("C001", con) == []
    [hit] = run("C002", con)
    assert hit.severity == "low" and hit.value == 1
    assert hit.detail["pairs"][0]["fields"] == [field.split("_")[0]]


def test_one_of_several_macs_in_common_is_a_shared_mac() -> None:
    con = connect(
        [
            bid(L1, "A", mac_hashes=[sha("aaaaaaaaaaaa"), sha("0a1b2c3d4e5f")]),
            bid(L1, "B", mac_hashes=[sha("0a1b2c3d4e5f"), sha("bbbbbbbbbbbb")]),
        ]
    )
    assert flagged_lots(run("C002", con)) == {L1}


@pytest.mark.parametrize(
    "values",
    [
        {"mac_hashes": [sha("000000000000")], "disk_hashes": [sha("ata-QEMU_HARDDISK_QM00001")]},
        {"mac_hashes": [sha("ffffffffffff")], "cpu_hash": sha("QEMU Virtual CPU version 2.5+")},
        {"mac_hashes": [sha("")], "disk_hashes": [sha("ata-VBOX_HARDDISK_VB00000000-00000000")]},
        {"mac_hashes": [""], "disk_hashes": [], "cpu_hash": ""},
    ],
)
def test_placeholder_values_are_ignored(values: dict[str, Any]) -> None:
    con = connect(pair(**values))
    assert run("C001", con) == [] and run("C002", con) == []


def test_the_placeholder_list_is_a_parameter() -> None:
    con = connect(pair(mac_hashes=[sha("0a1b2c3d4e5f")], disk_hashes=[sha("ata-X")]))
    assert run("C001", con, placeholders=[sha("0a1b2c3d4e5f")]) == []
    assert flagged_lots(run("C002", con, placeholders=[sha("0a1b2c3d4e5f")])) == {L1}


def test_replaced_unopened_and_same_bidder_envelopes_are_not_evidence() -> None:
    same = {"mac_hashes": [sha("0a1b2c3d4e5f")], "disk_hashes": [sha("ata-ST1000_Z9A1")]}
    con = connect(
        [
            bid(L1, "A", **same),
            bid(L1, "A", n=1, status="replaced", opened=False, price=None, **same),
            bid(L1, "B", status="replaced", opened=False, price=None, **same),
            bid(L1, "C", opened=False, price=None, **same),
            bid(L2, "B", **same),  # another lot
        ]
    )
    assert run("C001", con) == [] and run("C002", con) == []


def test_a_value_seen_with_many_bidders_across_the_market_is_an_image() -> None:
    image = {"mac_hashes": [sha("0a1b2c3d4e5f")], "disk_hashes": [sha("ata-ST1000_Z9A1")]}
    rows = pair(**image) + [bid(f"T{i}/L1", f"X{i}", **image) for i in range(3, 6)]
    con = connect(rows)
    assert flagged_lots(run("C001", con)) == {L1}  # five bidders: within the default ten
    assert run("C001", con, max_market_bidders=4) == []


def test_same_upload_ip_and_its_exceptions() -> None:
    con = connect(pair(upload_ip="202.96.1.20"))
    [hit] = run("C003", con)
    assert hit.value == 2 and hit.detail["pairs"][0]["shared"] == ["ip:202.96.1.20"]
    assert run("C003", con, ignored_ips=["202.96.1.20"]) == []
    assert run("C003", connect(pair())) == []  # each its own address


def test_same_document_digest() -> None:
    con = connect(pair(document_hashes=[sha("technical.pdf"), sha("x")]))
    assert flagged_lots(run("C004", con)) == {L1}
    assert run("C004", connect(pair())) == []
    # a blank form every bidder of the market submits is not evidence
    form = [bid(f"T{i}/L1", f"X{i}", document_hashes=[sha("form.docx")]) for i in range(6)]
    assert run("C004", connect(pair(document_hashes=[sha("form.docx")]) + form)) == []


def test_same_creation_id() -> None:
    con = connect(pair(creation_ids=[sha("pdf-id:ABCDEF")]))
    [hit] = run("C005", con)
    assert hit.detail["pairs"][0]["shared"] == [f"creation_id:{sha('pdf-id:ABCDEF')[:12]}"]
    assert run("C005", connect(pair())) == []


def test_bonds_from_one_account_compared_on_digits() -> None:
    con = connect(
        [
            bid(L1, "A", bond_account="6222 0212 3456 7890"),
            bid(L1, "B", bond_account="6222021234567890"),
            bid(L1, "C", bond_account="6222021234567891"),
        ]
    )
    [hit] = run("C006", con)
    assert hit.detail["bidders"] == ["A", "B"]
    assert hit.detail["pairs"][0]["shared"] == ["bond_account:…7890"]  # never the whole number
    guarantees = [
        bid(L1, "A", bond_kind="guarantee", bond_account=None),
        bid(L1, "B", bond_kind="guarantee", bond_account=None),
    ]
    assert run("C006", connect(guarantees)) == []


@pytest.mark.parametrize(
    ("a", "b", "field"),
    [
        ({"submitter_id": "U-42"}, {"submitter_id": "U-42"}, "submitter"),
        ({"submitter_email": "Office@163.com "}, {"submitter_email": "office@163.com"}, "email"),
        ({"bidder_email": "bid@x.cn"}, {"submitter_email": "BID@x.cn"}, "email"),
        ({"contact_phone": "+86 138-0013-8000"}, {"contact_phone": "13800138000"}, "phone"),
    ],
)
def test_same_contact_after_normalising(a: dict[str, Any], b: dict[str, Any], field: str) -> None:
    con = connect([bid(L1, "A", **a), bid(L1, "B", **b), bid(L1, "C")])
    [hit] = run("C007", con)
    assert field in hit.detail["pairs"][0]["fields"]
    assert hit.detail["bidders"] == ["A", "B"]


@pytest.mark.parametrize(("a", "b"), [("王 伟", "王伟"), ("Li Na", "li na"), ("张　三", "张三")])
def test_same_project_manager_after_normalising(a: str, b: str) -> None:
    con = connect([bid(L1, "A", project_manager=a), bid(L1, "B", project_manager=b), bid(L1, "C")])
    [hit] = run("C008", con)
    assert hit.severity == "medium"
    assert hit.detail["pairs"][0]["fields"] == ["project_manager"]
    assert run("C007", con) == []


def test_different_contacts_are_not_flagged() -> None:
    con = connect(
        [
            bid(L1, "A", project_manager="王伟", contact_phone="13800138000"),
            bid(L1, "B", project_manager="王伟东", contact_phone="13800138001"),
        ]
    )
    assert run("C007", con) == [] and run("C008", con) == []


def test_one_row_per_lot_naming_every_pair() -> None:
    shared = {"upload_ip": "1.2.3.4"}
    con = connect([bid(L1, "A", **shared), bid(L1, "B", **shared), bid(L1, "C", **shared)])
    [hit] = run("C003", con)
    assert hit.value == 3
    assert [p["bidders"] for p in hit.detail["pairs"]] == [["A", "B"], ["A", "C"], ["B", "C"]]
