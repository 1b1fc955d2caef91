"""Reading a bank statement of the deposit account (保证金账户对账单) as CSV — pure: the standard
library and ``prex.shared`` only.

The file is UTF-8 (with or without a byte-order mark) or GB18030 (what Chinese banks' exports
use). Its first non-blank line names the columns, in any order, in English or Chinese:

============  ==========================  =================================================
column        also                        content
============  ==========================  =================================================
date          交易日期                    the value date, ``YYYY-MM-DD``
reference     交易流水号, 流水号          the bank's transaction reference (unique)
payer_name    付款人户名, 付款人名称      the paying account's holder
payer_account 付款人账号                  the paying account's number
amount        金额, 交易金额              yuan, at most two decimals; ``1,234.00`` allowed
memo          摘要, 附言, 用途            holds the listing's code and the bidder's number
============  ==========================  =================================================

The memo must name exactly one listing code (``GT-330000-2026-0001``) and exactly one bidder's
number (竞买号, four to six digits standing alone), in any order, with any text around them:
``GT-330000-2026-0001 竞买号 482915 保证金``.

Every line is checked on its own and either read whole or reported with its line number and
every reason; a file that cannot be read as a whole (not text, no header, a missing, unknown or
repeated column, more than :data:`MAX_LINES` lines) is refused whole.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from prex.shared.errors import InvalidInput
from prex.shared.money import yuan

MAX_LINES = 10_000
COLUMNS = {
    "date": ("date", "交易日期", "日期"),
    "reference": ("reference", "交易流水号", "流水号"),
    "payer_name": ("payer_name", "付款人户名", "付款人名称"),
    "payer_account": ("payer_account", "付款人账号"),
    "amount": ("amount", "金额", "交易金额"),
    "memo": ("memo", "摘要", "附言", "用途"),
}
_ALIASES = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}
LISTING_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}-\d{6}-\d{4}-\d{4,6}(?![A-Za-z0-9-])")
BIDDER_NUMBER = re.compile(r"(?<![0-9A-Za-z-])\d{4,6}(?![0-9A-Za-z-])")
REFERENCE = re.compile(r"^[0-9A-Za-z_\-./]{1,64}$")
ACCOUNT = re.compile(r"^[0-9A-Za-z\-]{1,64}$")


@dataclass(frozen=True)
class Payment:
    """One confirmed incoming payment, matched by its memo to a listing and a bidder's number."""

    line: int  # in the file (1: the header)
    date: date
    reference: str
    payer_name: str
    payer_account: str
    amount: Decimal
    listing_code: str
    number: str  # 竞买号


@dataclass(frozen=True)
class LineError:
    line: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ParsedStatement:
    sha256: str  # of the file's bytes
    lines: int  # data lines read (blank ones excepted)
    payments: tuple[Payment, ...]
    errors: tuple[LineError, ...]


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise InvalidInput(
            "the statement is neither UTF-8 nor GB18030 text", field="file"
        ) from None


def _header(cells: list[str]) -> list[str]:
    keys: list[str] = []
    for cell in cells:
        key = _ALIASES.get(cell.strip().lower()) or _ALIASES.get(cell.strip())
        if key is None:
            raise InvalidInput(f"unknown column '{cell.strip()[:40]}'", field="file")
        if key in keys:
            raise InvalidInput(f"column '{key}' is given twice", field="file")
        keys.append(key)
    if missing := [k for k in COLUMNS if k not in keys]:
        raise InvalidInput(f"missing column(s): {', '.join(missing)}", field="file")
    return keys


def parse_memo(memo: str) -> tuple[str | None, str | None, list[str]]:
    """The listing code and the bidder's number named in a memo, with the reasons if not
    exactly one of each."""
    reasons = []
    codes = LISTING_CODE.findall(memo)
    rest = LISTING_CODE.sub(" ", memo)
    numbers = BIDDER_NUMBER.findall(rest)
    if len(set(codes)) != 1:
        reasons.append(
            "the memo names no listing code" if not codes else "the memo names two listings"
        )
    if len(set(numbers)) != 1:
        reasons.append(
            "the memo names no bidder's number (4 to 6 digits)"
            if not numbers
            else "the memo names two bidder's numbers"
        )
    code = codes[0] if len(set(codes)) == 1 else None
    number = numbers[0] if len(set(numbers)) == 1 else None
    return code, number, reasons


def _line(line: int, cells: dict[str, str]) -> Payment | list[str]:
    reasons: list[str] = []
    try:
        day = date.fromisoformat(cells["date"])
    except ValueError:
        day = None
        reasons.append(f"date '{cells['date'][:20]}' is not YYYY-MM-DD")
    reference = cells["reference"]
    if not REFERENCE.match(reference):
        reasons.append("the reference is 1 to 64 letters, digits or - _ . /")
    payer_name = cells["payer_name"]
    if not payer_name or len(payer_name) > 200:
        reasons.append("the payer's name is 1 to 200 characters")
    account = re.sub(r"\s+", "", cells["payer_account"])
    if not ACCOUNT.match(account):
        reasons.append("the payer's account is 1 to 64 letters, digits or -")
    amount: Decimal | None = None
    try:
        amount = yuan(cells["amount"].replace(",", ""), field="amount")
        if amount <= 0:
            reasons.append("the amount is more than zero")
    except InvalidInput as exc:
        reasons.append(exc.message)
    code, number, memo_reasons = parse_memo(cells["memo"])
    reasons.extend(memo_reasons)
    if reasons:
        return reasons
    assert day is not None and amount is not None and code is not None and number is not None
    return Payment(line, day, reference, payer_name, account, amount, code, number)


def parse_statement(data: bytes) -> ParsedStatement:
    """Read a statement; bad lines are reported in ``errors``, never half-read."""
    text = _decode(data)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InvalidInput(f"the statement is not CSV: {exc}", field="file") from None
    numbered = [(n, row) for n, row in enumerate(rows, start=1) if any(c.strip() for c in row)]
    if not numbered:
        raise InvalidInput("the statement is empty: it needs a header line", field="file")
    if len(numbered) - 1 > MAX_LINES:
        raise InvalidInput(f"a statement has at most {MAX_LINES} lines", field="file")
    keys = _header(numbered[0][1])
    payments: list[Payment] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    for line, row in numbered[1:]:
        if len(row) != len(keys):
            errors.append(LineError(line, (f"{len(row)} cells where the header has {len(keys)}",)))
            continue
        result = _line(line, {k: c.strip() for k, c in zip(keys, row, strict=True)})
        if isinstance(result, list):
            errors.append(LineError(line, tuple(result)))
        elif result.reference in seen:
            errors.append(
                LineError(
                    line, (f"reference {result.reference} is on line {seen[result.reference]} too",)
                )
            )
        else:
            seen[result.reference] = line
            payments.append(result)
    return ParsedStatement(
        hashlib.sha256(data).hexdigest(), len(numbered) - 1, tuple(payments), tuple(errors)
    )
