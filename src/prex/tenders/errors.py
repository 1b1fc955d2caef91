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
"""

from __future__ import annotations

from prex.shared.errors import Conflict, InvalidInput, NotFound


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
