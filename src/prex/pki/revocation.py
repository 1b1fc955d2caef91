"""Is a certificate revoked? CRLs from distribution points (cached, refreshed, importable
offline) first, then OCSP where the certificate names a responder.

A listed serial counts as revoked whatever its revocation date, as OpenSSL does: the platform
cannot know which of the holder's acts before that date were genuine. Freshness is judged
against the platform's clock (``now``), not the validation time, because revocation
information is always the latest we can get.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

import httpx
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from prex.pki.certs import PARSE_ERRORS, Certificate, load_certificate
from prex.pki.keys import Scheme, scheme_for
from prex.shared.errors import InvalidInput

MAX_CRL_BYTES = 20 * 1024 * 1024
MAX_OCSP_BYTES = 64 * 1024
CLOCK_SKEW = timedelta(minutes=5)
#: How long an OCSP answer without nextUpdate stays usable.
OCSP_DEFAULT_LIFETIME = timedelta(hours=1)
_OCSP_SIGNING = "1.3.6.1.5.5.7.3.9"


class BadCrl(InvalidInput):
    slug = "bad-crl"


@dataclass(frozen=True)
class ParsedCrl:
    der: bytes
    issuer_der: bytes
    authority_key_id: bytes | None
    this_update: datetime
    next_update: datetime | None
    number: int | None
    revoked: frozenset[int]
    tbs: bytes
    signature: bytes
    scheme: Scheme

    def fresh_at(self, now: datetime) -> bool:
        return self.next_update is None or self.next_update + CLOCK_SKEW >= now


def parse_crl(data: bytes) -> ParsedCrl:
    """A CRL in DER or PEM, structurally checked; its signature is checked by :func:`verify_crl`."""
    if len(data) > MAX_CRL_BYTES:
        raise BadCrl(f"a CRL of {len(data)} bytes exceeds the {MAX_CRL_BYTES // 2**20} MiB limit")
    der = data
    if data.lstrip().startswith(b"-----BEGIN"):
        try:
            _, _, der = pem.unarmor(data.strip())
        except ValueError as exc:
            raise BadCrl("the CRL's PEM text is malformed") from exc
    try:
        crl = x509.load_der_x509_crl(der)
        revoked = frozenset(int(entry.serial_number) for entry in crl)
        algorithm = asn1_crl.CertificateList.load(der)["signature_algorithm"]
        scheme = scheme_for(algorithm["algorithm"].dotted, algorithm["parameters"])
        number_ext = _optional_ext(crl, x509.CRLNumber)
        aki = _optional_ext(crl, x509.AuthorityKeyIdentifier)
        if _optional_ext(crl, x509.DeltaCRLIndicator) is not None:
            raise BadCrl("delta CRLs are not supported; import the full CRL")
        return ParsedCrl(
            der=bytes(der),
            issuer_der=crl.issuer.public_bytes(),
            authority_key_id=None
            if aki is None or aki.key_identifier is None
            else bytes(aki.key_identifier),
            this_update=crl.last_update_utc,
            next_update=crl.next_update_utc,
            number=None if number_ext is None else int(number_ext.crl_number),
            revoked=revoked,
            tbs=bytes(crl.tbs_certlist_bytes),
            signature=bytes(crl.signature),
            scheme=scheme,
        )
    except BadCrl:
        raise
    except (InvalidInput, *PARSE_ERRORS) as exc:  # type: ignore[misc]
        raise BadCrl(f"not a valid CRL ({str(exc).splitlines()[0][:160]})") from exc


_E = TypeVar("_E", bound=x509.ExtensionType)


def _optional_ext(crl: x509.CertificateRevocationList, kind: type[_E]) -> _E | None:
    try:
        return crl.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def verify_crl(crl: ParsedCrl, ca: Certificate) -> None:
    """Refuse a CRL that its supposed issuer did not sign."""
    if crl.issuer_der != ca.subject_der:
        raise BadCrl(f"the CRL was issued by someone other than {ca.subject_text}")
    usage = ca.key_usage
    if usage is not None and "crl_sign" not in usage:
        raise BadCrl(f"{ca.subject_text} may not sign CRLs (no cRLSign key usage)")
    if not ca.public_key.verify(crl.scheme, crl.signature, crl.tbs):
        raise BadCrl(f"the CRL's signature does not verify with {ca.subject_text}'s key")


class CrlStore(Protocol):
    """Where CRLs are kept between fetches (memory backed by the database)."""

    def get(self, ca_fingerprint: str) -> ParsedCrl | None: ...

    def put(self, ca_fingerprint: str, crl: ParsedCrl, source: str, url: str | None) -> None: ...


@dataclass
class MemoryCrlStore:
    """A process-local store; the service layer wraps it with database persistence."""

    crls: dict[str, ParsedCrl] = field(default_factory=dict)

    def get(self, ca_fingerprint: str) -> ParsedCrl | None:
        return self.crls.get(ca_fingerprint)

    def put(self, ca_fingerprint: str, crl: ParsedCrl, source: str, url: str | None) -> None:
        current = self.crls.get(ca_fingerprint)
        if current is None or newer(crl, current):
            self.crls[ca_fingerprint] = crl


def newer(candidate: ParsedCrl, current: ParsedCrl) -> bool:
    if candidate.number is not None and current.number is not None:
        return candidate.number > current.number
    return candidate.this_update > current.this_update


Fetch = Callable[[str, bytes | None, int], bytes]


def http_fetch(timeout: float) -> Fetch:
    """GET (or POST an OCSP request to) ``url``; refuses answers larger than ``limit`` bytes."""

    def fetch(url: str, body: bytes | None, limit: int) -> bytes:
        if not url.lower().startswith(("http://", "https://")):
            raise OSError(f"only http(s) URLs are fetched, not {url}")
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            request = (
                client.build_request("GET", url)
                if body is None
                else client.build_request(
                    "POST", url, content=body, headers={"Content-Type": "application/ocsp-request"}
                )
            )
            response = client.send(request, stream=True)
            try:
                if response.status_code != 200:
                    raise OSError(f"{url} answered HTTP {response.status_code}")
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise OSError(f"{url} sent more than {limit} bytes")
                    chunks.append(chunk)
                return b"".join(chunks)
            finally:
                response.close()

    return fetch


@dataclass(frozen=True)
class RevocationResult:
    state: str  # good | revoked | unknown
    source: str  # crl | ocsp | none
    message: str


class RevocationChecker:
    """CRL first (cached; fetched from the distribution point when stale), then OCSP."""

    def __init__(self, store: CrlStore, fetch: Fetch, *, retry_after: float = 60.0) -> None:
        self.store = store
        self._fetch = fetch
        self.retry_after = retry_after
        self._ocsp_cache: dict[tuple[str, str], tuple[datetime, RevocationResult]] = {}
        self._unreachable: dict[str, tuple[float, str]] = {}  # url → (since, why)
        self._lock = threading.Lock()

    def fetch(self, url: str, body: bytes | None, limit: int) -> bytes:
        """Fetch, but do not wait again on a URL that just failed: while a CA's server is down,
        every login would otherwise spend the whole timeout on it."""
        with self._lock:
            failed = self._unreachable.get(url)
        if failed is not None and time.monotonic() - failed[0] < self.retry_after:
            raise OSError(f"{failed[1]} (not retried for {self.retry_after:.0f} s)")
        try:
            data = self._fetch(url, body, limit)
        except (OSError, httpx.HTTPError) as exc:
            with self._lock:
                self._unreachable[url] = (time.monotonic(), str(exc)[:200])
            raise
        with self._lock:
            self._unreachable.pop(url, None)
        return data

    def check(self, cert: Certificate, issuer: Certificate, now: datetime) -> RevocationResult:
        if cert.ocsp_no_check:
            return RevocationResult("good", "none", "OCSP responder certificate (ocsp-nocheck)")
        problems: list[str] = []
        # A certificate that names only an OCSP responder is asked there first: a cached CRL
        # of its issuer may be older than the responder's answer.
        ocsp_first = bool(cert.ocsp_urls) and not cert.crl_urls
        crl = None if ocsp_first else self._crl_for(cert, issuer, now, problems)
        if crl is None:
            for url in cert.ocsp_urls:
                try:
                    return self._ocsp(cert, issuer, url, now)
                except (OSError, httpx.HTTPError, InvalidInput) as exc:
                    problems.append(f"OCSP {url}: {exc}")
            if ocsp_first:
                crl = self._crl_for(cert, issuer, now, problems)
        if crl is not None:
            if cert.serial in crl.revoked:
                return RevocationResult(
                    "revoked", "crl", f"serial {cert.serial:X} is on {issuer.common_name}'s CRL"
                )
            return RevocationResult("good", "crl", "not on the CRL")
        if not cert.crl_urls and not cert.ocsp_urls and not problems:
            problems.append("the certificate names no CRL distribution point or OCSP responder")
        return RevocationResult("unknown", "none", "; ".join(problems))

    def _crl_for(
        self, cert: Certificate, issuer: Certificate, now: datetime, problems: list[str]
    ) -> ParsedCrl | None:
        cached = self.store.get(issuer.fingerprint)
        if cached is not None and cached.fresh_at(now):
            return cached
        for url in cert.crl_urls:
            try:
                crl = parse_crl(self.fetch(url, None, MAX_CRL_BYTES))
                verify_crl(crl, issuer)
            except (OSError, httpx.HTTPError, InvalidInput) as exc:
                problems.append(f"CRL {url}: {exc}")
                continue
            if not crl.fresh_at(now):
                problems.append(f"CRL {url} is out of date (next update {crl.next_update})")
                continue
            self.store.put(issuer.fingerprint, crl, "fetched", url)
            return crl
        if cached is not None:
            problems.append(f"the cached CRL of {issuer.common_name} expired {cached.next_update}")
        return None

    def _ocsp(
        self, cert: Certificate, issuer: Certificate, url: str, now: datetime
    ) -> RevocationResult:
        key = (cert.fingerprint, url)
        with self._lock:
            cached = self._ocsp_cache.get(key)
        if cached is not None and cached[0] >= now:
            return cached[1]
        nonce = secrets.token_bytes(16)
        request = _ocsp_request(cert, issuer, nonce)
        response = self.fetch(url, request, MAX_OCSP_BYTES)
        result, valid_until = _read_ocsp(response, cert, issuer, nonce, now)
        with self._lock:
            self._ocsp_cache[key] = (valid_until, result)
        return result


def _issuer_hashes(issuer: Certificate) -> tuple[bytes, bytes]:
    name_hash = hashes.Hash(hashes.SHA1())
    name_hash.update(issuer.subject_der)
    key_bits = asn1_x509.Certificate.load(issuer.der)["tbs_certificate"]["subject_public_key_info"][
        "public_key"
    ].contents[1:]
    key_hash = hashes.Hash(hashes.SHA1())
    key_hash.update(bytes(key_bits))
    return name_hash.finalize(), key_hash.finalize()


def _ocsp_request(cert: Certificate, issuer: Certificate, nonce: bytes) -> bytes:
    name_hash, key_hash = _issuer_hashes(issuer)
    builder = (
        ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(name_hash, key_hash, cert.serial, hashes.SHA1())
        .add_extension(x509.OCSPNonce(nonce), critical=False)
    )
    return bytes(builder.build().public_bytes(serialization.Encoding.DER))


def _read_ocsp(
    data: bytes, cert: Certificate, issuer: Certificate, nonce: bytes, now: datetime
) -> tuple[RevocationResult, datetime]:
    """The responder's verdict; any malformed answer is an :class:`InvalidInput`."""
    try:
        return _read_ocsp_checked(data, cert, issuer, nonce, now)
    except InvalidInput:
        raise
    except PARSE_ERRORS as exc:
        raise InvalidInput(f"the OCSP answer is malformed ({str(exc)[:160]})") from exc


