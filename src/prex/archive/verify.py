"""Checking an archive file offline: no database, no settings, no network — only its bytes.

The checks, in order (each a :class:`Check` named by what it is about, so that a failure says
what broke):

1. ``file`` — the ZIP reads, and every member's stored CRC matches (a damaged member is named);
2. ``manifest signature`` — ``manifest.json.p7s`` is a detached CMS signature over the exact
   bytes of ``manifest.json`` by the included ``certs/signing.pem`` (checked before the manifest
   is even parsed, so that any change to the manifest is reported as what it is);
3. ``timestamp`` — ``manifest.json.tsr`` is an RFC 3161 token of the included TSA whose imprint
   is the SHA-256 of the signature file (a signature whose bytes are not the ones the token
   covers fails ``manifest signature``);
4. ``certificate chain`` — the included platform CA is self-signed and a CA, and signed both
   the signing and the TSA certificates, each valid at the timestamp's time;
5. one check per member — named by the member: listed in the manifest with its SHA-256 and
   size, and every member present (missing and extra members are named too);
6. ``audit entry N`` — each included entry's payload digest and hash recompute, and where two
   included entries are neighbours in the chain the later one links to the earlier one;
7. one check per act signature or token — named by the signature's member: it verifies over the
   bytes of the member it signs (or, for a token, its imprint is that member's SHA-256);
8. ``expert draw`` — once the seed was revealed, the draw replays from it to the committee
   recorded.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from asn1crypto import cms, core

from prex.archive.package import (
    AUDIT_ENTRIES,
    CA_CERTIFICATE,
    DRAW,
    FORMAT,
    MANIFEST,
    SIGNATURE,
    SIGNING_CERTIFICATE,
    TIMESTAMP,
    TSA_CERTIFICATE,
    UNLISTED,
    UnreadableArchive,
    read_members,
)
from prex.audit.chain import digest_of, entry_hash
from prex.experts.draw import replay
from prex.pki.certs import Certificate, parse_certificate
from prex.pki.cms import SignatureCheck, verify_detached
from prex.pki.tsa import verify_token
from prex.shared.errors import DomainError


@dataclass(frozen=True)
class Check:
    """One verdict: ``name`` says what was checked (a member, "manifest signature" …)."""

    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    """Every check made, and what the manifest says the archive is."""

    checks: list[Check] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    timestamp: datetime | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.checks.append(Check(name, ok, detail))
        return ok

    def as_json(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "ok": self.ok,
            "deal_code": m.get("deal_code"),
            "tender_id": m.get("tender_id"),
            "built_at": m.get("built_at"),
            "retain_until": m.get("retain_until"),
            "timestamp": self.timestamp.isoformat() if self.timestamp else None,
            "broken": [c.name for c in self.failures],
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }


def _attempt(report: Report, name: str, action: Callable[[], str]) -> bool:
    """Run one check: its detail on success, the error's first line on failure."""
    try:
        detail = action()
    except Exception as exc:  # a hostile file may break any parser: that check fails, named
        message = exc.message if isinstance(exc, DomainError) else str(exc)
        return report.add(name, False, message.splitlines()[0] if message else type(exc).__name__)
    return report.add(name, True, detail)


