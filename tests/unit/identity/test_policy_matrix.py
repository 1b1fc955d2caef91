"""The authorisation policy as a matrix: every action × role × relation to the object.

The expected table is written out here independently of ``POLICY``, so that a change to the
policy must be made twice, on purpose. Cells: ``-`` denied; ``Y`` any object; ``C`` own centre;
``P`` only when the actor's organisation is a party; ``S`` only the actor's own account.
"""

from __future__ import annotations

import pytest

from prex.identity.policy import (
    ANONYMOUS_ACTIONS,
    MACHINE_CLIENT,
    POLICY,
    Action,
    Actor,
    Resource,
    Role,
    Scope,
    authorize,
    is_allowed,
    widest_scope,
)
from prex.shared.errors import AuthenticationFailed, PermissionDenied

ROLES = [
    Role.ADMIN,
    Role.OPERATOR,
    Role.TENDERER,
    Role.AGENCY,
    Role.BIDDER,
    Role.EXPERT,
    Role.SUPERVISOR,
]
EXPECTED = {
    #                          adm  op  ten  agy  bid  exp  sup
    Action.PUBLIC_READ: "Y   Y   Y    Y    Y    Y    Y",
    Action.SESSION_LOGIN: "Y   Y   Y    Y    Y    Y    Y",
    Action.UPSTREAM_PUSH: "Y   Y   Y    Y    Y    Y    Y",
    Action.EVALUATION_ASSIST_READ: "Y   Y   Y    Y    Y    Y    Y",
    Action.EVALUATION_ASSIST_GRANT: "-   -   -    -    -    Y    -",
    Action.ACCOUNT_EDIT: "S   S   S    S    S    S    S",
    Action.QUALITY_READ: "Y   C   -    -    -    -    C",
    Action.ANALYTICS_READ: "-   C   -    -    -    -    C",
    Action.FLAGS_READ: "-   -   -    -    -    -    C",
    Action.ALERT_ACKNOWLEDGE: "-   -   -    -    -    -    C",
    Action.CASE_READ: "-   -   -    -    -    -    C",
    Action.CASE_MANAGE: "-   -   -    -    -    -    C",
    Action.CHALLENGE_FILE: "-   -   -    -    Y    -    -",
    Action.CHALLENGE_ANSWER: "-   -   P    P    -    -    -",
    Action.COMPLAINT_FILE: "-   -   -    -    Y    -    -",
    Action.COMPLAINT_WITHDRAW: "-   -   -    -    P    -    -",
    Action.COMPLAINT_READ: "-   C   P    P    P    -    C",
    Action.COMPLAINT_HANDLE: "-   -   -    -    -    -    C",
    Action.CREDIT_READ: "Y   C   -    -    -    -    C",
    Action.CREDIT_MANAGE: "-   -   -    -    -    -    C",
    Action.ARCHIVE_READ: "Y   C   P    P    -    -    C",
    Action.ARCHIVE_BUILD: "Y   C   -    -    -    -    -",
    Action.INTEGRATION_MANAGE: "Y   C   -    -    -    -    -",
    Action.CONSENT_GRANT: "-   -   -    -    P    -    -",
    Action.WEBHOOK_READ: "Y   C   -    -    -    -    -",
    Action.WEBHOOK_MANAGE: "Y   C   -    -    -    -    -",
    Action.GUARANTEE_REQUEST: "-   -   -    -    Y    -    -",
    Action.GUARANTEE_READ: "-   C   P    P    P    -    -",
    Action.GUARANTEE_ISSUE: "-   -   -    -    -    -    -",
    Action.GUARANTEE_CLAIM: "-   C   P    P    -    -    -",
    Action.SESSION_READ: "S   S   S    S    S    S    S",
    Action.SESSION_LOGOUT: "S   S   S    S    S    S    S",
    Action.CENTRE_MANAGE: "Y   -   -    -    -    -    -",
    Action.ORG_REGISTER: "Y   C   -    -    -    -    -",
    Action.ORG_READ: "Y   C   -    -    -    -    C",
    Action.USER_MANAGE: "Y   C   -    -    -    -    -",
    Action.ACCOUNT_UNLOCK: "Y   C   -    -    -    -    -",
    Action.PROJECT_CREATE: "-   -   P    P    -    -    -",
    Action.TENDER_CREATE: "-   -   P    P    -    -    -",
    Action.TENDER_READ_DRAFT: "Y   C   P    P    -    -    C",
    Action.TENDER_EDIT: "-   -   P    P    -    -    -",
    Action.TENDER_PUBLISH: "-   -   P    P    -    -    -",
    Action.TENDER_AMEND: "-   -   P    P    -    -    -",
    Action.TENDER_CANCEL: "-   C   P    P    -    -    -",
    Action.DOCUMENT_UPLOAD: "-   -   P    P    -    -    -",
    Action.DOCUMENT_OBTAIN: "-   -   -    -    Y    -    -",
    Action.ENQUIRY_ASK: "-   -   -    -    Y    -    -",
    Action.ENQUIRY_ANSWER: "-   -   P    P    -    -    -",
    Action.ENQUIRY_READ: "-   C   P    P    P    -    C",
    Action.AUDIT_READ: "Y   C   -    -    -    -    C",
    Action.METRICS_READ: "-   -   -    -    -    -    -",
    Action.CA_MANAGE: "Y   Y   -    -    -    -    -",
    Action.CERT_BIND: "S   S   S    S    S    S    S",
    Action.SIGNATURE_VERIFY: "Y   Y   Y    Y    Y    Y    Y",
    Action.TIMESTAMP_ISSUE: "Y   Y   Y    Y    Y    Y    Y",
    Action.CUSTODIAN_MANAGE: "Y   C   -    -    -    -    -",
    Action.BID_SUBMIT: "-   -   -    -    Y    -    -",
    Action.BOND_RECORD: "-   -   -    -    Y    -    -",
    Action.BOND_READ: "-   C   -    -    P    -    -",
    Action.SHARE_RELEASE: "S   S   S    S    S    S    S",
    Action.OPENING_ATTEND: "-   -   -    -    P    -    -",
    Action.OPENING_HOST: "-   C   P    P    -    -    -",
    Action.BID_READ_OPENED: "-   -   -    -    -    Y    -",
    Action.EXPERT_MANAGE: "Y   C   -    -    -    -    -",
    Action.EXPERT_READ_IDENTITY: "Y   C   -    -    -    -    C",
    Action.COMMITTEE_MANAGE: "-   C   -    -    -    -    -",
    Action.VENUE_MANAGE: "Y   C   -    -    -    -    -",
    Action.VENUE_READ: "Y   C   -    -    -    -    C",
    Action.SEAT_BOOK: "-   C   -    -    -    -    -",
    Action.EVALUATION_READ: "-   C   -    -    -    Y    C",
    Action.EVALUATION_SCORE: "-   -   -    -    -    Y    -",
    Action.EVALUATION_MANAGE: "-   C   -    -    -    -    -",
    Action.REPORT_READ: "-   C   P    P    -    Y    C",
    Action.RESULT_PUBLISH: "-   C   P    P    -    -    -",
    Action.RESULT_OBJECT: "-   -   -    -    Y    -    -",
    Action.RESULT_ANSWER: "-   -   P    P    -    -    -",
    Action.AWARD_ISSUE: "-   -   P    P    -    -    -",
    Action.CONTRACT_RECORD: "-   -   P    P    -    -    -",
    Action.CONTRACT_COUNTERSIGN: "-   -   -    -    Y    -    -",
    Action.LISTING_MANAGE: "Y   C   -    -    -    -    -",
    Action.LISTING_REGISTER: "-   -   -    -    Y    -    -",
    Action.LISTING_REVIEW: "-   C   -    -    -    -    -",
    Action.LISTING_READ_BIDDERS: "-   C   -    -    -    -    C",
    Action.LISTING_BID: "-   -   -    -    Y    -    -",
}

