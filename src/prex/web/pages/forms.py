"""Reading HTML form fields into domain values, with refusals a person can act on.

Browsers send every field as text: dates as ``2026-04-01T09:30`` in the reader's (Beijing)
time, amounts as typed (``12,500,000.00``), checkboxes as ``on`` or nothing, repeated fields
for each section row. These functions turn them into the values the services take (aware UTC
datetimes, ``Decimal`` yuan, enums) or raise :class:`FieldError`, whose message id is
translated on the page and names the field by its label. Limits match the API's schemas
(``web/schemas/tenders.py``) so a form accepts exactly what the API accepts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from prex.shared.errors import InvalidInput
from prex.shared.money import yuan
from prex.web.i18n import N_
from prex.web.pages.render import CHINA

E = TypeVar("E", bound=StrEnum)

TITLE_MAX = 300
LONG_TEXT_MAX = 20000
REASON_MAX = 2000
QUESTION_MAX = 5000
ANSWER_MAX = 10000
MAX_SECTIONS = 100
MAX_INVITEES = 200
_ORG_ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
_SEPARATORS = re.compile(r"[\s,，;；、]+")
_TICKED = frozenset({"on", "1", "true", "yes"})

# The label of each field as the forms show it (message ids, translated on the page).
FIELD_LABEL = {
    "mobile": N_("Mobile number"),
    "project_name": N_("Project name"),
    "transaction_type": N_("Transaction type"),
    "region_code": N_("Region"),
    "tenderer_org_id": N_("Tenderer organisation id"),
    "agency_org_id": N_("Agency organisation id"),
    "title": N_("Title"),
    "description": N_("Announcement text"),
    "qualification": N_("Qualification requirements"),
    "evaluation_method": N_("Evaluation method"),
    "method": N_("Procurement method"),
    "invitee_org_ids": N_("Invited organisations"),
    "bid_deadline": N_("Bid deadline"),
    "documents_until": N_("Documents available until"),
    "opening_place": N_("Opening place"),
    "sections": N_("Sections"),
    "section_name": N_("Section name"),
    "section_budget": N_("Section budget (yuan)"),
    "section_ceiling_price": N_("Ceiling price (yuan)"),
    "section_duration_days": N_("Duration (days)"),
    "file": N_("File"),
    "kind": N_("Kind"),
    "text": N_("Text"),
    "new_deadline": N_("New bid deadline"),
    "reason": N_("Reason"),
    "answer": N_("Answer"),
    "username": N_("User name"),
    "password": N_("Password"),
}


class FieldError(InvalidInput):
    """A form field the user must correct. ``msgid`` is English with ``%(field)s`` (the field's
    label) and ``params`` placeholders; :meth:`text` gives it in the reader's language."""

    def __init__(self, field: str, msgid: str, **params: Any) -> None:
        label = FIELD_LABEL.get(field, field)
        super().__init__(msgid % {"field": label, **params}, field=field)
        self.msgid = msgid
        self.params = params

    def text(self, gettext: Callable[[str], str]) -> str:
        label = gettext(FIELD_LABEL.get(self.field or "", self.field or ""))
        return gettext(self.msgid) % {"field": label, **self.params}


def ticked(value: str | None) -> bool:
    """A checkbox: browsers send ``on`` when ticked and nothing otherwise."""
    return (value or "").strip().lower() in _TICKED


def text(value: str, field: str, *, required: bool = False, max_length: int = TITLE_MAX) -> str:
    """A text field, trimmed; textareas' CRLF line ends become LF."""
    cleaned = value.replace("\r\n", "\n").strip()
    if required and not cleaned:
        raise FieldError(field, N_("%(field)s is required."))
    if len(cleaned) > max_length:
        raise FieldError(
            field, N_("%(field)s is at most %(limit)d characters long."), limit=max_length
        )
    return cleaned


def choice(kind: type[E], value: str, field: str) -> E:
    """One of an enum's values (a select or radio group)."""
    try:
        return kind(value.strip())
    except ValueError as exc:
        raise FieldError(field, N_("%(field)s: choose one of the options.")) from exc


def local_datetime(value: str, field: str, *, required: bool = False) -> datetime | None:
    """A ``datetime-local`` input in Beijing time → an aware UTC datetime (None when blank)."""
    cleaned = value.strip()
    if not cleaned:
        if required:
            raise FieldError(field, N_("%(field)s is required."))
        return None
    try:
        parsed = datetime.fromisoformat(cleaned.replace(" ", "T", 1))
    except ValueError as exc:
        raise FieldError(
            field,
            N_("%(field)s: enter a date and time such as 2026-04-01 09:30 (Beijing time)."),
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA)
    return parsed.astimezone(UTC)


