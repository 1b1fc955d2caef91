"""The authorisation policy: one table saying which role may do what, on which objects.

Every route declares the :class:`Action` it performs (``openapi_extra["x-prex-action"]``) and
every service asks :func:`authorize` before it acts. The table is data, tested as a matrix
(``tests/unit/identity/test_policy_matrix.py``) and route by route over HTTP.

Scopes say which objects a role may touch:

* ``ANY`` — every object of that kind;
* ``CENTRE`` — objects of the actor's own centre (operators, supervisors);
* ``PARTY`` — objects whose owning organisations include the actor's (a tenderer's or agency's
  own tenders; a bidder's own enquiries);
* ``SELF`` — only the actor's own account;
* ``CLIENT`` — only rows owned by the machine client making the call (``Resource.client_id``).

Who holds a grant: a user holds the rows of its roles. A machine client acting as itself
(docs/integration.md: a client token without ``Prex-On-Behalf-Of``) has no user and no role —
it must never be taken for a member of its owner — so it holds exactly one key of the table,
:data:`MACHINE_CLIENT`, and every grant to that key is scoped ``CLIENT``: a client may manage
what it owns (its webhook subscriptions) and nothing else by itself. Keeping the client a key of
the same table, rather than an ``if actor.client_id`` in the webhook service, keeps every
decision here and in the matrix test. (Which *routes* a client may call at all is decided first
by its token's scopes, prex.integrations.model.SCOPE_ACTIONS; the table decides on top.) A
client acting for a bidder is that bidder's member, with the bidder's roles, not this key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from prex.shared.errors import AuthenticationFailed, PermissionDenied


class Role(StrEnum):
    ADMIN = "admin"  # platform administrator: centres, users, rule packs
    OPERATOR = "operator"  # centre operator (交易中心): hosts and supervises the process
    TENDERER = "tenderer"  # tenderer or purchaser (招标人/采购人): owns projects
    AGENCY = "agency"  # tender agency (招标代理机构): runs the process for a tenderer
    BIDDER = "bidder"  # bidder or supplier (投标人/供应商)
    EXPERT = "expert"  # evaluation expert (评标专家)
    SUPERVISOR = "supervisor"  # administrative supervisor (行政监督部门)


class Scope(StrEnum):
    ANY = "any"
    CENTRE = "centre"
    PARTY = "party"
    SELF = "self"
    CLIENT = "client"


class Principal(StrEnum):
    """A holder of grants that is not a user's role."""

    MACHINE_CLIENT = "machine-client"  # a registered machine client acting as itself


MACHINE_CLIENT = Principal.MACHINE_CLIENT
Grantee = Role | Principal