def verify_archive(source: bytes | BinaryIO) -> Report:
    """Check an archive (its bytes, or an open file, read once and streaming: documents and
    envelopes are hashed, not held); the report holds every check, failed ones named."""
    report = Report()
    try:
        members, digests = read_members(io.BytesIO(source) if isinstance(source, bytes) else source)
    except UnreadableArchive as exc:
        report.add(exc.member or "file", False, str(exc))
        return report
    report.add("file", True, f"{len(digests)} members")
    for needed in (*UNLISTED, CA_CERTIFICATE, SIGNING_CERTIFICATE, TSA_CERTIFICATE):
        if needed not in members:
            report.add(needed, False, "missing: an archive cannot be checked without it")
    if report.failures:
        return report

    certs: dict[str, Certificate] = {}

    def load(name: str) -> Certificate:
        certs[name] = parse_certificate(members[name])
        return certs[name]

    def manifest_signature() -> str:
        signer = load(SIGNING_CERTIFICATE)
        check = verify_detached(members[MANIFEST], members[SIGNATURE], extra_certificates=[signer])
        if check.signer != signer:
            raise ValueError(f"signed by {check.signer.subject_text}, not by {SIGNING_CERTIFICATE}")
        return f"signed by {signer.subject_text} ({_scheme(check)})"

    signed = _attempt(report, "manifest signature", manifest_signature)

    def timestamp() -> str:
        tsa = load(TSA_CERTIFICATE)
        info = verify_token(members[TIMESTAMP], certificates=[tsa])
        if info.tsa_certificate != tsa:
            raise ValueError(
                f"issued by {info.tsa_certificate.subject_text}, not {TSA_CERTIFICATE}"
            )
        _token_profile(members[TIMESTAMP], load(CA_CERTIFICATE), tsa)
        report.timestamp = info.gen_time
        return f"{info.gen_time.isoformat()} by {tsa.subject_text}"

    stamped = _attempt(report, "timestamp", timestamp)
    if stamped and signed:
        token = verify_token(members[TIMESTAMP], certificates=[certs[TSA_CERTIFICATE]])
        expected = hashlib.new(token.hash_algorithm, members[SIGNATURE]).digest()
        if token.message_imprint != expected:
            at = next(n for n, c in enumerate(report.checks) if c.name == "manifest signature")
            report.checks[at] = Check(
                "manifest signature", False, "its bytes are not the ones the timestamp covers"
            )
    _attempt(report, "certificate chain", lambda: _chain(report, members, certs))
    # An unsigned manifest vouches for nothing, and the report fails whatever follows; the
    # checks below still run, so that the member that was changed is named too.
    try:
        manifest = json.loads(members[MANIFEST])
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} manifest")
        report.manifest = manifest
        listed = {m["name"]: m for m in manifest["members"]}
    except (ValueError, KeyError, TypeError) as exc:
        report.add("manifest", False, f"unreadable ({exc})")
        return report
    parts: list[tuple[str, Callable[[], None]]] = [
        ("manifest", lambda: _members(report, digests, listed)),
        (AUDIT_ENTRIES, lambda: _audit(report, members, manifest.get("audit_head"))),
        ("manifest", lambda: _acts(report, members, manifest.get("signatures", []))),
        (DRAW, lambda: _draw(report, members)),
    ]
    for name, part in parts:
        try:
            part()
        except Exception as exc:  # a malformed manifest or member: named, never a crash
            report.add(name, False, f"malformed ({type(exc).__name__}: {exc})")
    return report


def _draw(report: Report, members: dict[str, bytes]) -> None:
    """Replay the expert draw from its revealed seed (:func:`prex.experts.draw.replay`): the
    committee recorded is the one the committed seed draws from the recorded pool."""
    body = members.get(DRAW)
    if body is None:
        return

    def replayed() -> str:
        draw = json.loads(body)
        record = draw.get("record") or {}
        if "seed" not in record:
            return "the seed was not revealed before the archive was built: not replayed"
        replay(record)
        return f"replayed from the seed committed as {record['seed_sha256'][:16]}…"

    _attempt(report, "expert draw", replayed)


