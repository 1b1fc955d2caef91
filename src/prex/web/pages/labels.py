"""Human labels (English message ids, translated in templates) for the domain's codes."""

from __future__ import annotations

STATUS = {
    "draft": "Draft",
    "published": "Open for bids",
    "opening": "Awaiting opening",
    "evaluation": "Under evaluation",
    "publicity": "Candidates published",
    "awarded": "Awarded",
    "complete": "Complete",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
TRANSACTION_TYPE = {
    "engineering": "Engineering construction",
    "procurement": "Government procurement",
}
METHOD = {"open": "Open tender", "invited": "Invited tender"}
EVALUATION_METHOD = {
    "comprehensive_scoring": "Comprehensive scoring",
    "lowest_evaluated_price": "Lowest evaluated price",
}
DOCUMENT_KIND = {
    "tender_documents": "Tender documents",
    "drawings": "Drawings and bills of quantities",
    "clarification": "Clarification documents",
    "other": "Other",
}
ANNOUNCEMENT_KIND = {
    "tender": "Tender announcement",
    "amendment": "Amendment notice",
    "cancellation": "Cancellation notice",
    "failure": "Failure notice",
    "result": "Result notice",
}
ENQUIRY_KIND = {"question": "Question", "objection": "Objection"}
AMENDMENT_KIND = {"clarification": "Clarification", "amendment": "Amendment"}


def label(table: dict[str, str], value: object) -> str:
    key = getattr(value, "value", value)
    return table.get(str(key), str(key))
