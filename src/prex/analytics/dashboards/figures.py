"""What a dashboard answers: one table (columns with a kind, rows of plain values) and a note.

The same table is the JSON, the CSV and XLSX export, and the page's table; charts are drawn
from it. Money stays ``Decimal`` (yuan); rates are fractions (0.25 is 25 %); days are floats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

#: How a column's values are read and shown: ``text``, ``month``, ``type`` (a transaction
#: type), ``method``, ``region`` (a division code), ``count``, ``money``, ``rate``, ``days``,
#: ``mean``, ``score`` (0–100), ``hhi`` (0–10,000), ``band`` (a concentration band).
KINDS = (
    *("text", "month", "type", "method", "region", "count", "money", "rate", "days"),
    *("mean", "score", "hhi", "band"),
)


def N_(message: str) -> str:
    """Mark a message id for ``pybabel extract -k N_`` (the web layer translates it); the
    analytics context does not import the web's ``N_``."""
    return message


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # an English message id (``N_``), translated where it is shown
    kind: str = "text"


@dataclass(frozen=True)
class Figures:
    name: str
    title: str  # message id
    note: str  # message id: what is counted, and on what basis
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The query's rows as dicts keyed by column name."""
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# Column labels shared by several dashboards.
TYPE = Column("transaction_type", N_("Transaction type"), "type")
MONTH = Column("month", N_("Month"), "month")
