"""A dashboard's table as CSV or XLSX: the same columns (by key) and rows as its JSON.

Money is written as decimal text in CSV and as a number in XLSX (openpyxl keeps the
``Decimal``); an empty cell is a missing value (no award yet, no bid to count).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from prex.analytics.dashboards.figures import Figures

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    return "" if value is None else value


def to_csv(figures: Figures) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese names as written."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    keys = [c.key for c in figures.columns]
    writer.writerow(keys)
    for row in figures.rows:
        writer.writerow([_cell(row.get(key)) for key in keys])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(figures: Figures) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = figures.name[:31]
    keys = [c.key for c in figures.columns]
    sheet.append(keys)
    for row in figures.rows:
        sheet.append([row.get(key) for key in keys])  # a Decimal is written as a number
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def json_value(value: Any) -> str | int | float | bool | None:
    """A cell as JSON: money as decimal text (exact), the rest as it is."""
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