# A machine client acting as itself (no user, no role): what it may do on its own rows (``K``:
# the resource's client is the caller), besides the anonymous actions every caller has.
MACHINE_CLIENT_EXPECTED = {
    Action.WEBHOOK_READ: "K",
    Action.WEBHOOK_MANAGE: "K",
    Action.GUARANTEE_ISSUE: "Y",  # bound to the client's owner (the guarantor) by the service
}

ME = Actor(user_id="u1", label="me", org_id="org-me", centre_id="centre-me", address="127.0.0.1")
RELATIONS = {
    # relation → resource as seen by ME
    "party, same centre": Resource("tender", "t", "centre-me", frozenset({"org-me"}), "u1"),
    "not party, same centre": Resource("tender", "t", "centre-me", frozenset({"org-x"}), "u2"),
    "not party, other centre": Resource("tender", "t", "centre-x", frozenset({"org-x"}), "u2"),
}


def expected(cell: str, relation: str) -> bool:
    if cell == "-":
        return False
    if cell == "Y":
        return True
    if cell == "C":
        return relation != "not party, other centre"
    if cell == "P":
        return relation == "party, same centre"
    assert cell == "S"
    return relation == "party, same centre"  # the resource's user is ME only there


def test_every_action_is_in_the_expected_table() -> None:
    assert set(EXPECTED) == set(Action) == set(POLICY)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("relation", list(RELATIONS))
