"""The verifiable random draw of an evaluation committee (随机抽取评标专家).

1. **Commit.** A fresh 32-byte seed is drawn and ``SHA-256(seed)`` is published when the
   committee is defined, before the bid deadline. The draw itself uses
   ``SHA-256(seed ‖ public_input)`` where the public input is the deadline commitment's hash —
   unknown when the seed was committed, so nobody can try seeds until one gives a wanted
   committee.
2. **Avoid.** In each venue's pool (the experts whose home centre is the venue's centre) every
   expert is excluded, with the first reason that applies, in this order: ``blacklisted``,
   ``unavailable``, ``bidder-employee`` (employer is a bidder), ``tenderer-employee``,
   ``supervisor-staff`` (employer is a supervising department), ``declared-interest`` (declared
   an interest in a bidder or the tenderer), ``served-too-often`` (served this tenderer at least
   the rule pack's maximum in its period). The exclusions are part of the record: the avoidance
   hits are visible.
3. **Draw.** For each venue in the spec's order, and within it each quota (specialty, members,
   standby) from the one with the fewest eligible experts to the most (ties: the spec's order),
   the candidates are the eligible experts of that venue with that specialty, not drawn yet,
   **sorted by expert id** (the canonical order). Each pick is
   ``candidates[uniform(len(candidates))]`` where ``uniform`` reads a deterministic stream:
   HMAC-SHA256(key = seed, message = ``b"prex-draw-v1"`` ‖ u64 counter), 32 bytes per counter,
   taken 8 bytes at a time as big-endian integers, with rejection sampling (a value at or above
   the largest multiple of n below 2^64 is skipped) so that every candidate is equally likely.
   Members are drawn first, then the standby experts of the same quota, in order.
4. **Reveal.** The record — spec, avoidance context, the eligible pool (ids and specialties per
   venue), the exclusions, the draws — is published with the result together with the seed;
   :func:`replay` recomputes the draws from the record and the seed and must give the very same
   canonical JSON (``prex experts replay-draw``).
5. **Redraw.** When an interruption dissolves the committee (评标中断), round n ≥ 2 is drawn
   with ``HMAC-SHA256(key = seed, message = b"prex-redraw\\0" ‖ u64 n)`` — derived from the
   seed committed before the deadline, so nobody can pick it — and the public input
   ``previous record's SHA-256 ‖ "|" ‖ the instant the interruption limit expired``, both fixed
   before the redraw. The experts drawn in an earlier round (``drawn-before``) and those an
   earlier round excluded (``excluded-before``, when no present reason applies) are avoided.
   The record carries ``round`` and a ``redraw`` block; revealed, it carries the original seed
   too (``root_seed``), and :func:`replay` checks the derivation.

Pure: no database, no clock, no randomness except the seed passed in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import operator
import struct
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from prex.experts.pool import PoolExpert
from prex.shared.errors import InvalidInput

FORMAT = "prex-expert-draw"
VERSION = 1
STREAM_LABEL = b"prex-draw-v1"
REDRAW_LABEL = b"prex-redraw\0"
SEED_BYTES = 32
#: Exclusion reasons, in the order they are tested (the first that applies is recorded).
REASONS = (
    "drawn-before",  # drawn (member or standby) for an earlier, dissolved round of the tender
    "blacklisted",
    "unavailable",
    "bidder-employee",
    "tenderer-employee",
    "supervisor-staff",
    "declared-interest",
    "served-too-often",
    "excluded-before",  # excluded by an earlier round's draw, for a reason no longer in force
)


class DrawImpossible(InvalidInput):
    """Too few eligible experts for a quota: the committee cannot be drawn as specified."""

    slug = "draw-impossible"


class ReplayMismatch(InvalidInput):
    slug = "draw-replay-mismatch"


@dataclass(frozen=True)
class Quota:
    specialty: str
    members: int
    standby: int = 0


@dataclass(frozen=True)
class Venue:
    """A centre taking part: the main venue (主场) first, then sub venues (副场)."""

    centre_id: str
    quotas: tuple[Quota, ...]

    @property
    def members(self) -> int:
        return sum(q.members for q in self.quotas)


@dataclass(frozen=True)
class CommitteeSpec:
    venues: tuple[Venue, ...]
    representatives: int = 0  # the tenderer's own representatives (not drawn)

    @property
    def experts(self) -> int:
        return sum(v.members for v in self.venues)

    @property
    def size(self) -> int:
        return self.experts + self.representatives

    def check(self) -> None:
        """Bidding Law art. 37: five or more, an odd number, experts at least two thirds."""
        if not self.venues or any(not v.quotas for v in self.venues):
            raise InvalidInput("a committee has at least one venue, each with a quota")
        if len({v.centre_id for v in self.venues}) != len(self.venues):
            raise InvalidInput("each centre takes part as one venue")
        for venue in self.venues:
            for quota in venue.quotas:
                if quota.members < 0 or quota.standby < 0 or quota.members + quota.standby == 0:
                    raise InvalidInput(f"quota {quota.specialty}: members and standby are ≥ 0")
        if self.size < 5 or self.size % 2 == 0:
            raise InvalidInput(
                f"评标委员会成员人数为5人以上单数（《招标投标法》第三十七条）: {self.size} given"
            )
        if 3 * self.experts < 2 * self.size:
            raise InvalidInput(
                "技术、经济等方面的专家不得少于成员总数的三分之二（《招标投标法》第三十七条）: "
                f"{self.experts} of {self.size}"
            )

    def to_json(self) -> dict[str, Any]:
        return {
            "representatives": self.representatives,
            "venues": [
                {
                    "centre_id": v.centre_id,
                    "quotas": [
                        {"specialty": q.specialty, "members": q.members, "standby": q.standby}
                        for q in v.quotas
                    ],
                }
                for v in self.venues
            ],
        }

    @classmethod
    def from_json(cls, data: Any) -> CommitteeSpec:
        try:
            return cls(
                venues=tuple(
                    Venue(
                        str(v["centre_id"]),
                        tuple(
                            Quota(str(q["specialty"]), int(q["members"]), int(q.get("standby", 0)))
                            for q in v["quotas"]
                        ),
                    )
                    for v in data["venues"]
                ),
                representatives=int(data.get("representatives", 0)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidInput(f"the committee spec is incomplete ({exc})") from None


@dataclass(frozen=True)
class Avoidance:
    bidder_usccs: frozenset[str]
    tenderer_uscc: str
    supervisor_usccs: frozenset[str] = frozenset()
    max_serves: int = 0  # 0: no limit; else ≥ this many services for the tenderer excludes
    drawn_before: frozenset[str] = frozenset()  # a redraw: expert ids of the earlier rounds
    excluded_before: frozenset[str] = frozenset()  # a redraw: ids earlier rounds excluded

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "bidder_usccs": sorted(self.bidder_usccs),
            "tenderer_uscc": self.tenderer_uscc,
            "supervisor_usccs": sorted(self.supervisor_usccs),
            "max_serves": self.max_serves,
        }
        # Only in a redraw's record: a first draw's record is what it always was.
        if self.drawn_before:
            body["drawn_before"] = sorted(self.drawn_before)
        if self.excluded_before:
            body["excluded_before"] = sorted(self.excluded_before)
        return body

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Avoidance:
        return cls(
            bidder_usccs=frozenset(data["bidder_usccs"]),
            tenderer_uscc=str(data["tenderer_uscc"]),
            supervisor_usccs=frozenset(data.get("supervisor_usccs", ())),
            max_serves=int(data.get("max_serves", 0)),
            drawn_before=frozenset(data.get("drawn_before", ())),
            excluded_before=frozenset(data.get("excluded_before", ())),
        )


@dataclass(frozen=True)
class Drawn:
    venue: str  # centre id
    specialty: str
    role: str  # member | standby
    order: int  # 1, 2, … within (venue, specialty, role)
    expert_id: str

    def to_json(self) -> dict[str, Any]:
        return {
            "venue": self.venue,
            "specialty": self.specialty,
            "role": self.role,
            "order": self.order,
            "expert_id": self.expert_id,
        }


@dataclass(frozen=True)
class Draw:
    """A draw's record (without the seed until it is revealed)."""

    seed_sha256: str
    public_input: str
    spec: CommitteeSpec
    avoidance: Avoidance
    pool: dict[str, list[tuple[str, Collection[str]]]]  # venue → [(expert id, specialties)]
    excluded: list[tuple[str, str]]  # (expert id, reason), sorted
    draws: list[Drawn]

    def record(self, seed: bytes | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "seed_sha256": self.seed_sha256,
            "public_input": self.public_input,
            "spec": self.spec.to_json(),
            "avoidance": self.avoidance.to_json(),
            "pool": {
                venue: [{"expert_id": e, "specialties": sorted(s)} for e, s in members]
                for venue, members in self.pool.items()
            },
            "excluded": [{"expert_id": e, "reason": r} for e, r in self.excluded],
            "draws": [d.to_json() for d in self.draws],
        }
        if seed is not None:
            body["seed"] = seed.hex()
        return body


