"""Recording a run's hits, scoring tenders and bidders, raising and acknowledging alerts.

:func:`record_run` is the one writer: in one unit of work it upserts the hits (by their key:
rule, group, subject, tender, lot), resolves the hits of the rules that ran but were not found
again, recomputes every score from the hits still open, raises an alert for each tender or
bidder whose level rose (the notifier tells the centre's supervisors), and records the run.
Running only some rules resolves only their hits: a rule that did not run has said nothing.
Two runs at once are serialised (:func:`_serialise`): the second sees the first's hits.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from prex.analytics.flags.rule import Hit, Rule
from prex.analytics.risk import events as ev
from prex.analytics.risk.orm import flag_hits, flag_runs, risk_alerts, risk_scores
from prex.analytics.risk.score import Weighed, level_for, rises, risk_score
from prex.db.uow import SqlUnitOfWork
from prex.shared.errors import InvalidInput
from prex.shared.ids import new_id

TENDER_GROUPS = frozenset({"OCID", "Tender"})
BIDDER_GROUPS = frozenset({"Bidder", "Tenderer"})


def hit_key(
    code: str, group: str, subject_id: str, tender_id: str | None, lot_id: str | None
) -> str:
    """The identity of a finding across runs: the same rule about the same subject in the same
    tender and lot is the same finding, whatever its value today."""
    text = "\x1f".join((code, group, subject_id, tender_id or "", lot_id or ""))
    return hashlib.sha256(text.encode()).hexdigest()


def tender_of(group: str, subject_id: str, tender_id: str | None) -> str | None:
    """The tender whose risk a hit adds to: its own tender, or the subject when it is one."""
    if tender_id:
        return tender_id
    return subject_id if group in TENDER_GROUPS else None


def bidders_of(group: str, subject_id: str, detail: Any) -> set[str]:
    """The bidders whose risk a hit adds to: the subject when it is a bidder (a platform bidder
    or an OCDS tenderer), and the bidders a lot's hit names in its evidence (``detail.bidders``:
    the collusion rules report the lot, and the bidders who share a machine, an account … are
    as much its subject)."""
    found = {subject_id} if group in BIDDER_GROUPS else set()
    named = detail.get("bidders") if isinstance(detail, dict) else None
    if isinstance(named, list):
        found.update(b for b in named if isinstance(b, str) and b)
    return found


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    rules: list[str]
    hits: int
    new_hits: int
    resolved_hits: int
    alerts: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "rules": self.rules,
            "hits": self.hits,
            "new_hits": self.new_hits,
            "resolved_hits": self.resolved_hits,
            "alerts": self.alerts,
        }


# pg_advisory_xact_lock key of recording a run: the first 8 bytes of SHA-256("prex.flag-run").
RUN_LOCK = int.from_bytes(hashlib.sha256(b"prex.flag-run").digest()[:8], "big", signed=True)


def _serialise(session: Session) -> None:
    """Let one run record at a time, until its transaction ends. PostgreSQL: an advisory
    transaction lock (a second run waits, then reads what the first wrote, instead of inserting
    the same hits and failing on their key). SQLite's writers already hold the database lock
    from ``BEGIN IMMEDIATE`` (``db/engine.py``)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": RUN_LOCK})


def _centre_of(hit: Hit, centres: Mapping[str, str]) -> str | None:
    tender = tender_of(hit.group, hit.subject_id, hit.tender_id)
    if tender and tender in centres:
        return centres[tender]
    if hit.lot_id and hit.lot_id in centres:
        return centres[hit.lot_id]
    return None


