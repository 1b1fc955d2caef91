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
    entries = _list(value)
    if entries is None:
        return None
    return [_str(_obj(entry).get(key)) for entry in entries]


class _Columns:
    """Column lists for one table, appended row by row and turned into one Arrow table."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.columns: dict[str, list[Any]] = {name: [] for name in schema.names}

    def add(self, **row: Any) -> None:
        for name, column in self.columns.items():
            column.append(row.get(name))

    def table(self) -> pa.Table:
        return pa.Table.from_pydict(self.columns, schema=self.schema)


def _flatten_one(
    tables: Mapping[str, _Columns],
    release: Mapping[str, Any],
    line: int,
    common: Mapping[str, Any],
) -> None:
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
    row = {**common, "ocid": ocid}
    row["month"] = date[:7] if date and _MONTH.match(date) else "unknown"

    tables["ocds_processes"].add(
        **row,
        line=line,
        release_id=_str(release.get("id")),
        release_date=date,
        release_at=parse_time(date),
        language=_str(release.get("language")),
        buyer_id=_str(buyer.get("id")),
        buyer_name=_str(buyer.get("name")),
        tender_id=_str(tender.get("id")),
        tender_title=_str(tender.get("title")),
        tender_status=_str(tender.get("status")),
        procuring_entity_id=_str(entity.get("id")),
        procuring_entity_name=_str(entity.get("name")),
        procurement_method=_str(tender.get("procurementMethod")),
        procurement_method_details=_str(tender.get("procurementMethodDetails")),
        main_procurement_category=_str(tender.get("mainProcurementCategory")),
        award_criteria=_str(tender.get("awardCriteria")),
        tender_value_amount=_num(value.get("amount")),
        tender_value_currency=_str(value.get("currency")),
        tender_period_start_date=_str(period.get("startDate")),
        tender_period_end_date=_str(period.get("endDate")),
        tender_period_start_at=parse_time(period.get("startDate")),
        tender_period_end_at=parse_time(period.get("endDate")),
        number_of_tenderers=(
            tenderers
            if isinstance(tenderers, int) and not isinstance(tenderers, bool) and tenderers >= 0
            else None
        ),
        has_awards=awards is not None,
        has_bids=details is not None,
        award_count=len(awards or ()),
        bid_count=len(details or ()),
        contract_count=len(contracts or ()),
    )

    for position, entry in enumerate(details or ()):
        bid = _obj(entry)
        bid_value = _obj(bid.get("value"))
        tables["ocds_bids"].add(
            **row,
            position=position,
            bid_id=_str(bid.get("id")),
            status=_str(bid.get("status")),
            bid_date=_str(bid.get("date")),
            amount=_num(bid_value.get("amount")),
            currency=_str(bid_value.get("currency")),
            tenderer_ids=_ids(bid.get("tenderers")),
        )

    for position, entry in enumerate(awards or ()):
        award = _obj(entry)
        award_value = _obj(award.get("value"))
        items = _list(award.get("items"))
        classifications = None
        if items is not None:
            codes = (_obj(_obj(item).get("classification")).get("id") for item in items)
            classifications = [code for code in codes if isinstance(code, str)]
        tables["ocds_awards"].add(
            **row,
            position=position,
            award_id=_str(award.get("id")),
            status=_str(award.get("status")),
            award_date=_str(award.get("date")),
            award_at=parse_time(award.get("date")),
            amount=_num(award_value.get("amount")),
            currency=_str(award_value.get("currency")),
            supplier_ids=_ids(award.get("suppliers")),
            supplier_names=_ids(award.get("suppliers"), "name"),
            item_classification_ids=classifications,
        )

    for position, entry in enumerate(contracts or ()):
        contract = _obj(entry)
        contract_value = _obj(contract.get("value"))
        contract_period = _obj(contract.get("period"))
        award_id = contract.get("awardID")
        tables["ocds_contracts"].add(
            **row,
            position=position,
            contract_id=_str(contract.get("id")),
            award_id=str(award_id) if isinstance(award_id, str | int) else None,
            status=_str(contract.get("status")),
            date_signed=_str(contract.get("dateSigned")),
            signed_at=parse_time(contract.get("dateSigned")),
            period_start_at=parse_time(contract_period.get("startDate")),
            period_end_at=parse_time(contract_period.get("endDate")),
            amount=_num(contract_value.get("amount")),
            currency=_str(contract_value.get("currency")),
        )

    for position, entry in enumerate(_list(tender.get("items")) or ()):
        item = _obj(entry)
        classification = _obj(item.get("classification"))
        unit = _obj(item.get("unit"))
        unit_value = _obj(unit.get("value"))
        tables["ocds_tender_items"].add(
            **row,
            position=position,
            item_id=_str(item.get("id")),
            description=_str(item.get("description")),
            classification_scheme=_str(classification.get("scheme")),
            classification_id=_str(classification.get("id")),
            quantity=_num(item.get("quantity")),
            unit_name=_str(unit.get("name")),
            unit_amount=_num(unit_value.get("amount")),
            unit_currency=_str(unit_value.get("currency")),
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
    common = {"source": source, "refresh": refresh}
    tables = {name: _Columns(schema) for name, schema in OCDS_TABLES.items()}
    count = 0
    for line, release in enumerate(releases, start=1):
        if not isinstance(release.get("ocid"), str):
            continue
        _flatten_one(tables, release, line, common)
        count += 1
        if count == batch_size:
            yield {name: columns.table() for name, columns in tables.items()}
            tables = {name: _Columns(schema) for name, schema in OCDS_TABLES.items()}
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
