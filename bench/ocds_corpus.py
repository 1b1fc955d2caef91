"""A generated OCDS corpus for the OCDS benchmarks and peer tests, deterministic by seed.

Each contracting process (ocid ``ocds-prex01-<unified deal code>``) gets a tender release with
2–4 lots and their items, buyer and tenderers as parties; some a tenderAmendment that changes a
value, nulls a field and adds a document; an award release with the bids (bids extension) and
awards per lot; a contract release per award. About one process in twenty has two releases on
the same date, to exercise the stable sort. Releases come out shuffled, as a feed would give them
across processes, and the JSON Lines form is what ``ocdskit compile`` reads.
"""

from __future__ import annotations

import datetime
import random
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import orjson

CLASSES = ["45000000", "45200000", "45230000", "45300000", "71000000", "33100000", "30200000"]
UNITS = ["MTK", "MTR", "EA", "H87", "TNE"]
METHODS = ["open", "selective", "limited"]
_REQUIRED = re.compile(r"^'([^']+)'")


def _uscc(n: int) -> str:
    return f"91330100MA{n:08d}"


def _org(n: int, role: str) -> dict[str, Any]:
    ident = _uscc(n)
    return {
        "id": f"CN-USCC-{ident}",
        "name": f"浙江测试建设有限公司{n}",
        "identifier": {"scheme": "CN-USCC", "id": ident, "legalName": f"浙江测试建设有限公司{n}"},
        "address": {"locality": "杭州市", "region": "浙江省", "countryName": "中国"},
        "contactPoint": {"name": "张工", "telephone": "0571-8888" + f"{n % 10000:04d}"},
        "roles": [role],
    }


_EPOCH = datetime.date(2025, 1, 1)


def _date(day: int, hour: int) -> str:
    return f"{_EPOCH + datetime.timedelta(days=day)}T{hour:02d}:00:00Z"