class Action(StrEnum):
    PUBLIC_READ = "public.read"  # anonymous: portal, announcements, public documents
    SESSION_LOGIN = "session.login"  # anonymous: obtain a session or token
    SESSION_READ = "session.read"  # own account, own notifications
    SESSION_LOGOUT = "session.logout"
    ACCOUNT_EDIT = "account.edit"  # one's own contact details (the mobile number for SMS)
    CENTRE_MANAGE = "centre.manage"
    ORG_REGISTER = "org.register"
    ORG_READ = "org.read"
    USER_MANAGE = "user.manage"
    ACCOUNT_UNLOCK = "account.unlock"  # lift a login lock-out (prex.identity.lockout)
    PROJECT_CREATE = "project.create"
    TENDER_CREATE = "tender.create"
    TENDER_READ_DRAFT = "tender.read_draft"
    TENDER_EDIT = "tender.edit"
    TENDER_PUBLISH = "tender.publish"
    TENDER_AMEND = "tender.amend"
    TENDER_CANCEL = "tender.cancel"
    DOCUMENT_UPLOAD = "document.upload"
    DOCUMENT_OBTAIN = "document.obtain"  # a bidder obtains tender documents (registers interest)
    ENQUIRY_ASK = "enquiry.ask"
    ENQUIRY_ANSWER = "enquiry.answer"
    ENQUIRY_READ = "enquiry.read"
    AUDIT_READ = "audit.read"
    # Prometheus scrapes: granted to no user role; /metrics admits the configured addresses
    # (PREX_METRICS_ALLOW) or the bearer token PREX_METRICS_TOKEN, never a session.
    METRICS_READ = "metrics.read"
    CA_MANAGE = "ca.manage"  # the trust list of CA mutual recognition, offline CRL import
    CERT_BIND = "cert.bind"  # bind one's own certificate to one's account
    SIGNATURE_VERIFY = "signature.verify"  # check a certificate or a signature
    TIMESTAMP_ISSUE = "timestamp.issue"  # obtain an RFC 3161 timestamp from the platform TSA
    CUSTODIAN_MANAGE = "custodian.manage"  # register the centre's opening custodians
    BID_SUBMIT = "bid.submit"  # submit, replace or withdraw one's own sealed bid
    BOND_RECORD = "bond.record"  # record how one's own bid bond was provided (投标保证金)
    BOND_READ = "bond.read"  # read bid bond records (confidential before the opening)
    SHARE_RELEASE = "opening.release_share"  # a custodian hands in its share after the deadline
    OPENING_ATTEND = "opening.attend"  # a bidder checks in, decrypts its bid, confirms, objects
    OPENING_HOST = "opening.host"  # open the bids, answer objections, publish the record
    BID_READ_OPENED = "bid.read_opened"  # read an opened bid's documents (evaluators only)
    EXPERT_MANAGE = "expert.manage"  # register, update, blacklist, import experts; their calendar
    EXPERT_READ_IDENTITY = "expert.read_identity"  # see experts with their names and numbers
    COMMITTEE_MANAGE = "committee.manage"  # define and draw a tender's committee, seat standby
    VENUE_MANAGE = "venue.manage"  # register, update, deactivate a centre's evaluation rooms
    VENUE_READ = "venue.read"  # a centre's evaluation rooms; the seats booked for a tender
    SEAT_BOOK = "seat.book"  # book (and release) seats in one's own centre's evaluation rooms
    EVALUATION_READ = "evaluation.read"  # the evaluation room before the result (scores and all)
    EVALUATION_SCORE = "evaluation.score"  # marks, scores, justifications, explanations decided
    EVALUATION_MANAGE = "evaluation.manage"  # start, pause, resume and complete an evaluation
    # let an outside tool (a machine client) read the opened bids of one's tender, or revoke it
    EVALUATION_ASSIST_GRANT = "evaluation.assist_grant"
    # a machine client reads the opened bids of a tender whose committee granted it
    EVALUATION_ASSIST_READ = "evaluation.assist_read"
    REPORT_READ = "report.read"  # the signed evaluation report before it is published
    RESULT_PUBLISH = "result.publish"  # publish the candidates (or the failure) once all signed
    RESULT_OBJECT = "result.object"  # a bidder objects to the result during publicity
    RESULT_ANSWER = "result.answer"  # answer an objection to the result
    AWARD_ISSUE = "award.issue"  # issue the award notice (定标, 中标通知书)
    CONTRACT_RECORD = "contract.record"  # record and sign the contract, as the buyer
    CONTRACT_COUNTERSIGN = "contract.countersign"  # countersign it, as the winner
    LISTING_MANAGE = "listing.manage"  # set up, announce, cancel a listing or an auction
    LISTING_REGISTER = "listing.register"  # apply to bid (竞买申请), declare for the timed round
    LISTING_REVIEW = "listing.review"  # eligibility review; deposits confirmed or released
    LISTING_READ_BIDDERS = "listing.read_bidders"  # who registered (confidential until it closes)
    LISTING_BID = "listing.bid"  # quote or bid, once eligible with the deposit confirmed
    UPSTREAM_PUSH = "upstream.push"  # a registered platform pushes records (signed, no account)
    QUALITY_READ = "quality.read"  # data-quality scores of the connected centres, their findings
    ANALYTICS_READ = "analytics.read"  # the market dashboards over the warehouse (big data)
    FLAGS_READ = "flags.read"  # red-flag hits, risk scores and alerts of one's centre
    ALERT_ACKNOWLEDGE = "alert.acknowledge"  # acknowledge an alert (报警) raised to one's centre
    CASE_READ = "case.read"  # supervision cases, their notes and evidence
    CASE_MANAGE = "case.manage"  # open a case from hits, move it, add notes and evidence
    CHALLENGE_FILE = "challenge.file"  # a supplier challenges the purchaser (质疑), signed
    CHALLENGE_ANSWER = "challenge.answer"  # the purchaser (or its agency) answers a challenge
    COMPLAINT_FILE = "complaint.file"  # a bidder complains to the supervisor (投诉), signed
    COMPLAINT_WITHDRAW = "complaint.withdraw"  # the complainant withdraws its own complaint
    COMPLAINT_READ = "complaint.read"  # a challenge's or complaint's contents, steps, evidence
    COMPLAINT_HANDLE = "complaint.handle"  # accept or refuse, suspend or resume, decide (signed)
    CREDIT_READ = "credit.read"  # every credit record of the centre: unpublished, experts'
    CREDIT_MANAGE = "credit.manage"  # record, publish, correct and revoke credit records
    ARCHIVE_READ = "archive.read"  # list and download the electronic archives (电子档案)
    ARCHIVE_BUILD = "archive.build"  # build (again) an ended tender's archive; the sweep
    INTEGRATION_MANAGE = "integration.manage"  # register machine clients, rotate, revoke them
    CONSENT_GRANT = "consent.grant"  # a bidder lets a client act for it (signed), or revokes it
    WEBHOOK_READ = "webhook.read"  # webhook subscriptions and their delivery log
    WEBHOOK_MANAGE = "webhook.manage"  # subscribe a machine client, change, pause, redeliver
    GUARANTEE_REQUEST = "guarantee.request"  # a bidder asks a guarantor for an e-guarantee
    GUARANTEE_READ = "guarantee.read"  # guarantee requests, documents, notices of a tender
    GUARANTEE_ISSUE = "guarantee.issue"  # a guarantor's machine client issues (scope-only)
    GUARANTEE_CLAIM = "guarantee.claim"  # claim a bid guarantee on a statutory ground (signed)