def _token_profile(token: bytes, ca: Certificate, tsa: Certificate) -> None:
    """Hold the token to the platform TSA's own profile, so that no byte of it goes unchecked:
    a CMS wrapper's unsigned parts (the outer digest algorithms, the certificates carried, the
    unsigned attributes) could otherwise change without the signature noticing."""
    info = cms.ContentInfo.load(token, strict=True)
    signed = info["content"]
    signer = signed["signer_infos"][0]
    carried = [bytes(c.chosen.dump()) for c in (signed["certificates"] or [])]
    if tsa.der not in carried or not set(carried) <= {tsa.der, ca.der}:
        raise ValueError("the token does not carry exactly the included TSA's certificates")
    if not isinstance(signed["crls"], core.Void):
        raise ValueError("the token carries revocation lists, which the platform TSA never adds")
    outer = [a["algorithm"].dotted for a in signed["digest_algorithms"]]
    if outer != [signer["digest_algorithm"]["algorithm"].dotted]:
        raise ValueError("the token's digest algorithms are not its signer's")
    for algorithm in (*signed["digest_algorithms"], signer["digest_algorithm"]):
        parameters = algorithm["parameters"]
        if not isinstance(parameters, core.Void) and bytes(parameters.dump()) != b"\x05\x00":
            raise ValueError("the token's digest algorithm has parameters (only NULL is used)")
    if (
        signed["version"].native != "v3"
        or signer["version"].native != "v1"
        or not isinstance(signer["unsigned_attrs"], core.Void)
    ):
        raise ValueError("the token is not in the platform TSA's profile")
    _strict_der(token, 0, len(token), top=True)


def _strict_der(data: bytes, start: int, end: int, *, top: bool = False) -> None:
    """Refuse BER's freedoms in ``data[start:end]`` (long or indefinite lengths, a BOOLEAN or
    NULL or INTEGER spelled another way, trailing bytes): in DER every value has one encoding,
    so a byte changed where no signature reaches cannot leave the token meaning the same."""
    at = start
    while at < end:
        tag = data[at]
        if tag & 0x1F == 0x1F or at + 1 >= end:
            raise ValueError("the token is not in distinguished encoding (tag)")
        first, at = data[at + 1], at + 2
        length = first
        if first >= 0x80:
            size = first & 0x7F
            if size == 0 or size > 4 or at + size > end or data[at] == 0:
                raise ValueError("the token is not in distinguished encoding (length)")
            length = int.from_bytes(data[at : at + size], "big")
            if length < 0x80:
                raise ValueError("the token is not in distinguished encoding (length)")
            at += size
        if at + length > end:
            raise ValueError("the token is not in distinguished encoding (overrun)")
        content = data[at : at + length]
        if tag & 0x20:
            _strict_der(data, at, at + length)
        elif tag == 0x01 and content not in (b"\x00", b"\xff"):
            raise ValueError("the token is not in distinguished encoding (BOOLEAN)")
        elif tag == 0x05 and length:
            raise ValueError("the token is not in distinguished encoding (NULL)")
        elif (
            tag == 0x02
            and length > 1
            and content[0] in (0, 0xFF)
            and (content[1] < 0x80) == (content[0] == 0)
        ):
            raise ValueError("the token is not in distinguished encoding (INTEGER)")
        at += length
        if top and at != end:
            raise ValueError("the token has bytes after its end")


def _chain(report: Report, members: dict[str, bytes], certs: dict[str, Certificate]) -> str:
    ca = parse_certificate(members[CA_CERTIFICATE])
    if not (ca.self_issued and ca.basic_constraints.ca):
        raise ValueError(f"{CA_CERTIFICATE} is not a self-signed CA certificate")
    if not ca.public_key.verify(ca.signature_scheme, ca.signature, ca.tbs):
        raise ValueError(f"{CA_CERTIFICATE} does not verify with its own key")
    at = report.timestamp
    for name in (SIGNING_CERTIFICATE, TSA_CERTIFICATE):
        cert = certs.get(name) or parse_certificate(members[name])
        if cert.issuer_der != ca.subject_der or not ca.public_key.verify(
            cert.signature_scheme, cert.signature, cert.tbs
        ):
            raise ValueError(f"{name} was not issued by {CA_CERTIFICATE}")
        if at is not None and not cert.not_before <= at <= cert.not_after:
            raise ValueError(f"{name} was not valid at the timestamp's time {at.isoformat()}")
    return f"{CA_CERTIFICATE} → {SIGNING_CERTIFICATE}, {TSA_CERTIFICATE}"


