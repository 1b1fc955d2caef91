"""Human labels (English message ids, translated in templates) for the domain's codes.

Every label is wrapped in :func:`~prex.web.i18n.N_` so that ``pybabel extract -k N_`` finds it;
templates translate it with ``_(label(labels.STATUS, tender.status))``.
"""

from __future__ import annotations

from prex.web.i18n import N_

STATUS = {
    "draft": N_("Draft"),
    "published": N_("Open for bids"),
    "opening": N_("Awaiting opening"),
    "evaluation": N_("Under evaluation"),
    "publicity": N_("Candidates published"),
    "awarded": N_("Awarded"),
    "complete": N_("Complete"),
    "failed": N_("Failed"),
    "cancelled": N_("Cancelled"),
}
TRANSACTION_TYPE = {
    "engineering": N_("Engineering construction"),
    "procurement": N_("Government procurement"),
}
METHOD = {"open": N_("Open tender"), "invited": N_("Invited tender")}
EVALUATION_METHOD = {
    "comprehensive_scoring": N_("Comprehensive scoring"),
    "lowest_evaluated_price": N_("Lowest evaluated price"),
}
DOCUMENT_KIND = {
    "tender_documents": N_("Tender documents"),
    "drawings": N_("Drawings and bills of quantities"),
    "clarification": N_("Clarification documents"),
    "other": N_("Other"),
}
ANNOUNCEMENT_KIND = {
    "tender": N_("Tender announcement"),
    "amendment": N_("Amendment notice"),
    "cancellation": N_("Cancellation notice"),
    "failure": N_("Failure notice"),
    "result": N_("Result notice"),
}
ENQUIRY_KIND = {"question": N_("Question"), "objection": N_("Objection")}
AMENDMENT_KIND = {"clarification": N_("Clarification"), "amendment": N_("Amendment")}
ROLE = {
    "admin": N_("Platform administrator"),
    "operator": N_("Centre operator"),
    "tenderer": N_("Tenderer"),
    "agency": N_("Tender agency"),
    "bidder": N_("Bidder"),
    "expert": N_("Evaluation expert"),
    "supervisor": N_("Supervisor"),
}
# Headings of refusals shown on pages, by the domain error's slug (see prex.shared.errors).
PROBLEM = {
    "rule-violation": N_("Refused by a statutory rule"),
    "credit-blacklisted": N_("Barred by a credit blacklist"),
    "invalid-input": N_("Please check your input"),
    "tender-incomplete": N_("The tender is not complete yet"),
    "too-large": N_("The file is too large"),
    "forbidden": N_("You may not do this"),
    "not-found": N_("Not found"),
    "unauthenticated": N_("Please sign in"),
    "conflict": N_("This cannot be done now"),
    "invalid-transition": N_("Not possible in the tender's current status"),
    "tender-not-editable": N_("The tender can no longer be edited"),
    "bad-certificate": N_("The certificate cannot be read"),
    "certificate-refused": N_("The certificate is not accepted"),
    "certificate-identity-mismatch": N_("The certificate belongs to someone else"),
    "tender-suspended": N_("The tender is suspended by a complaint"),
}
# Confirmations shown after a form succeeded (``?done=<key>`` on the page redirected to).
DONE = {
    "created": N_("The draft tender has been created. Upload the tender documents, then publish."),
    "edited": N_("The draft has been saved."),
    "uploaded": N_("The document has been uploaded."),
    "published": N_("The tender has been published and is open for bids."),
    "amended": N_("The clarification or amendment has been issued and announced."),
    "cancelled": N_("The tender has been cancelled."),
    "answered": N_("The answer has been recorded."),
    "obtained": N_("You have obtained the tender documents; you will be told of every change."),
    "asked": N_("Your question has been sent to the tenderer."),
    "signed_out": N_("You have signed out."),
    "ca_added": N_("The CA certificates have been added to the trust list."),
    "mobile_saved": N_("Your mobile number for text messages has been saved."),
    "ca_status": N_("The CA's status has been changed."),
    "guarantee_accepted": N_(
        "The electronic guarantee was issued, verified and recorded as your bid bond."
    ),
    "cert_bound": N_("The certificate is bound to your account; you can sign in with it."),
    "cert_unbound": N_("The certificate is no longer bound to your account."),
    "case_opened": N_("The case has been opened with the selected hits as evidence."),
    "case_moved": N_("The case has moved to its new status."),
    "note_added": N_("The note has been added to the case."),
    "evidence_added": N_("The evidence has been added to the case."),
    "alert_acknowledged": N_("The alert has been acknowledged."),
    "complaint_accepted": N_("The complaint has been accepted."),
    "complaint_refused": N_("The complaint has been refused."),
    "tender_suspended": N_("The tender has been suspended."),
    "tender_resumed": N_("The tender has been resumed."),
    "complaint_decided": N_("The decision has been signed, published and applied."),
    "credit_recorded": N_("The credit record has been made."),
    "credit_published": N_("The credit record has been published."),
    "credit_revoked": N_("The credit record has been revoked."),
    "credit_from_case": N_(
        "Violation records have been made for the organisations the case names."
    ),
}


def label(table: dict[str, str], value: object) -> str:
    key = getattr(value, "value", value)
    return table.get(str(key), str(key))