def _read_ocsp_checked(
    data: bytes, cert: Certificate, issuer: Certificate, nonce: bytes, now: datetime
) -> tuple[RevocationResult, datetime]:
    try:
        response = ocsp.load_der_ocsp_response(data)
    except ValueError as exc:
        raise InvalidInput(f"the OCSP answer is malformed ({exc})") from exc
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise InvalidInput(f"the OCSP responder answered {response.response_status.name}")
    _check_ocsp_signature(data, response, issuer, now)
    try:
        echoed = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        if echoed != nonce:
            raise InvalidInput("the OCSP answer echoes a different nonce (a replay?)")
    except x509.ExtensionNotFound:
        pass
    name_hash, key_hash = _issuer_hashes(issuer)
    for single in response.responses:
        if (
            single.serial_number == cert.serial
            and single.issuer_name_hash == name_hash
            and single.issuer_key_hash == key_hash
        ):
            break
    else:
        raise InvalidInput("the OCSP answer does not cover this certificate")
    this_update = single.this_update_utc
    next_update = single.next_update_utc or this_update + OCSP_DEFAULT_LIFETIME
    if this_update > now + CLOCK_SKEW:
        raise InvalidInput(f"the OCSP answer is dated in the future ({this_update})")
    if next_update + CLOCK_SKEW < now:
        raise InvalidInput(f"the OCSP answer is out of date (next update {next_update})")
    status = single.certificate_status
    if status == ocsp.OCSPCertStatus.REVOKED:
        result = RevocationResult(
            "revoked", "ocsp", f"the OCSP responder says serial {cert.serial:X} is revoked"
        )
    elif status == ocsp.OCSPCertStatus.GOOD:
        result = RevocationResult("good", "ocsp", "the OCSP responder says good")
    else:
        result = RevocationResult("unknown", "ocsp", "the OCSP responder does not know it")
    return result, min(next_update, now + OCSP_DEFAULT_LIFETIME)


