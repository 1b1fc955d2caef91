"""Deposits (竞买保证金): a bidder may not bid before the centre has confirmed that its deposit
arrived in the deposit account.

A confirmation records the payer's name and account, the amount (at least the listing's
deposit), the bank's transaction reference (unique across the platform: one payment backs one
registration) and its source. Confirmations come from

- a bank, through an adapter implementing :class:`DepositConfirmations` — the shipped one,
  :class:`StatementFile`, reads a statement exported as CSV (:mod:`prex.auctions.statement`;
  ``POST /api/v1/deposits/import``, ``prex auctions import-deposits FILE``);
- the operator, by hand (``POST …/registrations/{id}/deposit``), from the bank's receipt.

An import is all or nothing: every line is checked first, and any bad line — unreadable, an
unknown listing or bidder's number, a listing of another centre, an amount short of the
deposit, a reference that already confirms another registration — is reported with its line
number and nothing is written. Importing the same statement again changes nothing: a line whose
reference already confirms the same registration is counted as unchanged.

Releasing or applying deposits at the close is the bidding side's (``prex.auctions.closing``);
:func:`deposit_ok` is its check that a registration may bid.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from prex import extensions
from prex.auctions import events as ev
from prex.auctions.listing_views import load, resource_of
from prex.auctions.model import OPEN_FOR_REGISTRATION, DepositStatus, deposit_ok
from prex.auctions.orm import listing_registrations as regs
from prex.auctions.orm import listings
from prex.auctions.registration import centre_view, load_registration
from prex.auctions.statement import ACCOUNT, REFERENCE, LineError, Payment, parse_statement
from prex.credit.errors import CreditBlacklisted
from prex.credit.queries import refuse_if_blacklisted, where_of_listing
from prex.db.uow import SqlUnitOfWork
from prex.identity.orm import organisations
from prex.identity.policy import Action, authorize, is_allowed
from prex.shared.errors import Conflict, InvalidInput
from prex.shared.money import yuan

if TYPE_CHECKING:
    from prex.bootstrap import Services

__all__ = [
    "DEFAULT_SOURCE",
    "DepositConfirmations",
    "DepositSource",
    "ImportReport",
    "StatementFile",
    "StatementRefused",
    "confirm_deposit",
    "confirm_from",
    "deposit_ok",
    "import_statement",
    "source_named",
    "statement_source",
]

#: The deposit source (entry point name in ``prex.deposit_sources``) used when none is named.
DEFAULT_SOURCE = "statement-csv"


class DepositConfirmations(Protocol):
    """Where confirmed incoming payments come from: a bank's API, or a statement file."""

    source: str  # recorded with each confirmation (≤ 80 characters), e.g. ``statement:<sha256>``

    def confirmed_payments(self, listing_code: str) -> Iterable[Payment]:
        """The payments into the deposit account whose memo names ``listing_code``."""
        ...


class StatementFile:
    """The file-import adapter: a bank statement of the deposit account as CSV."""

    def __init__(self, data: bytes) -> None:
        self.parsed = parse_statement(data)
        # The column holds 64 characters: the first 128 bits of the digest name the file; the
        # whole digest is in the audit trail's DepositStatementImported entry.
        self.source = f"statement:{self.parsed.sha256}"
        self.payments = self.parsed.payments
        self.lines = self.parsed.lines
        self.errors = self.parsed.errors
        self.sha256 = self.parsed.sha256

    def confirmed_payments(self, listing_code: str) -> Iterable[Payment]:
        return (p for p in self.parsed.payments if p.listing_code == listing_code)


@runtime_checkable
class DepositSource(Protocol):
    """An extension point (``prex.deposit_sources``): a named statement format that reads an
    uploaded file into :class:`DepositConfirmations`.

    Banks export statements in their own formats (CSV, MT940, CAMT.053, a bank's own XML); a
    module for one of them implements this and registers its factory as an entry point, and the
    import endpoint and CLI choose it by name (``format``). Whatever the format, the import is
    the same — all lines or none, matched against registrations — so a source only parses.
    ``read`` raises :class:`~prex.shared.errors.InvalidInput` for a file it cannot read whole.
    """

    name: str  # the entry point name, e.g. ``statement-csv``
    media_types: tuple[str, ...]  # what it reads, e.g. ``("text/csv",)``

    def read(self, data: bytes) -> DepositConfirmations:
        """The statement's confirmed payments (lines it could not read: see ``errors``)."""
        ...


class _StatementCsv:
    """prex's own deposit source: the CSV statement of :mod:`prex.auctions.statement`."""

    name = DEFAULT_SOURCE
    media_types: tuple[str, ...] = ("text/csv", "text/plain")

    def read(self, data: bytes) -> DepositConfirmations:
        return StatementFile(data)


def statement_source(services: Services) -> DepositSource:
    """The entry point ``statement-csv`` of ``prex.deposit_sources`` (needs nothing running)."""
    return _StatementCsv()


