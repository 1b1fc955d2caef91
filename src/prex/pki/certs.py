"""Parsing certificates from whatever an operator or a bidder hands us.

PEM, DER and PKCS#7 (``.p7b``) bundles are accepted; everything else — truncated DER, garbage,
a megabyte "certificate", a malformed extension — becomes one :class:`BadCertificate` with a
sentence saying what is wrong, never a library traceback. Parsing goes through ``cryptography``
(fast, strict DER); SM2 keys, which it cannot load, are read through asn1crypto.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from asn1crypto import cms, pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID, NameOID

from prex.pki import oids
from prex.pki.keys import PublicKey, Scheme, scheme_for
from prex.shared.errors import InvalidInput

#: Real certificates are 1–3 KiB; a CA's with long policies rarely reaches 10 KiB.
MAX_CERTIFICATE_BYTES = 64 * 1024
MAX_BUNDLE_BYTES = 1024 * 1024
MAX_BUNDLE_CERTIFICATES = 64

#: Extensions this platform understands; any other extension marked critical is refused.
_RSA_PSS = "1.2.840.113549.1.1.10"

HANDLED_EXTENSIONS = frozenset(
    {
        ExtensionOID.BASIC_CONSTRAINTS,
        ExtensionOID.KEY_USAGE,
        ExtensionOID.EXTENDED_KEY_USAGE,
        ExtensionOID.SUBJECT_KEY_IDENTIFIER,
        ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
        ExtensionOID.CRL_DISTRIBUTION_POINTS,
        ExtensionOID.AUTHORITY_INFORMATION_ACCESS,
        ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
        ExtensionOID.CERTIFICATE_POLICIES,
        ExtensionOID.OCSP_NO_CHECK,
    }
)

KEY_USAGE_NAMES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)


#: What the parsing libraries raise on hostile input; warnings count, since a strict deployment
#: (and the test suite) turns them into errors.
PARSE_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    OverflowError,
    x509.InvalidVersion,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
    Warning,
)


class BadCertificate(InvalidInput):
    slug = "bad-certificate"


@dataclass(frozen=True)
class BasicConstraints:
    ca: bool
    path_length: int | None


class Certificate:
    """One parsed X.509 certificate. Identity is its SHA-256 fingerprint."""

    __slots__ = ("__dict__", "der", "x509")

    def __init__(self, der: bytes, parsed: x509.Certificate) -> None:
        self.der = der
        self.x509 = parsed

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Certificate) and other.fingerprint == self.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __repr__(self) -> str:
        return f"Certificate({self.subject_text!r}, serial={self.serial:x})"

    @cached_property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    @cached_property
    def subject_der(self) -> bytes:
        return self.x509.subject.public_bytes()

    @cached_property
    def issuer_der(self) -> bytes:
        return self.x509.issuer.public_bytes()

    @cached_property
    def subject_text(self) -> str:
        return self.x509.subject.rfc4514_string()

    @cached_property
    def issuer_text(self) -> str:
        return self.x509.issuer.rfc4514_string()

    @property
    def serial(self) -> int:
        return int(self.x509.serial_number)

    @cached_property
    def not_before(self) -> datetime:
        return self.x509.not_valid_before_utc

    @cached_property
    def not_after(self) -> datetime:
        return self.x509.not_valid_after_utc

    @cached_property
    def self_issued(self) -> bool:
        return self.subject_der == self.issuer_der

    @cached_property
    def _extensions(self) -> x509.Extensions:
        try:
            return self.x509.extensions
        except PARSE_ERRORS as exc:
            raise BadCertificate(f"the certificate's extensions are malformed ({exc})") from exc

    def _extension(self, oid: x509.ObjectIdentifier) -> x509.Extension[x509.ExtensionType] | None:
        try:
            return self._extensions.get_extension_for_oid(oid)
        except x509.ExtensionNotFound:
            return None

    @cached_property
    def unknown_critical_extensions(self) -> tuple[str, ...]:
        return tuple(
            ext.oid.dotted_string
            for ext in self._extensions
            if ext.critical and ext.oid not in HANDLED_EXTENSIONS
        )

    @cached_property
    def basic_constraints(self) -> BasicConstraints:
        ext = self._extension(ExtensionOID.BASIC_CONSTRAINTS)
        if ext is None:
            return BasicConstraints(False, None)
        value = ext.value
        assert isinstance(value, x509.BasicConstraints)
        return BasicConstraints(value.ca, value.path_length)

    @cached_property
    def key_usage(self) -> frozenset[str] | None:
        """Names of the asserted key usages, or None when the extension is absent."""
        ext = self._extension(ExtensionOID.KEY_USAGE)
        if ext is None:
            return None
        value = ext.value
        assert isinstance(value, x509.KeyUsage)
        names = {name for name in KEY_USAGE_NAMES if getattr(value, name)}
        if value.key_agreement:
            names |= {n for n in ("encipher_only", "decipher_only") if getattr(value, n)}
        return frozenset(names)

    @cached_property
    def extended_key_usage(self) -> frozenset[str] | None:
        """Dotted OIDs of the extended key usages, or None when the extension is absent."""
        ext = self._extension(ExtensionOID.EXTENDED_KEY_USAGE)
        if ext is None:
            return None
        value = ext.value
        assert isinstance(value, x509.ExtendedKeyUsage)
        return frozenset(oid.dotted_string for oid in value)

    @cached_property
    def subject_key_id(self) -> bytes | None:
        ext = self._extension(ExtensionOID.SUBJECT_KEY_IDENTIFIER)
        if ext is None:
            return None
        value = ext.value
        assert isinstance(value, x509.SubjectKeyIdentifier)
        return bytes(value.digest)

    @cached_property
    def authority_key_id(self) -> bytes | None:
        ext = self._extension(ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
        if ext is None:
            return None
        value = ext.value
        assert isinstance(value, x509.AuthorityKeyIdentifier)
        return None if value.key_identifier is None else bytes(value.key_identifier)

    @cached_property
    def crl_urls(self) -> tuple[str, ...]:
        ext = self._extension(ExtensionOID.CRL_DISTRIBUTION_POINTS)
        if ext is None:
            return ()
        value = ext.value
        assert isinstance(value, x509.CRLDistributionPoints)
        return tuple(
            name.value
            for point in value
            for name in (point.full_name or [])
            if isinstance(name, x509.UniformResourceIdentifier)
            and name.value.lower().startswith(("http://", "https://"))
        )

    @cached_property
    def ocsp_urls(self) -> tuple[str, ...]:
        ext = self._extension(ExtensionOID.AUTHORITY_INFORMATION_ACCESS)
        if ext is None:
            return ()
        value = ext.value
        assert isinstance(value, x509.AuthorityInformationAccess)
        return tuple(
            desc.access_location.value
            for desc in value
            if desc.access_method == AuthorityInformationAccessOID.OCSP
            and isinstance(desc.access_location, x509.UniformResourceIdentifier)
        )

    @cached_property
    def ocsp_no_check(self) -> bool:
        return self._extension(ExtensionOID.OCSP_NO_CHECK) is not None

    @cached_property
    def public_key(self) -> PublicKey:
        if self.x509.public_key_algorithm_oid.dotted_string == "1.2.840.10045.2.1":
            spki = asn1_x509.Certificate.load(self.der)["tbs_certificate"][
                "subject_public_key_info"
            ]
            return PublicKey.from_spki_der(spki.dump())
        try:
            return PublicKey.from_cryptography(self.x509.public_key())
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise BadCertificate(f"the certificate's public key is not supported ({exc})") from exc

    @cached_property
    def signature_scheme(self) -> Scheme:
        oid = self.x509.signature_algorithm_oid.dotted_string
        if oid != _RSA_PSS:  # only PSS has parameters that matter; avoid a second parse
            return scheme_for(oid)
        algorithm = asn1_x509.Certificate.load(self.der)["signature_algorithm"]
        return scheme_for(oid, algorithm["parameters"])

    @cached_property
    def tbs(self) -> bytes:
        """The signed part, cut from the DER as received (never a re-encoding)."""
        return _first_element(self.der)

    @property
    def signature(self) -> bytes:
        return bytes(self.x509.signature)

    def name_attributes(self, oid: str) -> list[str]:
        """Values of one subject attribute, e.g. ``2.5.4.5`` (serialNumber)."""
        return [
            str(attr.value)
            for attr in self.x509.subject.get_attributes_for_oid(x509.ObjectIdentifier(oid))
        ]

    @property
    def common_name(self) -> str:
        names = self.name_attributes(NameOID.COMMON_NAME.dotted_string)
        return names[0] if names else self.subject_text

    def pem(self) -> str:
        return str(pem.armor("CERTIFICATE", self.der).decode("ascii"))


def load_certificate(der: bytes) -> Certificate:
    """One DER certificate, with its size and structure checked."""
    if len(der) > MAX_CERTIFICATE_BYTES:
        raise BadCertificate(
            f"a certificate of {len(der)} bytes is refused: the limit is "
            f"{MAX_CERTIFICATE_BYTES // 1024} KiB"
        )
    try:
        parsed = x509.load_der_x509_certificate(der)
        # Force the lazily parsed parts now, so that they cannot fail later in a validator.
        parsed.not_valid_after_utc  # noqa: B018
        parsed.serial_number  # noqa: B018 - warns (an error under strict warnings) if negative
        certificate = Certificate(bytes(der), parsed)
        _ = certificate.subject_der, certificate.issuer_der  # cached: used by path building
        _ = certificate.subject_text, certificate.issuer_text
        _ = certificate.unknown_critical_extensions
    except PARSE_ERRORS as exc:
        raise BadCertificate(f"not a valid DER certificate ({_first_line(exc)})") from exc
    return certificate


def parse_certificates(data: bytes) -> list[Certificate]:
    """Every certificate in PEM (one or many), DER, or a PKCS#7 bundle (PEM or DER)."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise BadCertificate(
            f"{len(data)} bytes is too much for a certificate bundle "
            f"(limit {MAX_BUNDLE_BYTES // 1024} KiB)"
        )
    if not data.strip():
        raise BadCertificate("the file is empty")
    stripped = data.strip()
    if stripped.startswith(b"-----BEGIN"):
        return _parse_pem(stripped)
    # DER is binary and taken as it is: its last byte may well be 0x0b or 0x20, which a
    # strip() would cut off (one CA certificate in twenty-odd ends with such a byte).
    if _looks_like_pkcs7(data):
        return _parse_pkcs7(data)
    return [load_certificate(data)]


