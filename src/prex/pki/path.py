"""Certificate path validation (RFC 5280 §6, the parts a public resource exchange needs).

One validator for RSA, ECDSA and SM2: the signature check is the only algorithm-specific step
and lives behind :meth:`PublicKey.verify`. Why our own rather than a library's is in
``docs/decisions/0005-one-path-validator.md``.

A path is built from the end-entity certificate up through presented intermediates and
trust-list entries to a trusted self-signed root, depth-first, refusing loops and chains
longer than ``max_chain``. The first complete path is then checked top-down: validity at the
given time, CA flags, path length, key usage, unknown critical extensions, trust-list status
and purposes, and revocation of every certificate below the root. Each refusal carries one
:class:`Reason`, so the operator and the bidder see why, not just "invalid".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from prex.pki.certs import Certificate
from prex.pki.keys import WEAK_HASHES
from prex.pki.revocation import RevocationChecker
from prex.pki.trust import CaStatus, Purpose, TrustedCa, TrustList
from prex.shared.errors import DomainError

DEFAULT_MAX_CHAIN = 6  # end entity + up to 4 intermediates + root
#: Signature checks one path search may make: a real chain needs a handful.
MAX_SIGNATURE_CHECKS = 64

# Extended key usages accepted for each purpose when the certificate restricts them.
_ANY_EKU = "2.5.29.37.0"
_EKU_FOR = {
    Purpose.LOGIN: frozenset({_ANY_EKU, "1.3.6.1.5.5.7.3.2"}),  # clientAuth
    Purpose.SIGNING: frozenset(
        {
            _ANY_EKU,
            "1.3.6.1.5.5.7.3.2",  # clientAuth: many Chinese CAs issue one key for both
            "1.3.6.1.5.5.7.3.4",  # emailProtection (S/MIME, CMS)
            "1.3.6.1.5.5.7.3.36",  # documentSigning (RFC 9336)
        }
    ),
    Purpose.ENCRYPTION: frozenset({_ANY_EKU, "1.3.6.1.5.5.7.3.4", "1.3.6.1.5.5.7.3.2"}),
}
_KU_FOR = {
    Purpose.LOGIN: frozenset({"digital_signature"}),
    Purpose.SIGNING: frozenset({"digital_signature", "content_commitment"}),
    Purpose.ENCRYPTION: frozenset({"key_encipherment", "key_agreement", "data_encipherment"}),
}


class Reason(StrEnum):
    UNTRUSTED = "untrusted-issuer"
    BAD_SIGNATURE = "bad-signature"
    LOOP = "chain-loop"
    TOO_LONG = "chain-too-long"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    NOT_A_CA = "issuer-not-a-ca"
    PATH_LENGTH = "path-length-exceeded"
    KEY_USAGE = "wrong-key-usage"
    CRITICAL_EXTENSION = "unknown-critical-extension"
    WEAK_ALGORITHM = "weak-algorithm"
    CA_SUSPENDED = "ca-suspended"
    CA_WITHDRAWN = "ca-withdrawn"
    PURPOSE = "ca-not-trusted-for-purpose"
    REVOKED = "revoked"
    REVOCATION_UNKNOWN = "revocation-unavailable"


class CertificateRefused(DomainError):
    """A certificate the platform does not accept, with the reason as a stable code."""

    slug = "certificate-refused"
    status = 422

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message, reason=reason.value)
        self.reason = reason


@dataclass(frozen=True)
class ValidatedPath:
    """A trusted path: ``chain`` runs from the end entity to the root."""

    chain: tuple[Certificate, ...]
    anchor: TrustedCa
    issuing_ca: TrustedCa  # nearest trust-list entry above the end entity: its profile applies
    revocation: tuple[str, ...]  # how each non-root certificate was checked: crl | ocsp | none

    @property
    def end_entity(self) -> Certificate:
        return self.chain[0]


@dataclass
class _Search:
    """One path search: what failed, and every signature checked so far (a presented bundle
    of look-alike intermediates could otherwise make the search re-check the same pairs
    exponentially often)."""

    failures: list[tuple[Reason, str]] = field(default_factory=list)
    checked: dict[tuple[str, str], bool] = field(default_factory=dict)


# Reasons of a failed path search, most telling first.
_SEARCH_PRIORITY = (Reason.LOOP, Reason.TOO_LONG, Reason.BAD_SIGNATURE, Reason.UNTRUSTED)


class PathValidator:
    """Validates against one trust-list snapshot; cheap to create per request."""

    def __init__(
        self,
        trust: TrustList,
        revocation: RevocationChecker,
        *,
        refuse_unknown_revocation: bool = True,
        max_chain: int = DEFAULT_MAX_CHAIN,
        signature_cache: dict[tuple[str, str], bool] | None = None,
    ) -> None:
        self.trust = trust
        self.revocation = revocation
        self.refuse_unknown_revocation = refuse_unknown_revocation
        self.max_chain = max_chain
        # Verified (child, issuer) pairs among trust-list certificates: they never change.
        self._signatures = signature_cache if signature_cache is not None else {}

    def validate(
        self,
        certificate: Certificate,
        *,
        purpose: Purpose,
        now: datetime,
        at: datetime | None = None,
        intermediates: Sequence[Certificate] = (),
    ) -> ValidatedPath:
        """The validated path, or :class:`CertificateRefused` with the reason."""
        at = at or now
        chain = self._build(certificate, intermediates)
        self._check_chain(chain, purpose, at)
        anchor, issuing = self._check_trust_entries(chain, purpose)
        revocation = self._check_revocation(chain, now)
        return ValidatedPath(tuple(chain), anchor, issuing, revocation)

    # -- path building ---------------------------------------------------------------------

    def _build(self, leaf: Certificate, intermediates: Sequence[Certificate]) -> list[Certificate]:
        pool: dict[bytes, list[Certificate]] = {}
        for cert in intermediates:
            pool.setdefault(cert.subject_der, []).append(cert)
        search = _Search()
        chain = self._extend([leaf], pool, search)
        if chain is not None:
            return chain
        for reason in _SEARCH_PRIORITY:
            for found, message in search.failures:
                if found is reason:
                    raise CertificateRefused(reason, message)
        raise CertificateRefused(
            Reason.UNTRUSTED,
            f"no CA on the trust list issued '{leaf.common_name}' (issuer: {leaf.issuer_text})",
        )

    def _extend(
        self, path: list[Certificate], pool: dict[bytes, list[Certificate]], search: _Search
    ) -> list[Certificate] | None:
        current = path[-1]
        listed = self.trust.entry_for(current) is not None
        if listed and current.self_issued and self._signed_by(current, current, search):
            return path
        candidates = [e.certificate for e in self.trust.issuers_named(current.issuer_der)]
        candidates += [c for c in pool.get(current.issuer_der, []) if c not in candidates]
        candidates = [c for c in candidates if c != current]
        if not candidates:
            if listed and len(path) > 1:
                return path  # a listed intermediate whose root is not listed is an anchor
            search.failures.append(
                (
                    Reason.UNTRUSTED,
                    f"no CA on the trust list issued '{current.common_name}' "
                    f"(issuer: {current.issuer_text})",
                )
            )
            return None
        for issuer in candidates:
            if issuer in path:
                search.failures.append(
                    (Reason.LOOP, f"the chain loops back to '{issuer.common_name}'")
                )
                continue
            if len(path) >= self.max_chain:
                search.failures.append(
                    (
                        Reason.TOO_LONG,
                        f"the chain is longer than {self.max_chain} certificates",
                    )
                )
                return None
            if not _key_ids_match(current, issuer):
                continue
            if not self._signed_by(current, issuer, search):
                search.failures.append(
                    (
                        Reason.BAD_SIGNATURE,
                        f"the signature on '{current.common_name}' does not verify with the key "
                        f"of '{issuer.common_name}'",
                    )
                )
                continue
            found = self._extend([*path, issuer], pool, search)
            if found is not None:
                return found
        return None

    def _signed_by(self, child: Certificate, issuer: Certificate, search: _Search) -> bool:
        key = (child.fingerprint, issuer.fingerprint)
        if key in search.checked:
            return search.checked[key]
        cacheable = self.trust.entry_for(child) is not None
        if cacheable and key in self._signatures:
            return self._signatures[key]
        if len(search.checked) >= MAX_SIGNATURE_CHECKS:
            raise CertificateRefused(
                Reason.TOO_LONG,
                f"more than {MAX_SIGNATURE_CHECKS} candidate signatures; present only the chain",
            )
        try:
            ok = issuer.public_key.verify(child.signature_scheme, child.signature, child.tbs)
        except DomainError:
            ok = False
        search.checked[key] = ok
        if cacheable:
            self._signatures[key] = ok
        return ok

    # -- checks on a complete path ----------------------------------------------------------

    def _check_chain(self, chain: list[Certificate], purpose: Purpose, at: datetime) -> None:
        for cert in chain:
            role = _Role(cert, cert is chain[0])
            if at < cert.not_before:
                raise CertificateRefused(
                    Reason.NOT_YET_VALID,
                    f"{role} is not valid before {cert.not_before:%Y-%m-%d %H:%M} UTC",
                )
            if at > cert.not_after:
                raise CertificateRefused(
                    Reason.EXPIRED, f"{role} expired on {cert.not_after:%Y-%m-%d %H:%M} UTC"
                )
            if cert.unknown_critical_extensions:
                raise CertificateRefused(
                    Reason.CRITICAL_EXTENSION,
                    f"{role} has critical extensions this platform does not understand: "
                    f"{', '.join(cert.unknown_critical_extensions)}",
                )
            if cert is not chain[-1] and cert.signature_scheme.hash in WEAK_HASHES:
                raise CertificateRefused(
                    Reason.WEAK_ALGORITHM,
                    f"{role} is signed with {cert.signature_scheme.hash.upper()}, which is refused",
                )
        below = 0  # non-self-issued CA certificates between this CA and the end entity
        for index in range(1, len(chain)):
            ca = chain[index]
            constraints = ca.basic_constraints
            if not constraints.ca:
                raise CertificateRefused(
                    Reason.NOT_A_CA,
                    f"'{ca.common_name}' issued '{chain[index - 1].common_name}' but is not a CA",
                )
            if ca.key_usage is not None and "key_cert_sign" not in ca.key_usage:
                raise CertificateRefused(
                    Reason.NOT_A_CA, f"'{ca.common_name}' may not sign certificates (keyCertSign)"
                )
            if constraints.path_length is not None and below > constraints.path_length:
                raise CertificateRefused(
                    Reason.PATH_LENGTH,
                    f"'{ca.common_name}' allows {constraints.path_length} CA(s) below it, "
                    f"the chain has {below}",
                )
            if index > 0 and not ca.self_issued:
                below += 1
        _check_end_entity_usage(chain[0], purpose)

    def _check_trust_entries(
        self, chain: list[Certificate], purpose: Purpose
    ) -> tuple[TrustedCa, TrustedCa]:
        listed = [e for e in (self.trust.entry_for(c) for c in chain[1:]) if e is not None]
        for entry in listed:
            name = entry.certificate.common_name
            if entry.status is CaStatus.SUSPENDED:
                raise CertificateRefused(
                    Reason.CA_SUSPENDED,
                    f"CA '{name}' is suspended from mutual recognition"
                    + (f": {entry.status_reason}" if entry.status_reason else ""),
                )
            if entry.status is CaStatus.WITHDRAWN:
                raise CertificateRefused(
                    Reason.CA_WITHDRAWN, f"CA '{name}' has been withdrawn from the trust list"
                )
            if purpose not in entry.purposes:
                raise CertificateRefused(
                    Reason.PURPOSE, f"CA '{name}' is not trusted for {purpose.value}"
                )
        return listed[-1], listed[0]

    def _check_revocation(self, chain: list[Certificate], now: datetime) -> tuple[str, ...]:
        sources: list[str] = []
        for index in range(len(chain) - 2, -1, -1):  # top-down, the root excluded
            cert, issuer = chain[index], chain[index + 1]
            result = self.revocation.check(cert, issuer, now)
            role = _Role(cert, index == 0)
            if result.state == "revoked":
                raise CertificateRefused(Reason.REVOKED, f"{role} is revoked: {result.message}")
            if result.state == "unknown" and self.refuse_unknown_revocation:
                raise CertificateRefused(
                    Reason.REVOCATION_UNKNOWN,
                    f"the revocation status of {role} cannot be checked: {result.message}",
                )
            sources.append(result.source)
        return tuple(reversed(sources))


class _Role:
    """How a message names a certificate; formatted only when a refusal is raised."""

    __slots__ = ("cert", "end_entity")

    def __init__(self, cert: Certificate, end_entity: bool) -> None:
        self.cert, self.end_entity = cert, end_entity

    def __str__(self) -> str:
        return "the certificate" if self.end_entity else f"CA '{self.cert.common_name}'"


def _key_ids_match(child: Certificate, issuer: Certificate) -> bool:
    aki, ski = child.authority_key_id, issuer.subject_key_id
    return aki is None or ski is None or aki == ski


def _check_end_entity_usage(cert: Certificate, purpose: Purpose) -> None:
    usage = cert.key_usage
    if usage is not None and not usage & _KU_FOR[purpose]:
        raise CertificateRefused(
            Reason.KEY_USAGE,
            f"the certificate's key usage ({', '.join(sorted(usage)) or 'none'}) does not allow "
            f"{purpose.value}",
        )
    extended = cert.extended_key_usage
    if extended is not None and not extended & _EKU_FOR[purpose]:
        raise CertificateRefused(
            Reason.KEY_USAGE,
            f"the certificate's extended key usage does not allow {purpose.value}",
        )