@dataclass
class ImportReport:
    source: str
    lines: int
    confirmed: list[dict[str, Any]] = field(default_factory=list)  # {line, reference, number …}
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "ok": self.ok,
            "lines": self.lines,
            "confirmed": self.confirmed if self.ok else [],
            "unchanged": self.unchanged if self.ok else [],
            "would_confirm": [] if self.ok else self.confirmed,
            "errors": [{"line": e.line, "reasons": list(e.reasons)} for e in self.errors],
        }


class StatementRefused(InvalidInput):
    """A statement with bad lines: nothing was imported; every bad line is in ``errors``."""

    slug = "statement-refused"

    def __init__(self, report: ImportReport) -> None:
        body = report.to_json()
        bad = len(report.errors)
        super().__init__(
            f"{bad} line{'s' if bad > 1 else ''} of the statement cannot be imported; "
            "nothing was imported",
            field="file",
            source=report.source,
            lines=report.lines,
            errors=body["errors"],
        )
        self.report = report


@dataclass(frozen=True)
class _Match:
    payment: Payment
    registration: Any
    listing: Any
    unchanged: bool


def _check(
    session: Session, uow: SqlUnitOfWork, payment: Payment, claimed: dict[str, int]
) -> _Match | list[str]:
    """Match one payment to its registration, or the reasons it cannot be."""
    listing = session.execute(
        select(listings).where(listings.c.code == payment.listing_code)
    ).first()
    if listing is None or not is_allowed(uow.actor, Action.LISTING_REVIEW, resource_of(listing)):
        # Another centre's listing is reported like an unknown one: nothing leaks across centres.
        return [f"no listing {payment.listing_code} of your centre"]
    registration = session.execute(
        select(regs).where(regs.c.listing_id == listing.id, regs.c.number == payment.number)
    ).first()
    if registration is None:
        return [f"listing {listing.code} has no bidder number {payment.number}"]
    by_reference = session.execute(
        select(regs.c.id).where(regs.c.deposit_reference == payment.reference)
    ).scalar_one_or_none()
    if by_reference == registration.id:
        return _Match(payment, registration, listing, unchanged=True)
    reasons = []
    if by_reference is not None:
        reasons.append(f"reference {payment.reference} confirms another registration's deposit")
    if registration.id in claimed:
        reasons.append(f"line {claimed[registration.id]} confirms bidder {payment.number} already")
    if registration.deposit_status != DepositStatus.UNPAID.value:
        reasons.append(
            f"bidder {payment.number}'s deposit is {registration.deposit_status} already "
            f"(reference {registration.deposit_reference}): refund this payment"
        )
    if listing.status not in OPEN_FOR_REGISTRATION:
        reasons.append(f"listing {listing.code} is {listing.status}: deposits are closed")
    try:
        refuse_if_blacklisted(
            session,
            registration.org_id,
            where_of_listing(session, listing.centre_id, listing.kind),
            uow.clock,
            f"have a deposit for listing {listing.code} confirmed: refund this payment",
        )
    except CreditBlacklisted as refused:
        reasons.append(refused.message)
    if payment.amount < Decimal(listing.deposit):
        reasons.append(f"{payment.amount} is less than the deposit of {listing.deposit}")
    if reasons:
        return reasons
    claimed[registration.id] = payment.line
    return _Match(payment, registration, listing, unchanged=False)


def _confirm(uow: SqlUnitOfWork, match: _Match, source: str) -> None:
    now = uow.clock.now()
    p = match.payment
    uow.session.execute(
        update(regs)
        .where(regs.c.id == match.registration.id)
        .values(
            deposit_status=DepositStatus.CONFIRMED.value,
            deposit_amount=format(p.amount, "f"),
            payer_name=p.payer_name,
            payer_account=p.payer_account,
            deposit_reference=p.reference,
            deposit_source=source,
            deposit_confirmed_at=now,
            updated_at=now,
        )
    )
    uow.record(
        ev.DepositConfirmed(
            "listing",
            match.listing.id,
            now,
            registration_id=match.registration.id,
            amount=format(p.amount, "f"),
            reference=p.reference,
            source=source,
        )
    )


def _apply(
    uow: SqlUnitOfWork,
    payments: Sequence[Payment],
    *,
    source: str,
    lines: int,
    errors: Sequence[LineError] = (),
    sha256: str | None = None,
) -> ImportReport:
    """Check every payment, then confirm them all in one transaction — or none if any fails."""
    authorize(uow.actor, Action.LISTING_REVIEW)
    report = ImportReport(source, lines, errors=list(errors))
    with uow:
        matches = []
        claimed: dict[str, int] = {}
        for payment in payments:
            result = _check(uow.session, uow, payment, claimed)
            if isinstance(result, list):
                report.errors.append(LineError(payment.line, tuple(result)))
                continue
            matches.append(result)
            entry = {
                "line": payment.line,
                "reference": payment.reference,
                "listing_code": payment.listing_code,
                "number": payment.number,
                "amount": format(payment.amount, "f"),
            }
            (report.unchanged if result.unchanged else report.confirmed).append(entry)
        report.errors.sort(key=lambda e: e.line)
        if not report.ok:
            return report  # nothing written: the unit of work rolls back
        for match in matches:
            if not match.unchanged:
                _confirm(uow, match, source)
        if sha256 is not None:
            now = uow.clock.now()
            uow.record(
                ev.DepositStatementImported(
                    "deposit_statement",
                    sha256,
                    now,
                    sha256=sha256,
                    lines=lines,
                    confirmed=len(report.confirmed),
                    unchanged=len(report.unchanged),
                )
            )
        uow.commit()
    return report


