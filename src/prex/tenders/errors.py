"""Errors of the tenders context.

DomainError
├── NotFound
│   └── TenderNotFound           names the tender id
├── InvalidInput
│   └── TenderIncomplete         publishing a draft that lacks a required part
├── Conflict
│   ├── InvalidTransition        (shared) a status move not in the table
│   └── TenderNotEditable        editing a tender outside its draft
└── RuleViolation                (shared) a rule pack rule; names the rule and quotes it
    └── TenderSuspended          a supervisor suspended the tender for a complaint; names it
"""

from __future__ import annotations

from prex.shared.errors import Conflict, InvalidInput, NotFound, RuleViolation


class TenderNotFound(NotFound):
    def __init__(self, tender_id: str) -> None:
        super().__init__(f"no tender '{tender_id}'", tender_id=tender_id)


class ProjectNotFound(NotFound):
    def __init__(self, project_id: str) -> None:
        super().__init__(f"no project '{project_id}'", project_id=project_id)


class TenderIncomplete(InvalidInput):
    slug = "tender-incomplete"


class TenderNotEditable(Conflict):
    slug = "tender-not-editable"

    def __init__(self, tender_id: str, status: str, what: str) -> None:
        super().__init__(
            f"tender {tender_id} is '{status}': {what} only while it is a draft; "
            "after publication, issue an amendment",
            tender_id=tender_id,
            status=status,
        )


class TenderSuspended(RuleViolation):
    """The supervisor suspended the tender while a complaint is heard (暂停招标投标活动):
    every status move and every bid is refused, naming the complaint and the reason."""

    slug = "tender-suspended"
    status = 409

    def __init__(
        self, tender_id: str, complaint_id: str, complaint_ref: str, reason: str, what: str
    ) -> None:
        super().__init__(
            "complaint.suspension",
            f"tender {tender_id} is suspended by complaint {complaint_ref} ({complaint_id}): "
            f"{reason} — cannot {what} until the supervisor lifts the suspension"
            "（《招标投标法实施条例》第六十二条 / 《政府采购法》第五十七条）",
            tender_id=tender_id,
            complaint_id=complaint_id,
            complaint_ref=complaint_ref,
        )