def pem_or_base64(text: str, field: str) -> bytes:
    """Bytes from what JSON can carry: PEM text as it is, or base64 of DER."""
    stripped = text.strip()
    if stripped.startswith("-----BEGIN"):
        return stripped.encode()
    try:
        return base64.b64decode(stripped, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{field} must be PEM text or base64", field=field) from None


def parse_certificate(data: bytes) -> Certificate:
    """Exactly one certificate."""
    found = parse_certificates(data)
    if len(found) != 1:
        raise BadCertificate(f"expected one certificate, found {len(found)}")
    return found[0]


def _parse_pem(data: bytes) -> list[Certificate]:
    found: list[Certificate] = []
    try:
        blocks = list(pem.unarmor(data, multiple=True))
    except ValueError as exc:
        raise BadCertificate(f"the PEM text is malformed ({_first_line(exc)})") from exc
    for label, _, der in blocks:
        if label in ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"):
            found.append(load_certificate(der))
        elif label in ("PKCS7", "CMS"):
            found.extend(_parse_pkcs7(der))
    if not found:
        raise BadCertificate("the PEM text holds no certificate")
    if len(found) > MAX_BUNDLE_CERTIFICATES:
        raise BadCertificate(f"more than {MAX_BUNDLE_CERTIFICATES} certificates in one bundle")
    return found


def _looks_like_pkcs7(der: bytes) -> bool:
    # ContentInfo starts SEQUENCE { OBJECT IDENTIFIER 1.2.840.113549.1.7.2 ... }
    return b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02" in der[:24]


def _parse_pkcs7(der: bytes) -> list[Certificate]:
    try:
        info = cms.ContentInfo.load(der, strict=True)
        if info["content_type"].native != "signed_data":
            raise BadCertificate("the PKCS#7 structure is not a certificate bundle")
        choices = list(info["content"]["certificates"] or [])
    except PARSE_ERRORS as exc:
        raise BadCertificate(f"the PKCS#7 bundle is malformed ({_first_line(exc)})") from exc
    if len(choices) > MAX_BUNDLE_CERTIFICATES:
        raise BadCertificate(f"more than {MAX_BUNDLE_CERTIFICATES} certificates in one bundle")
    found = [
        load_certificate(choice.chosen.dump()) for choice in choices if choice.name == "certificate"
    ]
    if not found:
        raise BadCertificate("the PKCS#7 bundle holds no certificate")
    return found


def _first_element(der: bytes) -> bytes:
    """The first element (TLV) inside the outer SEQUENCE of ``der`` — tbsCertificate."""
    offset = _header_length(der, 0)
    return der[offset : offset + _header_length(der, offset) + _content_length(der, offset)]


def _header_length(der: bytes, at: int) -> int:
    first = der[at + 1]
    return 2 if first < 0x80 else 2 + (first & 0x7F)


def _content_length(der: bytes, at: int) -> int:
    first = der[at + 1]
    if first < 0x80:
        return first
    return int.from_bytes(der[at + 2 : at + 2 + (first & 0x7F)], "big")


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


__all__ = [
    "BadCertificate",
    "Certificate",
    "load_certificate",
    "oids",
    "parse_certificate",
    "parse_certificates",
]
