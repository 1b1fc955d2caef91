"""The one filter every dashboard takes: centre, region, transaction type, period, sandbox.

It is parsed once from the request's text (query parameters or the page's form) and then only
turned into SQL here, so a bad value is refused before any query runs — as an
:class:`InvalidInput` naming the field (a problem document in the API, a form error on the page).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from prex.exchange.quality.rules import TYPES
from prex.shared.errors import InvalidInput

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_REGION = re.compile(r"^\d{2}(\d{2}){0,2}$")
_CENTRE = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")

#: The query parameters (and form fields) of a filter.
FIELDS = ("centre", "region", "type", "from", "to", "sandbox")


@dataclass(frozen=True)
class Filter:
    """What to count. ``region`` is a division-code prefix (``33`` a province, ``3301`` a
    city); ``month_from``/``month_to`` bound the tender's month of publication, inclusive.
    ``centres`` is not the user's: it is the set of centres the actor may see (None: all)."""

    centre: str | None = None
    region: str | None = None
    txn_type: str | None = None
    month_from: str | None = None
    month_to: str | None = None
    sandbox: bool = False
    centres: tuple[str, ...] | None = None

    def as_params(self) -> dict[str, str]:
        """The filter as the query parameters that produce it (for links and exports)."""
        values = {
            "centre": self.centre,
            "region": self.region,
            "type": self.txn_type,
            "from": self.month_from,
            "to": self.month_to,
            "sandbox": "true" if self.sandbox else None,
        }
        return {k: v for k, v in values.items() if v}

    def narrowed(self, centres: tuple[str, ...] | None) -> Filter:
        return replace(self, centres=centres)

    def where(self, alias: str = "t") -> tuple[str, dict[str, Any]]:
        """The condition on a ``tenders`` row aliased ``alias``, and its named parameters."""
        clauses: list[str] = []
        params: dict[str, Any] = {}
        if not self.sandbox:
            clauses.append(f"NOT coalesce({alias}.sandbox, false)")
        if self.centre is not None:
            clauses.append(f"{alias}.centre_id = $centre")
            params["centre"] = self.centre
        if self.centres is not None:
            clauses.append(f"list_contains($centres, {alias}.centre_id)")
            params["centres"] = list(self.centres)
        if self.region is not None:
            clauses.append(f"starts_with({alias}.region_code, $region)")
            params["region"] = self.region
        if self.txn_type is not None:
            clauses.append(f"{alias}.transaction_type = $txn_type")
            params["txn_type"] = self.txn_type
        if self.month_from is not None:
            clauses.append(f"CAST({alias}.month AS VARCHAR) >= $month_from")
            params["month_from"] = self.month_from
        if self.month_to is not None:
            clauses.append(f"CAST({alias}.month AS VARCHAR) <= $month_to")
            params["month_to"] = self.month_to
        return (" AND ".join(clauses) or "true"), params


def _text(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def parse_region(value: str | None) -> str | None:
    """A division code or prefix; a six-digit code's trailing zero pairs are dropped, so
    ``330000`` (浙江省) means every code starting ``33``."""
    if value is None:
        return None
    if not _REGION.match(value):
        raise InvalidInput(
            f"'{value}' is not a division code or prefix (2, 4 or 6 digits)", field="region"
        )
    while len(value) > 2 and value.endswith("00"):
        value = value[:-2]
    return value


def parse_month(value: str | None, field: str) -> str | None:
    if value is not None and not _MONTH.match(value):
        raise InvalidInput(f"'{value}' is not a month (YYYY-MM)", field=field)
    return value


def parse_filter(params: Mapping[str, Any]) -> Filter:
    """The filter from query parameters or form fields (``FIELDS``); empty means unset."""
    centre = _text(params, "centre")
    if centre is not None and not _CENTRE.match(centre):
        raise InvalidInput(f"'{centre}' is not a centre id", field="centre")
    txn_type = _text(params, "type")
    if txn_type is not None and txn_type not in TYPES:
        raise InvalidInput(
            f"'{txn_type}' is not a transaction type ({', '.join(TYPES)})", field="type"
        )
    month_from = parse_month(_text(params, "from"), "from")
    month_to = parse_month(_text(params, "to"), "to")
    if month_from and month_to and month_from > month_to:
        raise InvalidInput(
            f"the period starts ({month_from}) after it ends ({month_to})", field="to"
        )
    sandbox = (_text(params, "sandbox") or "").lower()
    if sandbox not in _TRUE + _FALSE:
        raise InvalidInput(f"'{sandbox}' is not true or false", field="sandbox")
    return Filter(
        centre=centre,
        region=parse_region(_text(params, "region")),
        txn_type=txn_type,
        month_from=month_from,
        month_to=month_to,
        sandbox=sandbox in _TRUE,
    )