def _members(report: Report, digests: dict[str, tuple[str, int]], listed: dict[str, Any]) -> None:
    for name in sorted(set(digests) | set(listed)):
        if name in UNLISTED:
            continue
        if name not in listed:
            report.add(name, False, "extra: the manifest does not list it")
        elif name not in digests:
            report.add(name, False, "missing: the manifest lists it")
        else:
            (digest, size), entry = digests[name], listed[name]
            if size != entry["size"]:
                report.add(name, False, f"{size} bytes, the manifest says {entry['size']}")
            elif digest != entry["sha256"]:
                report.add(name, False, f"SHA-256 {digest}, the manifest says {entry['sha256']}")
            else:
                report.add(name, True, f"SHA-256 {digest[:16]}…, {size} bytes")


def _audit(report: Report, members: dict[str, bytes], head: dict[str, Any] | None) -> None:
    if AUDIT_ENTRIES not in members:
        return
    try:
        entries = json.loads(members[AUDIT_ENTRIES])
    except ValueError as exc:
        report.add(AUDIT_ENTRIES, False, f"unreadable ({exc})")
        return
    previous: dict[str, Any] | None = None
    linked = 0
    for n, entry in enumerate(entries):
        seq = entry.get("seq") if isinstance(entry, dict) else None
        name = f"audit entry {seq if seq is not None else f'#{n + 1}'}"
        try:
            if previous is not None and seq <= previous["seq"]:
                report.add(name, False, f"out of order after entry {previous['seq']}")
            elif head is not None and seq > head["seq"]:
                report.add(name, False, f"after the chain's head ({head['seq']}) when built")
            elif digest_of(entry["payload"]) != entry["digest"]:
                report.add(name, False, "its payload does not match its digest")
            elif _hash(entry) != entry["hash"]:
                report.add(name, False, "its fields do not match its hash")
            elif (
                previous is not None
                and seq == previous["seq"] + 1
                and entry["prev_hash"] != previous["hash"]
            ):
                report.add(name, False, f"its prev_hash is not entry {previous['seq']}'s hash")
            else:
                if previous is not None and seq == previous["seq"] + 1:
                    linked += 1
                previous = entry
                continue
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            report.add(name, False, f"malformed ({exc})")
        return
    report.add(
        "audit entries",
        True,
        f"{len(entries)} entries recompute; {linked} links between neighbours checked",
    )


def _scheme(check: SignatureCheck) -> str:
    return f"{check.scheme.family}-{check.scheme.hash}"


def _hash(entry: dict[str, Any]) -> str:
    return entry_hash(
        seq=entry["seq"],
        at=datetime.fromisoformat(entry["at"]),
        actor_id=entry["actor_id"],
        actor_label=entry["actor_label"],
        address=entry["address"],
        action=entry["action"],
        object_type=entry["object_type"],
        object_id=entry["object_id"],
        digest=entry["digest"],
        prev_hash=entry["prev_hash"],
    )


def _acts(report: Report, members: dict[str, bytes], checks: list[dict[str, str]]) -> None:
    for item in checks:
        content = members.get(item.get("content", ""))
        if "signature" in item:
            name = item["signature"]

            def signature(content: bytes | None = content, name: str = name) -> str:
                if content is None or name not in members:
                    raise ValueError("the signature or the member it signs is missing")
                check = verify_detached(content, members[name])
                return f"signed by {check.signer.subject_text} ({_scheme(check)})"

            _attempt(report, name, signature)
        elif "timestamp" in item:
            name = item["timestamp"]

            def token(content: bytes | None = content, name: str = name) -> str:
                if content is None or name not in members:
                    raise ValueError("the token or the member it stamps is missing")
                info = verify_token(members[name], data=content)
                return f"{info.gen_time.isoformat()} by {info.tsa_certificate.subject_text}"

            _attempt(report, name, token)