@dataclass(frozen=True)
class Actor:
    """Who is acting, from where. ``user_id`` is None for the anonymous public.

    ``client_id`` names the registered integration (machine client, prex.integrations) through
    which the call came: alone for a client acting as itself, beside the user and organisation
    of the bidder it acts for (with that bidder's signed consent). Audit entries record it."""

    user_id: str | None = None
    label: str = "anonymous"
    org_id: str | None = None
    centre_id: str | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    address: str | None = None
    client_id: str | None = None

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None


SYSTEM = Actor(user_id="system", label="system")


@dataclass(frozen=True)
class Resource:
    """What the policy needs to know of an object: its kind, centre and owning parties."""

    kind: str
    object_id: str | None = None
    centre_id: str | None = None
    party_org_ids: frozenset[str] = frozenset()
    user_id: str | None = None
    client_id: str | None = None  # the machine client owning it (a webhook subscription)


_T, _A, _O, _S = Role.TENDERER, Role.AGENCY, Role.OPERATOR, Role.SUPERVISOR
_EVERY_ROLE: dict[Grantee, Scope] = {role: Scope.ANY for role in Role}
_SELF: dict[Grantee, Scope] = {role: Scope.SELF for role in Role}

POLICY: dict[Action, dict[Grantee, Scope]] = {
    Action.PUBLIC_READ: _EVERY_ROLE,
    Action.SESSION_LOGIN: _EVERY_ROLE,
    Action.UPSTREAM_PUSH: _EVERY_ROLE,
    Action.SESSION_READ: _SELF,
    Action.SESSION_LOGOUT: _SELF,
    Action.ACCOUNT_EDIT: _SELF,
    Action.CENTRE_MANAGE: {Role.ADMIN: Scope.ANY},
    Action.ORG_REGISTER: {Role.ADMIN: Scope.ANY, _O: Scope.CENTRE},
    Action.ORG_READ: {Role.ADMIN: Scope.ANY, _O: Scope.CENTRE, _S: Scope.CENTRE},
    Action.USER_MANAGE: {Role.ADMIN: Scope.ANY, _O: Scope.CENTRE},
    Action.ACCOUNT_UNLOCK: {Role.ADMIN: Scope.ANY, _O: Scope.CENTRE},
    Action.PROJECT_CREATE: {_T: Scope.PARTY, _A: Scope.PARTY},
    Action.TENDER_CREATE: {_T: Scope.PARTY, _A: Scope.PARTY},
    Action.TENDER_READ_DRAFT: {
        _T: Scope.PARTY,
        _A: Scope.PARTY,
        _O: Scope.CENTRE,
        _S: Scope.CENTRE,
        Role.ADMIN: Scope.ANY,
    },
    Action.TENDER_EDIT: {_T: Scope.PARTY, _A: Scope.PARTY},
    Action.TENDER_PUBLISH: {_T: Scope.PARTY, _A: Scope.PARTY},
    Action.TENDER_AMEND: {_T: Scope.PARTY, _A: Scope.PARTY},
    Action.TENDER_CANCEL: {_T: Scope.PARTY, _A: Scope.PARTY, _O: Scope.CENTRE},
    Action.DOCUMENT_UPLOAD: {_T: Scope.PARTY, _A: Scope.PARTY},
    Action.DOCUMENT_OBTAIN: {Role.BIDDER: Scope.ANY},
    Action.ENQUIRY_ASK: {Role.BIDDER: Scope.ANY},
    Action.ENQUIRY_ANSWER: {_T: Scope.PARTY, _A: Scope.PARTY},
    Action.ENQUIRY_READ: {
        _T: Scope.PARTY,
        _A: Scope.PARTY,
        Role.BIDDER: Scope.PARTY,
        _O: Scope.CENTRE,
        _S: Scope.CENTRE,
    },
    Action.AUDIT_READ: {Role.ADMIN: Scope.ANY, _O: Scope.CENTRE, _S: Scope.CENTRE},
    Action.METRICS_READ: {},
    # The trust list is one for the whole platform: mutual recognition is not per centre.
    Action.CA_MANAGE: {Role.ADMIN: Scope.ANY, _O: Scope.ANY},
    Action.CERT_BIND: _SELF,
    Action.SIGNATURE_VERIFY: _EVERY_ROLE,
    Action.TIMESTAMP_ISSUE: _EVERY_ROLE,
    Action.CUSTODIAN_MANAGE: {Role.ADMIN: Scope.ANY, _O: Scope.CENTRE},
    Action.BID_SUBMIT: {Role.BIDDER: Scope.ANY},
    Action.BOND_RECORD: {Role.BIDDER: Scope.ANY},
    # The tender's centre sees every bidder's bond; a bidder only its own (the resource's party
    # is the bond's bidder). Before the opening even the list of bidders is confidential.
    Action.BOND_READ: {_O: Scope.CENTRE, Role.BIDDER: Scope.PARTY},
    # The custodian named on the share, whatever its role (the resource's user is the holder).
    Action.SHARE_RELEASE: _SELF,
    # A bidder whose envelope was committed at the deadline (party of the opening).
    Action.OPENING_ATTEND: {Role.BIDDER: Scope.PARTY},
    # The tenderer or its agency hosts the opening (招标人主持开标); the centre's operator too.
    Action.OPENING_HOST: {_T: Scope.PARTY, _A: Scope.PARTY, _O: Scope.CENTRE},
    # Evaluators only; the opening context narrows it to the tender's sitting committee members.
    Action.BID_READ_OPENED: {Role.EXPERT: Scope.ANY},
    # The expert registry (评标专家库) is the home centre's; the platform administrator keeps all.
    Action.EXPERT_MANAGE: {Role.ADMIN: Scope.ANY, _O: Scope.CENTRE},
    # Who an expert is — name, identity number, phone, employer — only the expert's centre and
    # its supervisors see; everyone else sees per-tender pseudonyms (prex.experts.pseudonyms).
    Action.EXPERT_READ_IDENTITY: {Role.ADMIN: Scope.ANY, _O: Scope.CENTRE, _S: Scope.CENTRE},
    # The centre runs the draw (抽取评标专家); supervisors watch it (EXPERT_READ_IDENTITY).
    Action.COMMITTEE_MANAGE: {_O: Scope.CENTRE},
    # Each centre keeps its own evaluation rooms (评标室); the platform administrator all of them.
    Action.VENUE_MANAGE: {Role.ADMIN: Scope.ANY, _O: Scope.CENTRE},
    Action.VENUE_READ: {Role.ADMIN: Scope.ANY, _O: Scope.CENTRE, _S: Scope.CENTRE},
    # A venue's own centre books its seats for a remote evaluation (远程异地评标): the resource's
    # centre is the room's, so a sub venue's seats are booked by the sub venue, not the host.
    Action.SEAT_BOOK: {_O: Scope.CENTRE},
    # Scores before the result: the committee and the centre that supervises it. The expert
    # grant is narrowed by the evaluation service to the tender's sitting committee members.
    Action.EVALUATION_READ: {Role.EXPERT: Scope.ANY, _O: Scope.CENTRE, _S: Scope.CENTRE},
    # Only experts enter an evaluation; the service admits the tender's sitting members only.
    Action.EVALUATION_SCORE: {Role.EXPERT: Scope.ANY},
    # The centre runs the room (组织评标): starts it, pauses and resumes it, freezes the result.
    Action.EVALUATION_MANAGE: {_O: Scope.CENTRE},
    # Evaluation-assistance hooks (docs/evaluation-assistance.md): the committee lets a tool in;
    # the service admits the tender's sitting members only.
    Action.EVALUATION_ASSIST_GRANT: {Role.EXPERT: Scope.ANY},
    # Only a machine client calls it (scope evaluation.read), acting as itself — no role, like
    # the public — so the table admits every caller and the evaluation service admits only a
    # client holding the committee's unrevoked grant for that tender, after the opening.
    Action.EVALUATION_ASSIST_READ: _EVERY_ROLE,
    # The report goes to the tenderer (招标人收到评标报告) and stays with the centre; experts are
    # narrowed by the award context to the tender's sitting members.
    Action.REPORT_READ: {
        Role.EXPERT: Scope.ANY,
        _T: Scope.PARTY,
        _A: Scope.PARTY,
        _O: Scope.CENTRE,
        _S: Scope.CENTRE,
    },
    # The tenderer publishes the candidates (实施条例 第五十四条) — or the centre on its behalf.
    Action.RESULT_PUBLISH: {_T: Scope.PARTY, _A: Scope.PARTY, _O: Scope.CENTRE},
    # A bidder of the tender (the award context checks that it bid) objects during publicity.
    Action.RESULT_OBJECT: {Role.BIDDER: Scope.ANY},
    # The tenderer answers (实施条例 第五十四条), determines the winner and signs the contract.
    Action.RESULT_ANSWER: {_T: Scope.PARTY, _A: Scope.PARTY},
    Action.AWARD_ISSUE: {_T: Scope.PARTY, _A: Scope.PARTY},
    Action.CONTRACT_RECORD: {_T: Scope.PARTY, _A: Scope.PARTY},
    # The winner countersigns (the award context checks that it is the awarded bidder).
    Action.CONTRACT_COUNTERSIGN: {Role.BIDDER: Scope.ANY},
    # Listings and auctions (挂牌、拍卖): the centre runs them for the seller; any bidder may
    # apply and, once admitted with its deposit confirmed, bid (the auctions context checks).
    Action.LISTING_MANAGE: {Role.ADMIN: Scope.ANY, _O: Scope.CENTRE},
    Action.LISTING_REGISTER: {Role.BIDDER: Scope.ANY},
    Action.LISTING_REVIEW: {_O: Scope.CENTRE},
    Action.LISTING_READ_BIDDERS: {_O: Scope.CENTRE, _S: Scope.CENTRE},
    Action.LISTING_BID: {Role.BIDDER: Scope.ANY},
    # Data quality is a supervision tool (DOMAIN.md): the scoring centre's operators and
    # supervisors see every connected centre; a centre's own see its own scores and findings.
    # The public sees none of it: findings name records before anyone has checked them.
    Action.QUALITY_READ: {Role.ADMIN: Scope.ANY, _O: Scope.CENTRE, _S: Scope.CENTRE},
    # The market dashboards are supervision (行政监督) and the centre's own management: its
    # operators and supervisors see their centre and the centres under it. Bidders and the public
    # see none of it (buyers' and suppliers' shares are not published figures).
    Action.ANALYTICS_READ: {_O: Scope.CENTRE, _S: Scope.CENTRE},
    # Red flags and cases are the administrative supervisor's (行政监督部门) alone: a hit names a
    # suspect before anyone has checked, so not even the centre that runs the tender sees it —
    # the operator hosts the process a flag may be about. Bidders, experts and the public never.
    Action.FLAGS_READ: {_S: Scope.CENTRE},
    Action.ALERT_ACKNOWLEDGE: {_S: Scope.CENTRE},
    Action.CASE_READ: {_S: Scope.CENTRE},
    Action.CASE_MANAGE: {_S: Scope.CENTRE},
    # Challenges and complaints (docs/complaints.md). Any bidder or potential bidder may file;
    # the purchaser's side answers a challenge. A complaint's contents are the parties' alone:
    # the complainant, the tenderer and its agency (the resource's parties), the tender's centre
    # and its supervisor — never other bidders or the public, who see only the suspension and,
    # once decided, the published decision on the tender page (PUBLIC_READ).
    Action.CHALLENGE_FILE: {Role.BIDDER: Scope.ANY},
    Action.CHALLENGE_ANSWER: {_T: Scope.PARTY, _A: Scope.PARTY},
    Action.COMPLAINT_FILE: {Role.BIDDER: Scope.ANY},
    Action.COMPLAINT_WITHDRAW: {Role.BIDDER: Scope.PARTY},
    Action.COMPLAINT_READ: {
        _T: Scope.PARTY,
        _A: Scope.PARTY,
        Role.BIDDER: Scope.PARTY,
        _O: Scope.CENTRE,
        _S: Scope.CENTRE,
    },
    # The supervising department (行政监督部门 / 财政部门) alone decides.
    Action.COMPLAINT_HANDLE: {_S: Scope.CENTRE},
    # Credit records are issued by the administrative supervisor (行政监督部门) of the centre; the
    # centre's operators read them (they run the draw and the registrations they bar). The public
    # reads published records of organisations only (PUBLIC_READ, prex.credit.queries).
    Action.CREDIT_READ: {Role.ADMIN: Scope.ANY, _O: Scope.CENTRE, _S: Scope.CENTRE},
    Action.CREDIT_MANAGE: {_S: Scope.CENTRE},
    # The archive of an ended transaction (电子档案) is kept by the centre (DOMAIN.md: the
    # operator archives), inspected by its supervisors, and handed to the tenderer and its agency
    # for their own records. Bidders and the public never: it holds every bid, score and expert.
    Action.ARCHIVE_READ: {
        Role.ADMIN: Scope.ANY,
        _O: Scope.CENTRE,
        _S: Scope.CENTRE,
        _T: Scope.PARTY,
        _A: Scope.PARTY,
    },
    # The worker builds every archive when the transaction ends; the centre may build one again
    # (after a complaint decision, say) and the administrator runs the retention sweep.
    Action.ARCHIVE_BUILD: {Role.ADMIN: Scope.ANY, _O: Scope.CENTRE},
    # Machine clients (docs/integration.md) are registered by the platform administrator or by
    # the centre operator of the owning organisation's centre (a broker, a bank …).
    Action.INTEGRATION_MANAGE: {Role.ADMIN: Scope.ANY, _O: Scope.CENTRE},
    # A bidder consents for its own organisation only (the resource's party is the consent's
    # organisation); the consent is signed with the organisation's certificate.
    Action.CONSENT_GRANT: {Role.BIDDER: Scope.PARTY},
    # Webhook subscriptions of machine clients (issue 11): the platform administrator manages
    # all, a centre's operators their centre's, and a client acting as itself (with the
    # ``webhooks.manage`` scope) its own and no other client's. Only public events are delivered.
    Action.WEBHOOK_READ: {Role.ADMIN: Scope.ANY, _O: Scope.CENTRE, MACHINE_CLIENT: Scope.CLIENT},
    Action.WEBHOOK_MANAGE: {Role.ADMIN: Scope.ANY, _O: Scope.CENTRE, MACHINE_CLIENT: Scope.CLIENT},
    # Electronic bid guarantees (docs/integration.md, "Guarantee providers"). A bidder asks for
    # its own (the service checks it may bid, as for a bond record); the guarantee is read by
    # its applicant and the tender's centre, like the bond it becomes, and — after the bid
    # deadline, when the guarantees' parties include them — by the beneficiary's side.
    Action.GUARANTEE_REQUEST: {Role.BIDDER: Scope.ANY},
    Action.GUARANTEE_READ: {
        _O: Scope.CENTRE,
        Role.BIDDER: Scope.PARTY,
        _T: Scope.PARTY,
        _A: Scope.PARTY,
    },
    # No person issues a guarantee through prex: only a guarantor's machine client acting as
    # itself, whose token carries scope guarantee.issue (the machine gate checks it); the
    # service binds it to its owner organisation, the guarantor, so ANY here is "any request
    # addressed to its owner".
    Action.GUARANTEE_ISSUE: {MACHINE_CLIENT: Scope.ANY},
    # The beneficiary (the tenderer or its agency) or the centre claims on a statutory ground
    # (实施条例第三十五条、第七十四条); releases follow the outcome automatically (the worker).
    Action.GUARANTEE_CLAIM: {_T: Scope.PARTY, _A: Scope.PARTY, _O: Scope.CENTRE},
}