# Trust-list words shown from data (statuses and purposes), declared here to be extracted.
CA_WORDS = (
    N_("active"),
    N_("suspended"),
    N_("withdrawn"),
    N_("login"),
    N_("signing"),
    N_("encryption"),
)

# Data quality (prex.exchange.quality): transaction types, dimensions and finding codes.
QUALITY_TYPE = {
    "engineering": N_("Engineering construction"),
    "procurement": N_("Government procurement"),
    "land": N_("Land-use rights"),
    "mining": N_("Mining rights"),
    "property": N_("State-owned property rights"),
}
DIMENSION = {
    "overall": N_("Overall"),
    "coverage": N_("Coverage"),
    "accuracy": N_("Accuracy"),
    "timeliness": N_("Timeliness"),
    "lifecycle": N_("Life-cycle completeness"),
}
FINDING = {
    "invalid-field": N_("Invalid field"),
    "unknown-dataset": N_("Unknown dataset"),
    "dates-out-of-order": N_("Dates out of order"),
    "amount-above-limit": N_("Bid above the ceiling price"),
    "amount-mismatch": N_("Amounts disagree"),
    "candidate-not-a-bidder": N_("Candidate is not a bidder"),
    "winner-not-a-candidate": N_("Winner is not a candidate"),
    "field-missing": N_("Recommended field missing"),
    "dataset-missing": N_("Expected dataset missing"),
    "late": N_("Late"),
    "opening-overdue": N_("Opening record overdue"),
    "result-overdue": N_("Result overdue"),
    "notice-overdue": N_("Result notice overdue"),
    "deal-overdue": N_("Listing outcome overdue"),
    "missing-parent": N_("Refused upstream: parent missing"),
    "out-of-order": N_("Refused upstream: out of order"),
    "conflict": N_("Refused upstream: conflict"),
    "bad-idempotency-key": N_("Refused upstream: bad idempotency key"),
    "refused": N_("Refused upstream"),
}

# Red flags, risk and cases (supervision pages; docs/red-flags.md).
SEVERITY = {"low": N_("Low"), "medium": N_("Medium"), "high": N_("High")}
FAMILY = {
    "cardinal": N_("Procurement indicator"),
    "collusion": N_("Collusion presumption"),
    "screen": N_("Price screen"),
    "market": N_("Market structure"),
}
ALERT_LEVEL = {
    "1": N_("Level 1 (most serious)"),
    "2": N_("Level 2"),
    "3": N_("Level 3"),
    "4": N_("Level 4"),
}
RISK_KIND = {"tender": N_("Tender"), "bidder": N_("Bidder")}
CASE_STATUS = {
    "open": N_("Open"),
    "under_review": N_("Under review"),
    "dismissed": N_("Dismissed"),
    "referred": N_("Referred"),
}
CASE_MOVE = {
    "under_review": N_("Start the review"),
    "dismissed": N_("Dismiss"),
    "referred": N_("Refer to the authority"),
}


# Challenges and complaints (prex.complaints).
COMPLAINT_STATUS = {
    "filed": N_("Filed, awaiting acceptance"),
    "accepted": N_("Accepted, under investigation"),
    "refused": N_("Not accepted"),
    "decided": N_("Decided"),
    "withdrawn": N_("Withdrawn"),
}
COMPLAINT_SUBJECT = {
    "documents": N_("Tender documents"),
    "opening": N_("Bid opening"),
    "result": N_("Evaluation result or award"),
    "other": N_("Other"),
}
COMPLAINT_OUTCOME = {
    "upheld": N_("Complaint upheld"),
    "partly_upheld": N_("Complaint partly upheld"),
    "dismissed": N_("Complaint dismissed"),
}
COMPLAINT_REMEDY = {
    "resume": N_("Resume the tender"),
    "redo_evaluation": N_("Return the tender to evaluation"),
    "cancel_award": N_("Cancel the award"),
}
COMPLAINT_STEP = {
    "filed": N_("filed"),
    "accepted": N_("accepted"),
    "refused": N_("refused"),
    "suspended": N_("tender suspended"),
    "resumed": N_("tender resumed"),
    "decided": N_("decided"),
    "withdrawn": N_("withdrawn"),
}


# Credit records (prex.credit).
CREDIT_KIND = {
    "violation": N_("Violation"),
    "blacklist": N_("Blacklist"),
    "reward": N_("Reward"),
    "performance": N_("Contract performance"),
}
CREDIT_STATUS = {
    "recorded": N_("Recorded (not public)"),
    "published": N_("Published"),
    "revoked": N_("Revoked"),
}
CREDIT_SCOPE = {
    "all": N_("All transactions"),
    "transaction_type": N_("Transaction type"),
    "region": N_("Region"),
    "centre": N_("Centre and below"),
}
CREDIT_GRADE = {
    "excellent": N_("Excellent"),
    "good": N_("Good"),
    "fair": N_("Fair"),
    "poor": N_("Poor"),
}
CREDIT_SUBJECT = {"organisation": N_("Organisation"), "expert": N_("Expert")}
EXPERT_BEHAVIOUR = {
    "deviation": N_("Deviating score without a sound justification"),
    "complaint_upheld": N_("A complaint about the expert was upheld"),
    "absent": N_("No-show after being drawn"),
    "refused": N_("Refused to sit after being drawn"),
}