def process(i: int, rng: random.Random) -> list[dict[str, Any]]:
    """The releases of one contracting process, in date order."""
    ocid = f"ocds-prex01-{_uscc(i)}20260101{i % 1_000_000:06d}X"
    day = rng.randrange(0, 250)
    buyer = _org(1_000_000 + i % 500, "buyer")
    n_lots = rng.randint(2, 4)
    lots, items = [], []
    for lot in range(1, n_lots + 1):
        amount = rng.randrange(100_000, 9_000_000)
        lots.append(
            {
                "id": f"L{lot}",
                "title": f"第{lot}标段",
                "status": "active",
                "value": {"amount": amount, "currency": "CNY"},
            }
        )
        for k in range(rng.randint(1, 3)):
            items.append(
                {
                    "id": f"{lot}-{k}",
                    "description": "土建施工",
                    "classification": {"scheme": "CPV", "id": rng.choice(CLASSES)},
                    "quantity": rng.randint(1, 5000),
                    "unit": {"scheme": "UNCEFACT", "id": rng.choice(UNITS), "name": "单位"},
                    "relatedLot": f"L{lot}",
                }
            )
    tender = {
        "id": f"{ocid}-tender",
        "title": f"某某工程施工招标 {i}",
        "status": "active",
        "procuringEntity": {"id": buyer["id"], "name": buyer["name"]},
        "items": items,
        "value": {"amount": sum(lot["value"]["amount"] for lot in lots), "currency": "CNY"},
        "procurementMethod": rng.choice(METHODS),
        "procurementMethodDetails": "公开招标",
        "mainProcurementCategory": "works",
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {"startDate": _date(day, 9), "endDate": _date(day + 20, 9)},
        "documents": [
            {
                "id": "D1",
                "documentType": "tenderNotice",
                "title": "招标公告",
                "url": f"https://ggzy.example.cn/notice/{i}",
                "format": "text/html",
            }
        ],
        "lots": lots,
    }
    bidders = [_org(rng.randrange(0, 200_000), "tenderer") for _ in range(rng.randint(2, 6))]
    releases = [
        {
            "ocid": ocid,
            "id": f"{ocid}-tender-1",
            "date": _date(day, 9),
            "tag": ["tender"],
            "initiationType": "tender",
            "language": "zh",
            "parties": [buyer, *bidders],
            "buyer": {"id": buyer["id"], "name": buyer["name"]},
            "tender": tender,
        }
    ]
    if rng.random() < 0.3:
        releases.append(
            {
                "ocid": ocid,
                "id": f"{ocid}-amend-1",
                "date": _date(day + 3, 10),
                "tag": ["tenderAmendment"],
                "initiationType": "tender",
                "tender": {
                    "id": tender["id"],
                    "procurementMethodDetails": None,
                    "tenderPeriod": {"endDate": _date(day + 25, 9)},
                    "documents": [{"id": "D2", "documentType": "clarifications", "title": "澄清"}],
                    "amendments": [{"id": "A1", "date": _date(day + 3, 10), "rationale": "延期"}],
                },
            }
        )
    bids, awards, contracts = [], [], []
    award_day = day + 30
    for lot in lots:
        offers = sorted(
            (round(lot["value"]["amount"] * rng.uniform(0.8, 1.0), 2), b) for b in bidders
        )
        for n, (price, bidder) in enumerate(offers):
            bids.append(
                {
                    "id": f"{lot['id']}-B{n}",
                    "date": _date(day + 20, 8),
                    "status": "valid",
                    "tenderers": [{"id": bidder["id"], "name": bidder["name"]}],
                    "value": {"amount": price, "currency": "CNY"},
                    "relatedLots": [lot["id"]],
                }
            )
        price, winner = offers[0]
        award_id = f"{ocid}-award-{lot['id']}"
        awards.append(
            {
                "id": award_id,
                "title": f"{lot['title']}中标结果",
                "status": "active",
                "date": _date(award_day, 15),
                "value": {"amount": price, "currency": "CNY"},
                "suppliers": [{"id": winner["id"], "name": winner["name"]}],
                "relatedLots": [lot["id"]],
            }
        )
        contracts.append(
            {
                "id": f"{ocid}-contract-{lot['id']}",
                "awardID": award_id,
                "title": f"{lot['title']}施工合同",
                "status": "active",
                "value": {"amount": price, "currency": "CNY"},
                "period": {
                    "startDate": _date(award_day + 10, 0),
                    "endDate": _date(award_day + 200, 0),
                },
                "dateSigned": _date(award_day + 5, 10),
            }
        )
    same_day = rng.random() < 0.05
    releases.append(
        {
            "ocid": ocid,
            "id": f"{ocid}-award-1",
            "date": _date(award_day, 15),
            "tag": ["award"],
            "initiationType": "tender",
            "tender": {"id": tender["id"], "status": "complete"},
            "bids": {
                "statistics": [{"id": "S1", "measure": "validBids", "value": len(bids)}],
                "details": bids,
            },
            "awards": awards,
        }
    )
    releases.append(
        {
            "ocid": ocid,
            "id": f"{ocid}-contract-1",
            "date": _date(award_day, 15) if same_day else _date(award_day + 5, 10),
            "tag": ["contract"],
            "initiationType": "tender",
            "contracts": contracts,
        }
    )
    return releases


def generate(n_ocids: int, seed: int = 20261127) -> list[dict[str, Any]]:
    """The releases of ``n_ocids`` processes, shuffled (about 3 releases per process)."""
    rng = random.Random(seed)
    releases = [r for i in range(n_ocids) for r in process(i, rng)]
    rng.shuffle(releases)
    return releases


def to_jsonl(releases: list[dict[str, Any]]) -> bytes:
    """One release per line, as OCDS bulk files and ``ocdskit compile`` stdin take them."""
    return b"".join(orjson.dumps(r) + b"\n" for r in releases)


def to_package_jsonl(releases: list[dict[str, Any]], per_package: int = 100) -> bytes:
    """Release packages (OCDS 1.1, ``per_package`` releases each), one per line."""
    lines = []
    for start in range(0, len(releases), per_package):
        package = {
            "uri": f"https://ggzy.example.cn/ocds/packages/{start // per_package}.json",
            "publishedDate": "2026-11-27T00:00:00Z",
            "publisher": {"name": "某省公共资源交易中心"},
            "version": "1.1",
            "releases": releases[start : start + per_package],
        }
        lines.append(orjson.dumps(package) + b"\n")
    return b"".join(lines)