ANONYMOUS_ACTIONS = frozenset(
    {
        Action.PUBLIC_READ,
        Action.SESSION_LOGIN,
        Action.UPSTREAM_PUSH,
        Action.EVALUATION_ASSIST_READ,
    }
)


def scope_allows(scope: Scope, actor: Actor, resource: Resource | None) -> bool:
    """Whether ``scope`` admits ``resource`` for ``actor``; no resource means the kind itself."""
    if scope is Scope.ANY or resource is None:
        return True
    if scope is Scope.CENTRE:
        return resource.centre_id is None or resource.centre_id == actor.centre_id
    if scope is Scope.PARTY:
        return actor.org_id is not None and actor.org_id in resource.party_org_ids
    if scope is Scope.CLIENT:
        return actor.client_id is not None and resource.client_id == actor.client_id
    return resource.user_id == actor.user_id


def grantees(actor: Actor) -> frozenset[Grantee]:
    """The keys of the table ``actor`` holds: a user's roles; a machine client acting as itself
    (no user) the one key :data:`MACHINE_CLIENT`; the anonymous public none."""
    if actor.authenticated:
        return frozenset(actor.roles)
    if actor.client_id is not None:
        return frozenset({MACHINE_CLIENT})
    return frozenset()


def is_allowed(actor: Actor, action: Action, resource: Resource | None = None) -> bool:
    """The policy's answer, without raising."""
    if action in ANONYMOUS_ACTIONS:
        return True
    grants = POLICY[action]
    return any(
        key in grants and scope_allows(grants[key], actor, resource) for key in grantees(actor)
    )


_WIDTH = (Scope.ANY, Scope.CENTRE, Scope.PARTY, Scope.SELF, Scope.CLIENT)


def widest_scope(actor: Actor, action: Action) -> Scope | None:
    """The widest scope any role of ``actor`` has for ``action`` (None: no grant at all), for
    queries that must narrow a list to what the actor may see."""
    if action in ANONYMOUS_ACTIONS:
        return Scope.ANY
    grants = POLICY[action]
    granted = {grants[key] for key in grantees(actor) if key in grants}
    return next((scope for scope in _WIDTH if scope in granted), None)


def authorize(actor: Actor, action: Action, resource: Resource | None = None) -> None:
    """Raise unless the policy lets ``actor`` perform ``action`` on ``resource``."""
    if is_allowed(actor, action, resource):
        return
    if not actor.authenticated and not any(key in POLICY[action] for key in grantees(actor)):
        raise AuthenticationFailed(f"'{action}' needs a signed-in user", action=str(action))
    target = f" on {resource.kind} {resource.object_id}" if resource and resource.object_id else ""
    raise PermissionDenied(
        f"{actor.label} may not '{action}'{target}",
        action=str(action),
        user_id=actor.user_id,
    )
