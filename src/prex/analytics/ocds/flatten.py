"""Compiled OCDS releases → the ``ocds_*`` warehouse tables (``schema``).

Reads only what the tables declare, with the JSON types OCDS prescribes: a field of another
type is null rather than coerced, because Cardinal's indicators skip such fields too (a bid
whose amount is the string "100" has no amount). Built for volume: ``iter_tables`` turns a
stream of releases into one set of Arrow tables per ``batch_size`` releases, so the refresh
writes hundreds of thousands of records without holding them all; ``flatten_releases`` is the
one-batch convenience for a file that fits in memory (``prex flags run --input``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from prex.analytics.ocds.schema import OCDS_TABLES


class OcdsInputError(ValueError):
    """A compiled-release file that cannot be read: the message names the file and line."""


# RFC 3339 as chrono's parse_from_rfc3339 (Cardinal's R003) accepts it: date, time, offset.
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
_MONTH = re.compile(r"\d{4}-\d{2}", re.ASCII)


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 date-time as an aware UTC datetime; None for anything else."""
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        return None
    text = value.replace("t", "T").replace("z", "Z")
    if text[10] == " ":
        text = text[:10] + "T" + text[11:]
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:  # 2024-02-30, 25:00 …
        return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any] | None:
    return value if isinstance(value, list) else None


def _ids(value: Any, key: str = "id") -> list[str | None] | None:
    if not isinstance(value, list):
        return None
    return [
        v if isinstance(entry, dict) and isinstance(v := entry.get(key), str) else None
        for entry in value
    ]