def commitment(seed: bytes) -> str:
    """What is published before the draw: SHA-256 of the seed, hex."""
    if len(seed) != SEED_BYTES:
        raise InvalidInput(f"a draw seed is {SEED_BYTES} bytes")
    return hashlib.sha256(seed).hexdigest()


def redraw_seed(seed: bytes, round_no: int) -> bytes:
    """The seed of round ``round_no`` ≥ 2 after a dissolution: HMAC-SHA256(key = the seed
    committed before the deadline, message = ``REDRAW_LABEL`` ‖ u64 round), 32 bytes. Fixed by
    the first commitment: the platform cannot choose it, and anyone with the revealed seed
    recomputes it."""
    if round_no < 2:
        raise InvalidInput("a redraw is round 2 or later")
    if len(seed) != SEED_BYTES:
        raise InvalidInput(f"a draw seed is {SEED_BYTES} bytes")
    return hmac.new(seed, REDRAW_LABEL + struct.pack(">Q", round_no), hashlib.sha256).digest()


def redraw_input(previous_record_sha256: str, expired_at: str) -> str:
    """A redraw's public input: the dissolved round's record digest and the instant its
    interruption limit expired (ISO 8601), both fixed before the redraw."""
    return f"{previous_record_sha256}|{expired_at}"