def _check_ocsp_signature(
    data: bytes, response: ocsp.OCSPResponse, issuer: Certificate, now: datetime
) -> None:
    """The answer must be signed by the issuer or by a responder the issuer delegated to."""
    basic = asn1_ocsp.OCSPResponse.load(data)["response_bytes"]["response"].parsed
    algorithm = basic["signature_algorithm"]
    scheme = scheme_for(algorithm["algorithm"].dotted, algorithm["parameters"])
    tbs = bytes(basic["tbs_response_data"].dump())
    signature = bytes(basic["signature"].native)
    if issuer.public_key.verify(scheme, signature, tbs):
        return
    for embedded in response.certificates:
        responder = load_certificate(embedded.public_bytes(serialization.Encoding.DER))
        delegated = (
            responder.issuer_der == issuer.subject_der
            and responder.not_before <= now + CLOCK_SKEW
            and now <= responder.not_after
            and responder.extended_key_usage is not None
            and _OCSP_SIGNING in responder.extended_key_usage
            and issuer.public_key.verify(
                responder.signature_scheme, responder.signature, responder.tbs
            )
        )
        if delegated and responder.public_key.verify(scheme, signature, tbs):
            return
    raise InvalidInput("the OCSP answer is not signed by the issuer or its delegated responder")