class _Rows:
    """One table's rows as tuples in its schema's column order, turned into one Arrow table
    (tuples, not per-row dicts: the flattening is most of a refresh's Python time)."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.rows: list[tuple[Any, ...]] = []

    def table(self) -> pa.Table:
        columns = list(zip(*self.rows, strict=True)) or [()] * len(self.schema)
        return pa.Table.from_arrays(
            [pa.array(c, type=f.type) for c, f in zip(columns, self.schema, strict=True)],
            schema=self.schema,
        )


def _flatten_one(
    tables: Mapping[str, _Rows],
    release: Mapping[str, Any],
    line: int,
    common: tuple[str, int],
) -> None:
    """Append one release's rows; each tuple lists the columns in ``schema``'s order, ending
    with the common ``source, month, refresh``."""
    source, refresh = common
    ocid = release["ocid"]
    buyer = _obj(release.get("buyer"))
    tender = _obj(release.get("tender"))
    entity = _obj(tender.get("procuringEntity"))
    value = _obj(tender.get("value"))
    period = _obj(tender.get("tenderPeriod"))
    awards = _list(release.get("awards"))
    details = _list(_obj(release.get("bids")).get("details"))
    contracts = _list(release.get("contracts"))
    tenderers = tender.get("numberOfTenderers")
    date = _str(release.get("date"))
    month = date[:7] if date and _MONTH.match(date) else "unknown"
    start, end = period.get("startDate"), period.get("endDate")

    tables["ocds_processes"].rows.append(
        (
            ocid,
            line,
            _str(release.get("id")),
            date,
            parse_time(date),
            _str(release.get("language")),
            _str(buyer.get("id")),
            _str(buyer.get("name")),
            _str(tender.get("id")),
            _str(tender.get("title")),
            _str(tender.get("status")),
            _str(entity.get("id")),
            _str(entity.get("name")),
            _str(tender.get("procurementMethod")),
            _str(tender.get("procurementMethodDetails")),
            _str(tender.get("mainProcurementCategory")),
            _str(tender.get("awardCriteria")),
            _num(value.get("amount")),
            _str(value.get("currency")),
            _str(start),
            _str(end),
            parse_time(start),
            parse_time(end),
            tenderers
            if isinstance(tenderers, int) and not isinstance(tenderers, bool) and tenderers >= 0
            else None,
            awards is not None,
            details is not None,
            len(awards or ()),
            len(details or ()),
            len(contracts or ()),
            source,
            month,
            refresh,
        )
    )

    rows = tables["ocds_bids"].rows
    for position, entry in enumerate(details or ()):
        bid = _obj(entry)
        bid_value = _obj(bid.get("value"))
        rows.append(
            (
                ocid,
                position,
                _str(bid.get("id")),
                _str(bid.get("status")),
                _str(bid.get("date")),
                _num(bid_value.get("amount")),
                _str(bid_value.get("currency")),
                _ids(bid.get("tenderers")),
                source,
                month,
                refresh,
            )
        )

    rows = tables["ocds_awards"].rows
    for position, entry in enumerate(awards or ()):
        award = _obj(entry)
        award_value = _obj(award.get("value"))
        items = _list(award.get("items"))
        classifications = None
        if items is not None:
            codes = (_obj(_obj(item).get("classification")).get("id") for item in items)
            classifications = [code for code in codes if isinstance(code, str)]
        rows.append(
            (
                ocid,
                position,
                _str(award.get("id")),
                _str(award.get("status")),
                _str(award.get("date")),
                parse_time(award.get("date")),
                _num(award_value.get("amount")),
                _str(award_value.get("currency")),
                _ids(award.get("suppliers")),
                _ids(award.get("suppliers"), "name"),
                classifications,
                source,
                month,
                refresh,
            )
        )

    rows = tables["ocds_contracts"].rows
    for position, entry in enumerate(contracts or ()):
        contract = _obj(entry)
        contract_value = _obj(contract.get("value"))
        contract_period = _obj(contract.get("period"))
        award_id = contract.get("awardID")
        rows.append(
            (
                ocid,
                position,
                _str(contract.get("id")),
                str(award_id) if isinstance(award_id, str | int) else None,
                _str(contract.get("status")),
                _str(contract.get("dateSigned")),
                parse_time(contract.get("dateSigned")),
                parse_time(contract_period.get("startDate")),
                parse_time(contract_period.get("endDate")),
                _num(contract_value.get("amount")),
                _str(contract_value.get("currency")),
                source,
                month,
                refresh,
            )
        )

    rows = tables["ocds_tender_items"].rows
    for position, entry in enumerate(_list(tender.get("items")) or ()):
        item = _obj(entry)
        classification = _obj(item.get("classification"))
        unit = _obj(item.get("unit"))
        unit_value = _obj(unit.get("value"))
        rows.append(
            (
                ocid,
                position,
                _str(item.get("id")),
                _str(item.get("description")),
                _str(classification.get("scheme")),
                _str(classification.get("id")),
                _num(item.get("quantity")),
                _str(unit.get("name")),
                _num(unit_value.get("amount")),
                _str(unit_value.get("currency")),
                source,
                month,
                refresh,
            )
        )


def iter_tables(
    releases: Iterable[Mapping[str, Any]],
    source: str,
    refresh: int,
    batch_size: int = 50_000,
) -> Iterator[dict[str, pa.Table]]:
    """One set of ``ocds_*`` tables per ``batch_size`` releases (the last set may be smaller;
    nothing is yielded for no releases). A release without a string ``ocid`` is skipped, as
    Cardinal skips it: it cannot be keyed."""
    if batch_size < 1:
        raise ValueError("batch_size is at least 1")
    common = (source, refresh)
    tables = {name: _Rows(schema) for name, schema in OCDS_TABLES.items()}
    count = 0
    for line, release in enumerate(releases, start=1):
        if not isinstance(release.get("ocid"), str):
            continue
        _flatten_one(tables, release, line, common)
        count += 1
        if count == batch_size:
            yield {name: columns.table() for name, columns in tables.items()}
            tables = {name: _Rows(schema) for name, schema in OCDS_TABLES.items()}
            count = 0
    if count:
        yield {name: columns.table() for name, columns in tables.items()}


def empty_tables() -> dict[str, pa.Table]:
    return {name: schema.empty_table() for name, schema in OCDS_TABLES.items()}


def flatten_releases(
    releases: Iterable[Mapping[str, Any]], source: str, refresh: int
) -> dict[str, pa.Table]:
    """All releases as one set of ``ocds_*`` tables (every table present, possibly empty)."""
    batches = list(iter_tables(releases, source, refresh))
    if not batches:
        return empty_tables()
    if len(batches) == 1:
        return batches[0]
    return {name: pa.concat_tables([b[name] for b in batches]) for name in OCDS_TABLES}


def check_one_release_per_ocid(processes: pa.Table, source: str) -> None:
    """Refuse a set of compiled releases that has an ocid twice: a compiled release is the
    whole process, so two are a mistake upstream (and every rule would count it twice)."""
    seen: set[str] = set()
    for ocid, line in zip(
        processes["ocid"].to_pylist(), processes["line"].to_pylist(), strict=True
    ):
        if ocid in seen:
            raise OcdsInputError(f"{source}:{line}: ocid {ocid!r} again (one line per process)")
        seen.add(ocid)


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The JSON objects of a JSON Lines file, one per non-blank line, in order.

    Raises ``OcdsInputError`` naming the file and line for a line that is not a JSON object
    (Cardinal warns and skips it; a supervisor's run should not silently drop records)."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise OcdsInputError(f"{path}: {exc.strerror or exc}") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise OcdsInputError(f"{path}:{number}: invalid JSON ({exc})") from None
            if not isinstance(value, dict):
                raise OcdsInputError(f"{path}:{number}: not a JSON object")
            yield value