def derive(seed: bytes, public_input: str) -> bytes:
    """The seed the stream is keyed with: SHA-256(seed ‖ UTF-8 public input)."""
    return hashlib.sha256(seed + public_input.encode()).digest()


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class _Stream:
    """Uniform integers from HMAC-SHA256(seed, label ‖ counter), with rejection sampling."""

    def __init__(self, seed: bytes) -> None:
        self._seed = seed
        self._counter = 0
        self._buffer = b""

    def _u64(self) -> int:
        if len(self._buffer) < 8:
            block = hmac.new(
                self._seed, STREAM_LABEL + struct.pack(">Q", self._counter), hashlib.sha256
            ).digest()
            self._counter += 1
            self._buffer += block
        value = int.from_bytes(self._buffer[:8], "big")
        self._buffer = self._buffer[8:]
        return value

    def below(self, n: int) -> int:
        if n <= 0:
            raise ValueError("nothing to choose from")
        limit = (1 << 64) - (1 << 64) % n
        while True:
            value = self._u64()
            if value < limit:
                return value % n


def _reason(expert: PoolExpert, avoid: Avoidance, involved: frozenset[str]) -> str | None:
    if expert.expert_id in avoid.drawn_before:
        return "drawn-before"
    if expert.blacklisted:
        return "blacklisted"
    if expert.unavailable:
        return "unavailable"
    employer = expert.employer_uscc
    if employer is not None:
        if employer in avoid.bidder_usccs:
            return "bidder-employee"
        if employer == avoid.tenderer_uscc:
            return "tenderer-employee"
        if employer in avoid.supervisor_usccs:
            return "supervisor-staff"
    if expert.declared_usccs and not expert.declared_usccs.isdisjoint(involved):
        return "declared-interest"
    if avoid.max_serves and expert.served_by_tenderer:
        for uscc, times in expert.served_by_tenderer:
            if uscc == avoid.tenderer_uscc and times >= avoid.max_serves:
                return "served-too-often"
    if expert.expert_id in avoid.excluded_before:
        return "excluded-before"
    return None


def eligible_pool(
    experts: Iterable[PoolExpert], spec: CommitteeSpec, avoid: Avoidance
) -> tuple[dict[str, list[PoolExpert]], list[tuple[str, str]]]:
    """Each venue's eligible experts in canonical order, and the exclusions (sorted)."""
    venues: dict[str, list[PoolExpert]] = {v.centre_id: [] for v in spec.venues}
    involved = avoid.bidder_usccs | {avoid.tenderer_uscc}
    # Employers that exclude at once: most experts pass this one set lookup and nothing else.
    avoided_employers = involved | avoid.supervisor_usccs
    before = avoid.drawn_before | avoid.excluded_before
    excluded: list[tuple[str, str]] = []
    for expert in experts:
        bucket = venues.get(expert.centre_id)
        if bucket is None:
            continue
        if (
            expert.blacklisted
            or expert.unavailable
            or expert.employer_uscc in avoided_employers
            or expert.declared_usccs
            or expert.served_by_tenderer
            or expert.expert_id in before
        ):
            why = _reason(expert, avoid, involved)
            if why is not None:
                excluded.append((expert.expert_id, why))
                continue
        bucket.append(expert)
    by_id = operator.attrgetter("expert_id")
    for bucket in venues.values():
        bucket.sort(key=by_id)
    excluded.sort()
    return venues, excluded


