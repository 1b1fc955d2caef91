"""Bid bonds (投标保证金): how each bidder provided its bond for a section of a tender.

The sealed bid form names the bond's kind and reference, but nobody reads it before the opening.
The platform needs the facts earlier and in the open to the centre: the operator checks that
the money or the guarantee is there, and the collusion screen (one account paying the bonds of
two bidders, 《招标投标法实施条例》第四十条) reads the payer accounts. So a bidder records here,
per tender and section, how its bond was provided:

* ``cash`` — transferred from the payer's account (name, number, bank). For tenders that must be
  tendered by law the money must come from the bidder's basic account (实施条例第二十六条);
  the record keeps what the bidder says, and the account number normalised (digits only) so
  that the screen compares like with like;
* ``bank_guarantee``, ``e_guarantee``, ``insurance`` — a bank guarantee (银行保函), an electronic
  guarantee (电子保函) or a guarantee insurance policy (保证保险): guarantor, number and
  validity, which must cover the bid deadline.

A bond is at most 2 % of the estimated price (实施条例第二十六条; for government procurement,
政府采购法实施条例第三十三条, 2 % of the budget): the section's budget is that estimate.

One record per tender, section and bidder, changed in place until the deadline; every change is
an audited event. The tender's centre operators see every record, a bidder only its own, nobody
else (before the opening even who bids is confidential).

Errors: ``BondInvalid`` (``bond-invalid``: a field missing, or one that does not belong to the
kind), ``BankAccountInvalid`` (``bank-account-invalid``), ``SectionNotFound``
(``section-not-found``), ``BondNotFound`` (``bond-not-found``), and rule violations
``bond.amount``, ``bond.validity`` and ``bid.deadline``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from prex.bidding import events as ev
from prex.bidding.orm import bid_bonds
from prex.bidding.submissions import _check_open
from prex.db.uow import SqlUnitOfWork
from prex.identity.orm import organisations
from prex.identity.policy import Action, Actor, Resource, authorize, is_allowed
from prex.shared.clock import ensure_utc
from prex.shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from prex.shared.events import to_jsonable
from prex.shared.ids import new_id
from prex.shared.money import CENT
from prex.tenders.model import Method, Tender
from prex.tenders.service import get_tender_for

if TYPE_CHECKING:
    from prex.bootstrap import Services

CHINA = ZoneInfo("Asia/Shanghai")
#: The statutory cap on a bid bond, as a share of the estimated price (or budget).
MAX_SHARE = Decimal("0.02")
_ACCOUNT = re.compile(r"[0-9]{8,32}")
_ACCOUNT_SEPARATORS = re.compile(r"[\s\-]")


class BondKind(StrEnum):
    """How a bond was provided (the same list as the sealing client's ``BOND_KINDS``)."""

    CASH = "cash"  # 现金（转账）: from the payer's bank account
    BANK_GUARANTEE = "bank_guarantee"  # 银行保函
    E_GUARANTEE = "e_guarantee"  # 电子保函 (issued through a guarantee platform)
    INSURANCE = "insurance"  # 保证保险: an insurer's guarantee policy


GUARANTEES = frozenset({BondKind.BANK_GUARANTEE, BondKind.E_GUARANTEE, BondKind.INSURANCE})
CASH_FIELDS = ("payer_account_name", "payer_account_number", "payer_bank")
GUARANTEE_FIELDS = ("guarantor", "guarantee_number", "valid_from", "valid_until")


class BondInvalid(InvalidInput):
    slug = "bond-invalid"


class BankAccountInvalid(InvalidInput):
    slug = "bank-account-invalid"


class SectionNotFound(NotFound):
    slug = "section-not-found"


class BondNotFound(NotFound):
    slug = "bond-not-found"


@dataclass(frozen=True)
class RecordBond:
    """Record (or change) how the actor's organisation provided its bond for a section."""

    tender_id: str
    section_id: str
    kind: BondKind
    amount: Decimal
    payer_account_name: str | None = None
    payer_account_number: str | None = None
    payer_bank: str | None = None
    guarantor: str | None = None
    guarantee_number: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None


def normalise_account_number(raw: str) -> str:
    """A bank account number as digits only (full-width digits, spaces and dashes folded), so
    that ``6222 0212-0300 1234 567`` and ``6222021203001234567`` are one account."""
    folded = _ACCOUNT_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    if not _ACCOUNT.fullmatch(folded):
        raise BankAccountInvalid(
            f"'{raw}' is not a bank account number (8–32 digits; spaces and dashes allowed)",
            field="payer_account_number",
        )
    return folded


def normalise_name(raw: str, field: str) -> str:
    """A name as the screen compares it: NFKC (full-width brackets and letters folded),
    whitespace collapsed."""
    folded = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not folded:
        raise BondInvalid(f"{field} is empty", field=field)
    if len(folded) > 200:
        raise BondInvalid(f"{field} is at most 200 characters", field=field)
    return folded


def bond_values(cmd: RecordBond) -> dict[str, Any]:
    """The stored fields of a bond, checked and normalised for its kind (pure)."""
    kind = BondKind(cmd.kind)
    given = {name: getattr(cmd, name) for name in (*CASH_FIELDS, *GUARANTEE_FIELDS)}
    own = CASH_FIELDS if kind is BondKind.CASH else GUARANTEE_FIELDS
    foreign = [n for n, v in given.items() if v not in (None, "") and n not in own]
    if foreign:
        raise BondInvalid(
            f"a {kind.value} bond has no {', '.join(foreign)}", field=foreign[0], kind=kind.value
        )
    required = own if kind is BondKind.CASH else ("guarantor", "guarantee_number", "valid_until")
    missing = [n for n in required if given[n] in (None, "")]
    if missing:
        raise BondInvalid(
            f"a {kind.value} bond needs {', '.join(missing)}", field=missing[0], kind=kind.value
        )
    if cmd.amount <= 0 or cmd.amount != cmd.amount.quantize(CENT):
        raise BondInvalid("the amount is positive yuan with at most two decimals", field="amount")
    values: dict[str, Any] = dict.fromkeys((*CASH_FIELDS, *GUARANTEE_FIELDS))
    values.update(kind=kind.value, amount=cmd.amount)
    if kind is BondKind.CASH:
        assert cmd.payer_account_name and cmd.payer_account_number and cmd.payer_bank
        values.update(
            payer_account_name=normalise_name(cmd.payer_account_name, "payer_account_name"),
            payer_account_number=normalise_account_number(cmd.payer_account_number),
            payer_bank=normalise_name(cmd.payer_bank, "payer_bank"),
        )
    else:
        assert cmd.guarantor and cmd.guarantee_number and cmd.valid_until
        number = " ".join(unicodedata.normalize("NFKC", cmd.guarantee_number).split())
        if not number or len(number) > 100:
            raise BondInvalid("the guarantee number is 1–100 characters", field="guarantee_number")
        if cmd.valid_from is not None and cmd.valid_from > cmd.valid_until:
            raise BondInvalid("the guarantee ends before it begins", field="valid_until")
        values.update(
            guarantor=normalise_name(cmd.guarantor, "guarantor"),
            guarantee_number=number,
            valid_from=cmd.valid_from,
            valid_until=cmd.valid_until,
        )
    return values


def _check_against(tender: Tender, section_id: str, values: dict[str, Any]) -> None:
    """The rules that need the tender: the 2 % cap and a guarantee valid at the deadline."""
    section = next((s for s in tender.sections if s.id == section_id), None)
    if section is None:
        raise SectionNotFound(f"tender {tender.id} has no section {section_id}")
    cap = (section.budget * MAX_SHARE).quantize(CENT)
    if values["amount"] > cap:
        raise RuleViolation(
            "bond.amount",
            f"投标保证金不得超过招标项目估算价的2%（《招标投标法实施条例》第二十六条）："
            f"本标段估算价 {section.budget} 元，保证金至多 {cap} 元",
            limit=str(cap),
        )
    deadline_day = ensure_utc(tender.bid_deadline).astimezone(CHINA).date()
    if values["valid_until"] is not None and values["valid_until"] < deadline_day:
        raise RuleViolation(
            "bond.validity",
            f"保函有效期须至少覆盖投标截止日 {deadline_day.isoformat()}（投标保证金有效期应当与"
            "投标有效期一致，《招标投标法实施条例》第二十六条）",
            deadline=deadline_day.isoformat(),
        )


def _snapshot(bond: Any) -> dict[str, Any]:
    """What an audit entry says of a bond (a stored row or the values about to be stored)."""
    read = bond.__getitem__ if isinstance(bond, dict) else bond._mapping.__getitem__
    snapshot: dict[str, Any] = {}
    for name in ("kind", "amount", *CASH_FIELDS, *GUARANTEE_FIELDS):
        value = read(name)
        snapshot[name] = value.isoformat() if isinstance(value, date) else to_jsonable(value)
    return snapshot


def _bidding_tender(uow: SqlUnitOfWork, services: Services, tender_id: str) -> Tender:
    actor = uow.actor
    if actor.org_id is None:
        raise PermissionDenied("only a member of a bidding organisation keeps a bond record")
    tender = get_tender_for(services.uow(actor), tender_id)
    if tender.method is Method.INVITED and actor.org_id not in tender.invitee_org_ids:
        raise PermissionDenied("only the invited bidders may bid in an invited tender (邀请招标)")
    return tender


def record_bond(uow: SqlUnitOfWork, services: Services, cmd: RecordBond) -> tuple[str, bool]:
    """Record or change the actor's organisation's bond for a section, before the deadline;
    ``(bond id, created)``."""
    authorize(uow.actor, Action.BOND_RECORD, Resource("tender", cmd.tender_id))
    tender = _bidding_tender(uow, services, cmd.tender_id)
    values = bond_values(cmd)
    _check_against(tender, cmd.section_id, values)
    _check_open(tender.status, ensure_utc(tender.bid_deadline), tender.clock(services.clock).now())
    org_id = uow.actor.org_id
    assert org_id is not None and uow.actor.user_id is not None
    with uow:
        bond_id, created = write_bond_within(
            uow,
            tender_id=cmd.tender_id,
            section_id=cmd.section_id,
            org_id=org_id,
            values=values,
            recorded_by=uow.actor.user_id,
        )
        try:
            uow.commit()
        except IntegrityError:  # the same section recorded by a concurrent request
            raise Conflict("the bond was recorded meanwhile; send it again") from None
    return bond_id, created


def write_bond_within(
    uow: SqlUnitOfWork,
    *,
    tender_id: str,
    section_id: str,
    org_id: str,
    values: dict[str, Any],
    recorded_by: str,
) -> tuple[str, bool]:
    """Insert or change ``org_id``'s bond record for a section inside the caller's unit of work
    (checked ``values`` of :func:`bond_values`), with its audit event; ``(bond id, created)``.
    The guarantees context writes an accepted electronic guarantee through here."""
    now = uow.clock.now()
    row = uow.session.execute(
        select(bid_bonds)
        .where(
            bid_bonds.c.tender_id == tender_id,
            bid_bonds.c.section_id == section_id,
            bid_bonds.c.bidder_org_id == org_id,
        )
        .with_for_update()
    ).first()
    if row is None:
        bond_id = new_id()
        uow.session.execute(
            insert(bid_bonds).values(
                id=bond_id,
                tender_id=tender_id,
                section_id=section_id,
                bidder_org_id=org_id,
                **values,
                recorded_by=recorded_by,
                recorded_at=now,
                updated_at=now,
            )
        )
        uow.record(
            ev.BondRecorded(
                "bond",
                bond_id,
                now,
                tender_id=tender_id,
                section_id=section_id,
                bidder_org_id=org_id,
                bond=_snapshot(values),
            )
        )
        return bond_id, True
    bond_id = row.id
    if _snapshot(row) == _snapshot(values):
        return bond_id, False  # nothing changed: nothing to audit
    uow.session.execute(
        update(bid_bonds)
        .where(bid_bonds.c.id == bond_id)
        .values(**values, recorded_by=recorded_by, updated_at=now)
    )
    uow.record(
        ev.BondChanged(
            "bond",
            bond_id,
            now,
            tender_id=tender_id,
            section_id=section_id,
            bidder_org_id=org_id,
            bond=_snapshot(values),
            previous=_snapshot(row),
        )
    )
    return bond_id, False


def remove_bond(uow: SqlUnitOfWork, services: Services, tender_id: str, section_id: str) -> None:
    """Remove the actor's organisation's bond record for a section, before the deadline."""
    authorize(uow.actor, Action.BOND_RECORD, Resource("tender", tender_id))
    tender = _bidding_tender(uow, services, tender_id)
    _check_open(tender.status, ensure_utc(tender.bid_deadline), tender.clock(services.clock).now())
    with uow:
        row = uow.session.execute(
            select(bid_bonds)
            .where(
                bid_bonds.c.tender_id == tender_id,
                bid_bonds.c.section_id == section_id,
                bid_bonds.c.bidder_org_id == uow.actor.org_id,
            )
            .with_for_update()
        ).first()
        if row is None:
            raise BondNotFound(f"you have recorded no bond for section {section_id}")
        uow.session.execute(delete(bid_bonds).where(bid_bonds.c.id == row.id))
        uow.record(
            ev.BondRemoved(
                "bond",
                row.id,
                uow.clock.now(),
                tender_id=tender_id,
                section_id=section_id,
                bidder_org_id=row.bidder_org_id,
                previous=_snapshot(row),
            )
        )
        uow.commit()


@dataclass(frozen=True)
class BondView:
    """A bond record as its readers see it (the bidder named only to those allowed)."""

    id: str
    tender_id: str
    section_id: str
    bidder_org_id: str
    bidder_name: str
    bidder_uscc: str
    kind: BondKind
    amount: Decimal
    payer_account_name: str | None
    payer_account_number: str | None
    payer_bank: str | None
    guarantor: str | None
    guarantee_number: str | None
    valid_from: date | None
    valid_until: date | None
    recorded_at: datetime
    updated_at: datetime


def bonds_of(services: Services, actor: Actor, tender_id: str) -> list[BondView]:
    """The bond records of a tender that ``actor`` may read: all of them for an operator of the
    tender's centre, its own organisation's for a bidder; anyone else is refused."""
    tender = get_tender_for(services.uow(actor), tender_id)
    own = frozenset({actor.org_id}) if actor.org_id else frozenset[str]()
    # The question asked: "may I read this tender's bonds that my organisation provided?" —
    # an operator answers by centre, a bidder by being that party; each row is checked below.
    authorize(actor, Action.BOND_READ, Resource("tender", tender_id, tender.centre_id, own))
    with services.read_session() as session:
        rows = session.execute(
            select(bid_bonds, organisations.c.name, organisations.c.uscc)
            .join(organisations, organisations.c.id == bid_bonds.c.bidder_org_id)
            .where(bid_bonds.c.tender_id == tender_id)
            .order_by(bid_bonds.c.section_id, bid_bonds.c.recorded_at, bid_bonds.c.id)
        ).all()
    return [
        BondView(
            id=r.id,
            tender_id=r.tender_id,
            section_id=r.section_id,
            bidder_org_id=r.bidder_org_id,
            bidder_name=r.name,
            bidder_uscc=r.uscc,
            kind=BondKind(r.kind),
            amount=r.amount,
            payer_account_name=r.payer_account_name,
            payer_account_number=r.payer_account_number,
            payer_bank=r.payer_bank,
            guarantor=r.guarantor,
            guarantee_number=r.guarantee_number,
            valid_from=r.valid_from,
            valid_until=r.valid_until,
            recorded_at=ensure_utc(r.recorded_at),
            updated_at=ensure_utc(r.updated_at),
        )
        for r in rows
        if is_allowed(
            actor,
            Action.BOND_READ,
            Resource("bond", r.id, tender.centre_id, frozenset({r.bidder_org_id})),
        )
    ]