def import_statement(
    uow: SqlUnitOfWork, data: bytes, source: DepositSource | None = None
) -> ImportReport:
    """Import a bank statement, read by ``source`` (default: the CSV of
    :mod:`prex.auctions.statement`): all lines or none.

    A file holds payments for many listings, so the confirmations a source reads must list
    them all as ``payments``; they may also carry ``lines``, ``errors`` (lines it could not
    read, each refusing the whole import) and ``sha256`` (of the file, for the audit trail) —
    :class:`StatementFile` shows the shape."""
    authorize(uow.actor, Action.LISTING_REVIEW)
    confirmations = (source or _StatementCsv()).read(data)
    payments = _payments_of(confirmations)
    return _apply(
        uow,
        payments,
        source=confirmations.source[:80],
        lines=int(getattr(confirmations, "lines", len(payments))),
        errors=tuple(getattr(confirmations, "errors", ())),
        sha256=getattr(confirmations, "sha256", None) or hashlib.sha256(data).hexdigest(),
    )


def source_named(services: Services, name: str | None) -> DepositSource:
    """The installed deposit source ``name`` (default ``statement-csv``); an unknown name is
    refused as ``extension-not-found`` listing the installed ones."""
    source: DepositSource = extensions.load(
        "prex.deposit_sources", name or DEFAULT_SOURCE, services
    )
    return source


def _payments_of(confirmations: DepositConfirmations) -> list[Payment]:
    """Every payment a statement holds, whatever its source."""
    payments = getattr(confirmations, "payments", None)
    if payments is None:
        raise InvalidInput(
            "this deposit source reads no payments from a file (it has no 'payments')",
            field="format",
        )
    found = list(payments)
    for payment in found:
        if not isinstance(payment, Payment):
            raise InvalidInput(
                f"the deposit source gave {type(payment).__name__}, not a Payment", field="format"
            )
    return found


def confirm_from(
    uow: SqlUnitOfWork, confirmations: DepositConfirmations, listing_code: str
) -> ImportReport:
    """Confirm the deposits a bank adapter reports for one listing (all or none); payments
    already confirmed by the same reference are unchanged, so polling a bank is idempotent."""
    payments = list(confirmations.confirmed_payments(listing_code))
    return _apply(uow, payments, source=confirmations.source, lines=len(payments))


def confirm_deposit(
    uow: SqlUnitOfWork,
    registration_id: str,
    *,
    listing_id: str | None = None,
    payer_name: str,
    payer_account: str,
    amount: str,
    reference: str,
    paid_on: date | None = None,
) -> dict[str, Any]:
    """The operator confirms a deposit by hand, from the bank's receipt."""
    authorize(uow.actor, Action.LISTING_REVIEW)
    value = yuan(amount, field="amount")
    with uow:
        row = load_registration(uow.session, registration_id, lock=True, listing_id=listing_id)
        listing = load(uow.session, row.listing_id)
        authorize(uow.actor, Action.LISTING_REVIEW, resource_of(listing))
        payment = Payment(
            0,
            paid_on or uow.clock.now().date(),
            reference.strip(),
            payer_name.strip(),
            payer_account.strip(),
            value,
            listing.code,
            row.number,
        )
        if not REFERENCE.match(payment.reference):
            raise InvalidInput(
                "the reference is 1 to 64 letters, digits or - _ . /", field="reference"
            )
        if not ACCOUNT.match(payment.payer_account):
            raise InvalidInput(
                "the payer's account is 1 to 64 letters, digits or -", field="payer_account"
            )
        if not payment.payer_name or len(payment.payer_name) > 200:
            raise InvalidInput("the payer's name is 1 to 200 characters", field="payer_name")
        if value <= 0:
            raise InvalidInput("the amount is more than zero", field="amount")
        # The one credit check, raised as itself: the problem document quotes the record.
        refuse_if_blacklisted(
            uow.session,
            row.org_id,
            where_of_listing(uow.session, listing.centre_id, listing.kind),
            uow.clock,
            f"have a deposit for listing {listing.code} confirmed: refund this payment",
        )
        result = _check(uow.session, uow, payment, {})
        if isinstance(result, list):
            raise Conflict("; ".join(result), registration_id=registration_id)
        if not result.unchanged:
            _confirm(uow, result, "manual")
            uow.commit()
        org = uow.session.execute(
            select(organisations.c.id, organisations.c.uscc, organisations.c.name).where(
                organisations.c.id == row.org_id
            )
        ).one()
        return centre_view(load_registration(uow.session, registration_id), org)
