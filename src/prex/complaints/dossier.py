"""The challenges and complaints of a tender in its electronic archive (电子档案).

Each filing goes in as the exact bytes the filer signed (``service.challenge_bytes`` /
``complaint_bytes``: the evidence by digest) with its detached signature, the evidence files
themselves, and each decision as the canonical JSON the supervisor signed with that signature —
so ``prex archive verify`` checks every signature offline, and the digests tie the evidence to
the filing. The rows go in as readable JSON beside them. Registered by ``archive.collectors``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from prex.audit.chain import canonical_json
from prex.complaints.orm import challenges, complaints
from prex.complaints.service import challenge_bytes, complaint_bytes

if TYPE_CHECKING:
    from prex.archive.collectors import Dossier


def _evidence(dossier: Dossier, base: str, row: dict[str, Any]) -> list[str]:
    digests = []
    for number, item in enumerate(row["evidence"], start=1):
        dossier.add_blob(f"{base}/evidence/{number:02d}-{item['filename']}", item["sha256"])
        digests.append(item["sha256"])
    return digests


def collect_complaints(dossier: Dossier) -> None:
    tender_id = dossier.tender_id
    for row in dossier.rows(
        select(challenges).where(challenges.c.tender_id == tender_id).order_by(challenges.c.number)
    ):
        base = f"dossier/complaints/challenges/{row['number']}"
        digests = _evidence(dossier, base, row)
        filing = dossier.add_bytes(
            f"{base}/challenge.json",
            challenge_bytes(
                tender_id,
                row["subject"],
                row["known_on"].isoformat(),
                row["known_note"],
                row["text"],
                digests,
            ),
        )
        dossier.add_signature(filing, row.pop("signature"))
        dossier.add_json(f"{base}/challenge-meta.json", row)
        dossier.relate(row["id"])
    for row in dossier.rows(
        select(complaints).where(complaints.c.tender_id == tender_id).order_by(complaints.c.number)
    ):
        base = f"dossier/complaints/{row['number']}"
        digests = _evidence(dossier, base, row)
        filing = dossier.add_bytes(
            f"{base}/complaint.json",
            complaint_bytes(
                tender_id,
                row["challenge_id"],
                row["subject"],
                row["known_on"].isoformat(),
                row["known_note"],
                row["text"],
                digests,
            ),
        )
        dossier.add_signature(filing, row.pop("signature"))
        decision, signature = row.pop("decision"), row.pop("decision_signature")
        if decision is not None and signature is not None:
            signed = dossier.add_bytes(f"{base}/decision.json", canonical_json(decision))
            dossier.add_signature(signed, signature)
        dossier.add_json(f"{base}/complaint-meta.json", row)
        dossier.relate(row["id"])