def required_datetime(value: str, field: str) -> datetime:
    parsed = local_datetime(value, field, required=True)
    assert parsed is not None
    return parsed


def input_datetime(value: datetime | None) -> str:
    """An aware datetime as a ``datetime-local`` input value in Beijing time."""
    return "" if value is None else value.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M")


def amount(value: str, field: str, *, required: bool = False) -> Decimal | None:
    """An amount in yuan as typed: thousands separators and spaces are ignored."""
    cleaned = re.sub(r"[\s,，]", "", value)
    if not cleaned:
        if required:
            raise FieldError(field, N_("%(field)s is required."))
        return None
    try:
        return yuan(cleaned, field=field)
    except InvalidInput as exc:
        raise FieldError(
            field,
            N_("%(field)s: enter an amount in yuan with at most two decimals, such as 1250000.00."),
        ) from exc


def whole_number(value: str, field: str, *, low: int, high: int) -> int | None:
    cleaned = value.strip()
    if not cleaned:
        return None
    if not cleaned.isdigit() or not low <= int(cleaned) <= high:
        raise FieldError(
            field,
            N_("%(field)s: enter a whole number from %(low)d to %(high)d."),
            low=low,
            high=high,
        )
    return int(cleaned)


def org_id(value: str, field: str, *, required: bool = False) -> str | None:
    cleaned = value.strip().upper()
    if not cleaned:
        if required:
            raise FieldError(field, N_("%(field)s is required."))
        return None
    if not _ORG_ID.match(cleaned):
        raise FieldError(
            field,
            N_("%(field)s: '%(value)s' is not an organisation id (26 letters and digits)."),
            value=value.strip()[:40],
        )
    return cleaned


def org_ids(value: str, field: str) -> tuple[str, ...]:
    """Organisation ids separated by spaces, commas or new lines; repeats dropped."""
    found: list[str] = []
    for part in _SEPARATORS.split(value.strip()):
        if part:
            checked = org_id(part, field)
            if checked and checked not in found:
                found.append(checked)
    if len(found) > MAX_INVITEES:
        raise FieldError(field, N_("%(field)s: at most %(limit)d."), limit=MAX_INVITEES)
    return tuple(found)


def sections(
    names: Sequence[str],
    budgets: Sequence[str],
    ceilings: Sequence[str],
    durations: Sequence[str],
) -> list[dict[str, Any]]:
    """The section rows of a form (one field of each per row); blank rows are skipped."""
    width = max(len(names), len(budgets), len(ceilings), len(durations), 0)

    def cell(column: Sequence[str], index: int) -> str:
        return column[index] if index < len(column) else ""

    rows: list[dict[str, Any]] = []
    for i in range(width):
        raw = [cell(names, i), cell(budgets, i), cell(ceilings, i), cell(durations, i)]
        if not any(part.strip() for part in raw):
            continue
        rows.append(
            {
                "name": text(raw[0], "section_name", required=True),
                "budget": amount(raw[1], "section_budget", required=True),
                "ceiling_price": amount(raw[2], "section_ceiling_price"),
                "duration_days": whole_number(raw[3], "section_duration_days", low=1, high=3650),
            }
        )
    if not rows:
        raise FieldError("sections", N_("Add at least one section with its name and budget."))
    if len(rows) > MAX_SECTIONS:
        raise FieldError("sections", N_("%(field)s: at most %(limit)d."), limit=MAX_SECTIONS)
    return rows


def section_values(rows: Sequence[Any]) -> list[dict[str, str]]:
    """Sections (domain objects or dicts) as the strings a form shows."""

    def get(row: Any, name: str) -> Any:
        return row.get(name) if isinstance(row, dict) else getattr(row, name)

    return [
        {
            "name": str(get(row, "name") or ""),
            "budget": "" if get(row, "budget") is None else format(get(row, "budget"), "f"),
            "ceiling_price": (
                "" if get(row, "ceiling_price") is None else format(get(row, "ceiling_price"), "f")
            ),
            "duration_days": (
                "" if get(row, "duration_days") is None else str(get(row, "duration_days"))
            ),
        }
        for row in rows
    ]


def submitted_sections(
    names: Sequence[str], budgets: Sequence[str], ceilings: Sequence[str], durations: Sequence[str]
) -> list[dict[str, str]]:
    """The section rows exactly as submitted, to show them again after a refusal."""
    width = max(len(names), len(budgets), len(ceilings), len(durations), 0)
    columns = (names, budgets, ceilings, durations)
    keys = ("name", "budget", "ceiling_price", "duration_days")
    return [
        {
            key: (column[i] if i < len(column) else "")
            for key, column in zip(keys, columns, strict=True)
        }
        for i in range(width)
    ]