def record_run(
    uow: SqlUnitOfWork,
    hits: Sequence[Hit],
    *,
    rules: Sequence[Rule],
    centres: Mapping[str, str] | None = None,
    source: str = "warehouse",
    started_at: datetime | None = None,
) -> RunSummary:
    """Record the hits of one run of ``rules``; ``centres`` maps tender (and lot) ids to the
    centre they belong to, so that each centre's supervisors see their own."""
    families = {r.code: r.family for r in rules}
    by_code = {r.code: r for r in rules}
    if unknown := sorted({h.code for h in hits} - set(families)):
        raise InvalidInput(f"hits of rules that did not run: {', '.join(unknown)}", field="hits")
    centres = centres or {}
    with uow:
        session = uow.session
        _serialise(session)
        now = uow.clock.now()
        run_id = new_id()
        incoming: dict[str, Hit] = {}
        for hit in hits:
            incoming[hit_key(hit.code, hit.group, hit.subject_id, hit.tender_id, hit.lot_id)] = hit
        known = {
            str(r.hit_key): r
            for r in session.execute(
                select(flag_hits.c.id, flag_hits.c.hit_key, flag_hits.c.resolved_at).where(
                    flag_hits.c.rule_code.in_(sorted(families))
                )
            )
        }
        new_rows, seen_rows = [], []
        for key, hit in incoming.items():
            values = {
                "family": families[hit.code],
                "title": by_code[hit.code].title[:300],
                "title_zh": by_code[hit.code].title_zh[:300],
                "value": hit.value,
                "severity": hit.severity,
                "detail": dict(hit.detail),
                "centre_id": _centre_of(hit, centres),
                "last_seen_at": now,
                "last_run_id": run_id,
            }
            if key in known:
                seen_rows.append(
                    {"b_id": known[key].id, **{f"v_{k}": v for k, v in values.items()}}
                )
            else:
                new_rows.append(
                    {
                        "id": new_id(),
                        "hit_key": key,
                        "rule_code": hit.code,
                        "grp": hit.group,
                        "subject_id": hit.subject_id,
                        "tender_id": hit.tender_id,
                        "lot_id": hit.lot_id,
                        "first_seen_at": now,
                        "first_run_id": run_id,
                        "resolved_at": None,
                        **values,
                    }
                )
        if new_rows:
            session.execute(insert(flag_hits), new_rows)
        if seen_rows:
            session.execute(
                update(flag_hits)
                .where(flag_hits.c.id == bindparam("b_id"))
                .values(resolved_at=None, **{k: bindparam(f"v_{k}") for k in values}),
                seen_rows,
            )
        gone = [r.id for k, r in known.items() if k not in incoming and r.resolved_at is None]
        if gone:
            session.execute(
                update(flag_hits).where(flag_hits.c.id.in_(gone)).values(resolved_at=now)
            )
        alerts = _rescore(uow, session, run_id, now)
        summary = RunSummary(
            run_id=run_id,
            rules=sorted(families),
            hits=len(incoming),
            new_hits=len(new_rows),
            resolved_hits=len(gone),
            alerts=alerts,
        )
        session.execute(
            insert(flag_runs).values(
                id=run_id,
                started_at=started_at or now,
                recorded_at=now,
                source=source,
                rules=summary.rules,
                hits=summary.hits,
                new_hits=summary.new_hits,
                resolved_hits=summary.resolved_hits,
                alerts=len(alerts),
            )
        )
        uow.record(
            ev.FlagRunRecorded(
                "flag_run",
                run_id,
                now,
                source=source,
                rules=summary.rules,
                hits=summary.hits,
                new_hits=summary.new_hits,
                resolved_hits=summary.resolved_hits,
                alerts=len(alerts),
            )
        )
        uow.commit()
    return summary


def subject_scores(rows: Iterable[Any]) -> dict[tuple[str, str, str], tuple[float, int]]:
    """Score and hit count per (kind, subject, centre '' for none) from open hit rows (with
    ``rule_code``, ``severity``, ``family``, ``grp``, ``subject_id``, ``tender_id``,
    ``centre_id`` and optionally ``detail``)."""
    grouped: dict[tuple[str, str, str], list[Weighed]] = defaultdict(list)
    for row in rows:
        weighed = Weighed(row.rule_code, row.severity, row.family)
        centre = row.centre_id or ""
        tender = tender_of(row.grp, row.subject_id, row.tender_id)
        if tender:
            grouped[("tender", tender, centre)].append(weighed)
        for bidder in sorted(bidders_of(row.grp, row.subject_id, getattr(row, "detail", None))):
            grouped[("bidder", bidder, centre)].append(weighed)
    return {key: (risk_score(found), len(found)) for key, found in grouped.items()}


def _rescore(
    uow: SqlUnitOfWork, session: Session, run_id: str, now: datetime
) -> list[dict[str, Any]]:
    """Recompute every score from the open hits; raise an alert per level that rose."""
    open_hits = session.execute(
        select(
            flag_hits.c.rule_code,
            flag_hits.c.severity,
            flag_hits.c.family,
            flag_hits.c.grp,
            flag_hits.c.subject_id,
            flag_hits.c.tender_id,
            flag_hits.c.centre_id,
            flag_hits.c.detail,
        ).where(flag_hits.c.resolved_at.is_(None))
    )
    scores = subject_scores(open_hits)
    stored = {
        (str(r.kind), str(r.subject_id), str(r.centre_id)): r
        for r in session.execute(select(risk_scores))
    }
    alerts: list[dict[str, Any]] = []
    inserts, updates = [], []
    for key in sorted(set(scores) | set(stored)):
        score, count = scores.get(key, (0.0, 0))
        level = level_for(score)
        old = stored.get(key)
        row = {"score": score, "level": int(level) if level else None, "hits": count}
        if old is None:
            inserts.append({"kind": key[0], "subject_id": key[1], "centre_id": key[2], **row})
        elif (old.score, old.level, old.hits) != (score, row["level"], count):
            updates.append(
                {"b_kind": key[0], "b_subject": key[1], "b_centre": key[2]}
                | {f"v_{k}": v for k, v in row.items()}
            )
        previous = old.level if old is not None else None
        if level is not None and rises(previous, level):
            raised = ev.AlertRaised(
                "alert",
                new_id(),
                now,
                kind=key[0],
                subject_id=key[1],
                centre_id=key[2] or None,
                level=int(level),
                previous_level=previous,
                score=score,
            )
            alerts.append({"id": raised.object_id, **raised.payload()})
            uow.record(raised)
    if inserts:
        session.execute(insert(risk_scores), [{**r, "updated_at": now} for r in inserts])
    if updates:
        session.execute(
            update(risk_scores)
            .where(
                risk_scores.c.kind == bindparam("b_kind"),
                risk_scores.c.subject_id == bindparam("b_subject"),
                risk_scores.c.centre_id == bindparam("b_centre"),
            )
            .values(
                score=bindparam("v_score"),
                level=bindparam("v_level"),
                hits=bindparam("v_hits"),
                updated_at=now,
            ),
            updates,
        )
    if alerts:
        session.execute(
            insert(risk_alerts), [{**a, "run_id": run_id, "raised_at": now} for a in alerts]
        )
    return alerts