def seed_errors(releases: list[dict[str, Any]], seed: int = 7, rate: float = 0.1) -> int:
    """Put errors into about ``rate`` of the releases, in place; how many were seeded.

    One error of a kind drawn at random per chosen release: a wrong type, a missing required
    field, a bad date or URI, a code outside a closed or an open codelist, an unknown field at
    the top or deep down, an empty id, two awards with one id, a release id repeated in the
    package. Used to compare prex's validator with libcoveocds on the same errors."""
    rng = random.Random(seed)
    seeded = 0
    for n, release in enumerate(releases):
        if rng.random() >= rate:
            continue
        kind = rng.randrange(14)
        tender, awards = release.get("tender"), release.get("awards")
        contracts = release.get("contracts")
        if kind == 0 and awards:
            awards[0]["value"]["amount"] = str(awards[0]["value"]["amount"])
        elif kind == 1:
            del release["initiationType"]
        elif kind == 2:
            release["date"] = "2026-13-45 nonsense"
        elif kind == 3 and tender and "documents" in tender and "url" in tender["documents"][0]:
            tender["documents"][0]["url"] = "not a uri"
        elif kind == 4 and tender and "status" in tender:
            tender["status"] = "open-for-business"
        elif kind == 5 and contracts:
            contracts[-1]["value"]["currency"] = "RMB"
        elif kind == 6:
            release["tag"] = [*release["tag"], "bogus"]
        elif kind == 7 and tender and "documents" in tender:
            tender["documents"][0]["documentType"] = "invitationLetter"
        elif kind == 8:
            release["platformCode"] = "P330100"
        elif kind == 9 and tender and "items" in tender:
            tender["items"][0]["unit"]["priceNote"] = "含税"
        elif kind == 10 and awards:
            awards[0]["id"] = ""
        elif kind == 11 and awards and len(awards) > 1:
            awards[1]["id"] = awards[0]["id"]
        elif kind == 12 and n > 0 and releases[n - 1].get("ocid") == release.get("ocid"):
            release["id"] = releases[n - 1]["id"]
        elif kind == 12 and n > 0:
            release["ocid"], release["id"] = releases[n - 1]["ocid"], releases[n - 1]["id"]
        elif kind == 13 and release.get("parties"):
            release["parties"][0]["roles"] = ["buyer", "bidder"]
        else:
            continue
        seeded += 1
    return seeded


def comparable_libcove(out: dict[str, Any]) -> Counter[tuple[Any, ...]]:
    """libcoveocds' core findings in a form prex's can be compared with (see below)."""
    found: Counter[tuple[Any, ...]] = Counter()
    for error in out["validation_errors"]:
        missing = _REQUIRED.search(error["description"]) if error["type"] == "required" else None
        found["schema", error["type"], error["path"], missing.group(1) if missing else ""] += 1
    for kind in ("closed", "open"):
        for field, info in out[f"additional_{kind}_codelist_values"].items():
            for code in info["values"]:
                found[kind, field, code] += 1
    for info in out["all_additional_fields"]:
        if info["root_additional_field"]:
            found["additional", f"{info['path']}/{info['field_name']}", info["count"]] += 1
    return found


def comparable_prex(findings: Iterable[Any]) -> Counter[tuple[Any, ...]]:
    """prex's findings (``prex.exchange.ocds.Finding``) in libcoveocds' terms: a type or format
    error is named by the type or format, a duplicate id is ``uniqueItems``, codelist values
    and additional fields are grouped by field as libcoveocds groups them."""
    found: Counter[tuple[Any, ...]] = Counter()
    codes: dict[tuple[str, str], set[str]] = {}
    additional: Counter[str] = Counter()
    for f in findings:
        family, _, name = f.code.partition(".")
        if family == "schema":
            kind = name.split(".")[-1]
            found["schema", kind, f.path, f.value if kind == "required" else ""] += 1
        elif family in ("id", "items"):
            found["schema", "uniqueItems", f.path, ""] += 1
        elif family == "codelist":
            codes.setdefault((name, f.field), set()).add(str(f.value))
        elif f.code == "field.additional":
            additional["/" + f.field] += 1
    for (kind, field), values in codes.items():
        for code in values:
            found[kind, field, code] += 1
    for field, count in additional.items():
        found["additional", field, count] += 1
    return found