def draw(
    experts: Iterable[PoolExpert],
    spec: CommitteeSpec,
    avoid: Avoidance,
    seed: bytes,
    public_input: str = "",
) -> Draw:
    """Draw the committee and its standby experts from ``experts`` with the committed ``seed``
    and the ``public_input`` that was unknown when it was committed."""
    spec.check()
    pool, excluded = eligible_pool(experts, spec, avoid)
    listed: dict[str, list[tuple[str, Collection[str]]]] = {
        venue: [(e.expert_id, e.specialties) for e in members] for venue, members in pool.items()
    }
    picks = _pick(spec, listed, derive(seed, public_input))
    return Draw(commitment(seed), public_input, spec, avoid, listed, excluded, picks)


def _pick(
    spec: CommitteeSpec, pool: dict[str, list[tuple[str, Collection[str]]]], seed: bytes
) -> list[Drawn]:
    stream = _Stream(seed)
    taken: set[str] = set()
    out: list[Drawn] = []
    for venue in spec.venues:
        members = pool.get(venue.centre_id, [])
        pools = {
            quota: [e for e, specialties in members if quota.specialty in specialties]
            for quota in venue.quotas
        }
        # The scarcest specialty first, so that an expert of several specialties is not spent
        # on a common quota while a rare one goes short (ties: the spec's order).
        scarcest = sorted(venue.quotas, key=lambda q: (len(pools[q]), venue.quotas.index(q)))
        for quota in scarcest:
            candidates = pools[quota]
            for role, count in (("member", quota.members), ("standby", quota.standby)):
                for order in range(1, count + 1):
                    free = [e for e in candidates if e not in taken]
                    if not free:
                        raise DrawImpossible(
                            f"venue {venue.centre_id}: too few eligible experts of specialty "
                            f"{quota.specialty} for {quota.members} members and "
                            f"{quota.standby} standby",
                            venue=venue.centre_id,
                            specialty=quota.specialty,
                        )
                    chosen = free[stream.below(len(free))]
                    taken.add(chosen)
                    out.append(Drawn(venue.centre_id, quota.specialty, role, order, chosen))
    return out


def replay(record: dict[str, Any], seed: bytes | None = None) -> dict[str, Any]:
    """Recompute a published record's draws from its pool and seed; returns the record as
    recomputed, and raises :class:`ReplayMismatch` when it differs from the one given."""
    try:
        seed = seed if seed is not None else bytes.fromhex(str(record["seed"]))
        spec = CommitteeSpec.from_json(record["spec"])
        pool: dict[str, list[tuple[str, Collection[str]]]] = {
            str(venue): [(str(e["expert_id"]), frozenset(e["specialties"])) for e in members]
            for venue, members in record["pool"].items()
        }
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInput(f"not a draw record ({exc})") from None
    if commitment(seed) != record.get("seed_sha256"):
        raise ReplayMismatch("the seed does not match the commitment published before the draw")
    if "redraw" in record:
        _check_redraw(record, seed)
    for venue, members in pool.items():
        if [e for e, _ in members] != sorted(e for e, _ in members):
            raise ReplayMismatch(f"the pool of venue {venue} is not in canonical order")
    keyed = derive(seed, str(record.get("public_input", "")))
    again = dict(record, draws=[d.to_json() for d in _pick(spec, pool, keyed)])
    if canonical(again) != canonical(record):
        raise ReplayMismatch("the recomputed draws differ from the published ones")
    return again


def _check_redraw(record: dict[str, Any], seed: bytes) -> None:
    """A redraw's seed comes from the first commitment, its public input from the dissolved
    round: check both (the root seed only once it is revealed)."""
    try:
        redraw = record["redraw"]
        round_no = int(record["round"])
        expected = redraw_input(
            str(redraw["previous_record_sha256"]), str(redraw["interruption_expired_at"])
        )
        root_sha256 = str(redraw["root_seed_sha256"])
        root = bytes.fromhex(str(record["root_seed"])) if "root_seed" in record else None
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"not a redraw record ({exc})") from None
    if record.get("public_input") != expected:
        raise ReplayMismatch("the redraw's public input is not derived from the dissolved round")
    if root is not None:
        if commitment(root) != root_sha256:
            raise ReplayMismatch("the root seed does not match the first commitment")
        if redraw_seed(root, round_no) != seed:
            raise ReplayMismatch(f"the seed of round {round_no} is not derived from the root seed")


def next_standby(result: Sequence[Drawn], venue: str, specialty: str, used: set[str]) -> Drawn:
    """The standby expert who replaces a refusal or a no-show: the first standby of the same
    venue and specialty, in draw order, not used yet."""
    for drawn in result:
        if (
            drawn.role == "standby"
            and drawn.venue == venue
            and drawn.specialty == specialty
            and drawn.expert_id not in used
        ):
            return drawn
    raise DrawImpossible(
        f"no standby expert of specialty {specialty} left at venue {venue}: draw again",
        venue=venue,
        specialty=specialty,
    )