def test_policy_cell(action: Action, role: Role, relation: str) -> None:
    cell = EXPECTED[action].split()[ROLES.index(role)]
    actor = Actor(**{**ME.__dict__, "roles": frozenset({role})})
    assert is_allowed(actor, action, RELATIONS[relation]) is expected(cell, relation)


@pytest.mark.parametrize("action", list(Action))
def test_the_anonymous_public_may_only_read_and_sign_in(action: Action) -> None:
    anonymous = Actor(address="127.0.0.1")
    assert is_allowed(anonymous, action) is (action in ANONYMOUS_ACTIONS)


def test_refusals_say_who_and_what() -> None:
    bidder = Actor(**{**ME.__dict__, "roles": frozenset({Role.BIDDER})})
    with pytest.raises(PermissionDenied, match="may not 'tender.publish' on tender t"):
        authorize(bidder, Action.TENDER_PUBLISH, RELATIONS["party, same centre"])
    with pytest.raises(AuthenticationFailed, match="signed-in user"):
        authorize(Actor(), Action.TENDER_PUBLISH)


def test_several_roles_combine() -> None:
    both = Actor(**{**ME.__dict__, "roles": frozenset({Role.BIDDER, Role.AGENCY})})
    assert is_allowed(both, Action.ENQUIRY_ASK, RELATIONS["not party, other centre"])
    assert is_allowed(both, Action.TENDER_PUBLISH, RELATIONS["party, same centre"])
    assert not is_allowed(both, Action.TENDER_PUBLISH, RELATIONS["not party, same centre"])


CLIENT = Actor(label="client c1", address="127.0.0.1", client_id="c1")
OWN = Resource("webhook_subscription", "s1", "centre-me", client_id="c1")
OTHERS = Resource("webhook_subscription", "s2", "centre-me", client_id="c2")


def test_the_machine_client_grants_are_in_the_policy_table() -> None:
    assert {a for a, grants in POLICY.items() if MACHINE_CLIENT in grants} == set(
        MACHINE_CLIENT_EXPECTED
    )


@pytest.mark.parametrize("action", list(Action))
def test_a_client_acting_as_itself_may_touch_only_its_own_rows(action: Action) -> None:
    anonymous = action in ANONYMOUS_ACTIONS
    cell = MACHINE_CLIENT_EXPECTED.get(action, "-")
    granted = cell != "-"
    assert is_allowed(CLIENT, action, OWN) is (anonymous or granted)
    assert is_allowed(CLIENT, action, OTHERS) is (anonymous or cell == "Y")
    assert is_allowed(CLIENT, action) is (anonymous or granted)  # the kind itself
    assert widest_scope(CLIENT, action) == (
        Scope.ANY if anonymous or cell == "Y" else Scope.CLIENT if granted else None
    )


def test_a_client_refused_its_own_kind_is_forbidden_and_otherwise_unauthenticated() -> None:
    with pytest.raises(PermissionDenied, match="may not 'webhook.manage' on webhook_subscription"):
        authorize(CLIENT, Action.WEBHOOK_MANAGE, OTHERS)
    with pytest.raises(AuthenticationFailed):
        authorize(CLIENT, Action.BID_SUBMIT)  # no grant at all: it is no bidder by itself


def test_a_client_acting_for_a_bidder_has_the_bidders_grants_not_its_own() -> None:
    for_bidder = Actor(
        user_id="u1", org_id="org-me", roles=frozenset({Role.BIDDER}), client_id="c1"
    )
    assert not is_allowed(for_bidder, Action.WEBHOOK_MANAGE, OWN)
    assert is_allowed(for_bidder, Action.BID_SUBMIT)
    # An operator of another centre does not reach the client's rows either.
    operator = Actor(user_id="u2", centre_id="centre-x", roles=frozenset({Role.OPERATOR}))
    assert not is_allowed(operator, Action.WEBHOOK_READ, OWN)
