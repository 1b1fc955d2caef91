"""A small certificate and CRL issuer: one code path for RSA, ECDSA and SM2.

It builds the ``TBSCertificate`` / ``TBSCertList`` with asn1crypto and signs the DER with
:meth:`PrivateKey.sign` under the issuer key's default scheme (SHA-256 for RSA and P-256,
SHA-384 for P-384, SM3 with the GM/T 0009 default identity ``1234567812345678`` for SM2).

Used for demo and test CAs, the platform's own timestamp authority and CA mutual-recognition
fixtures. What it makes follows RFC 5280 for the *subject*: a version 3 certificate with a
subject key identifier (SHA-1 of the public key bits, method 1 of RFC 5280 §4.2.1.2), an
authority key identifier, basic constraints (critical for a CA), key usage (critical) and, when
asked, extended key usage, CRL distribution points and an OCSP responder. Whether the *issuer*
may issue is deliberately not checked: path validation is where that is judged, and its tests
need certificates signed by the wrong key.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime

from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509

from prex.pki import oids
from prex.pki.certs import Certificate, load_certificate
from prex.pki.keys import PrivateKey, PublicKey
from prex.shared.errors import InvalidInput

__all__ = [
    "EXTENDED_KEY_USAGES",
    "KEY_USAGES",
    "NAME_ATTRIBUTES",
    "issue_certificate",
    "issue_crl",
    "key_identifier",
]

oids.register()

#: Subject attributes this issuer writes, by their usual short name, with their OIDs.
NAME_ATTRIBUTES: dict[str, str] = {
    "C": "2.5.4.6",
    "ST": "2.5.4.8",
    "L": "2.5.4.7",
    "O": "2.5.4.10",
    "OU": "2.5.4.11",
    "CN": "2.5.4.3",
    "serialNumber": "2.5.4.5",
    "organizationIdentifier": "2.5.4.97",
}
#: X.520 gives these a PrintableString syntax; every other attribute here is a DirectoryString,
#: written as UTF8String (RFC 5280 §4.1.2.6), so Chinese names travel unchanged.
_PRINTABLE_ONLY = frozenset({"2.5.4.6", "2.5.4.5"})
_PRINTABLE = re.compile(r"[A-Za-z0-9 '()+,\-./:=?]+")

#: Our key-usage names (those of :mod:`prex.pki.certs`) to asn1crypto's bit names.
KEY_USAGES: dict[str, str] = {
    "digital_signature": "digital_signature",
    "content_commitment": "non_repudiation",
    "key_encipherment": "key_encipherment",
    "data_encipherment": "data_encipherment",
    "key_agreement": "key_agreement",
    "key_cert_sign": "key_cert_sign",
    "crl_sign": "crl_sign",
    "encipher_only": "encipher_only",
    "decipher_only": "decipher_only",
}
EXTENDED_KEY_USAGES: dict[str, str] = {
    "server_auth": "1.3.6.1.5.5.7.3.1",
    "client_auth": "1.3.6.1.5.5.7.3.2",
    "code_signing": "1.3.6.1.5.5.7.3.3",
    "email_protection": "1.3.6.1.5.5.7.3.4",
    "time_stamping": "1.3.6.1.5.5.7.3.8",
    "ocsp_signing": "1.3.6.1.5.5.7.3.9",
}
_TIME_STAMPING = EXTENDED_KEY_USAGES["time_stamping"]
_DOTTED = re.compile(r"[0-2](\.(0|[1-9][0-9]*))+")
#: RFC 5280 §4.1.2.2: a serial number is positive and at most 20 octets.
_MAX_SERIAL_BITS = 159

Subject = Mapping[str, str] | Iterable[tuple[str, str]]


def issue_certificate(
    *,
    subject: Subject,
    subject_key: PublicKey,
    issuer: Certificate | None,
    issuer_key: PrivateKey,
    not_before: datetime,
    not_after: datetime,
    serial: int | None = None,
    ca: bool = False,
    path_length: int | None = None,
    key_usage: Collection[str] | None = None,
    extended_key_usage: Collection[str] = (),
    crl_urls: Sequence[str] = (),
    ocsp_urls: Sequence[str] = (),
) -> Certificate:
    """Sign a version 3 certificate for ``subject_key``.

    ``subject`` is a dict or an ordered list of ``(attribute, value)`` pairs using the names of
    :data:`NAME_ATTRIBUTES` (or their dotted OIDs); a list keeps its order and may repeat an
    attribute (two OUs). ``issuer=None`` makes a self-signed certificate, and then
    ``issuer_key`` must be the private half of ``subject_key``. ``key_usage`` defaults to
    ``{"key_cert_sign", "crl_sign"}`` for a CA and ``{"digital_signature"}`` otherwise; an
    empty collection omits the extension. ``extended_key_usage`` takes names of
    :data:`EXTENDED_KEY_USAGES` or dotted OIDs; ``time_stamping`` must stand alone and is then
    marked critical, as RFC 3161 §2.3 requires.
    """
    name = _build_name(subject)
    start, end = _utc(not_before, "not_before"), _utc(not_after, "not_after")
    if end <= start:
        raise InvalidInput("not_after must be later than not_before", field="not_after")
    serial = _random_serial(128) if serial is None else _check_serial(serial)
    subject_ski = key_identifier(subject_key.spki_der)

    if issuer is None:
        if issuer_key.public_key().spki_der != subject_key.spki_der:
            raise InvalidInput(
                "a self-signed certificate must be signed by the subject's own key",
                field="issuer_key",
            )
        issuer_name = name
        authority_ki = subject_ski
    else:
        if issuer_key.public_key().spki_der != issuer.public_key.spki_der:
            raise InvalidInput(
                "issuer_key is not the key of the issuer certificate", field="issuer_key"
            )
        issuer_name = _subject_of(issuer)
        authority_ki = issuer.subject_key_id or key_identifier(issuer.public_key.spki_der)

    if path_length is not None and (not ca or path_length < 0):
        raise InvalidInput(
            "path_length is a non-negative number and only for CA certificates",
            field="path_length",
        )
    usages = _key_usage(ca, key_usage)
    purposes = _extended_key_usage(extended_key_usage)

    extensions: list[dict[str, object]] = []
    if ca:
        constraints: dict[str, object] = {"ca": True}
        if path_length is not None:
            constraints["path_len_constraint"] = path_length
        extensions.append(_extension("basic_constraints", constraints, critical=True))
    else:
        extensions.append(_extension("basic_constraints", {"ca": False}, critical=False))
    if usages:
        extensions.append(_extension("key_usage", usages, critical=True))
    if purposes:
        critical = _TIME_STAMPING in purposes
        extensions.append(_extension("extended_key_usage", purposes, critical=critical))
    extensions.append(_extension("key_identifier", subject_ski, critical=False))
    extensions.append(
        _extension("authority_key_identifier", {"key_identifier": authority_ki}, critical=False)
    )
    if crl_urls:
        points = [{"distribution_point": {"full_name": [_uri(url)]}} for url in _urls(crl_urls)]
        extensions.append(_extension("crl_distribution_points", points, critical=False))
    if ocsp_urls:
        access = [
            {"access_method": "ocsp", "access_location": _uri(url)} for url in _urls(ocsp_urls)
        ]
        extensions.append(_extension("authority_information_access", access, critical=False))

    algorithm = issuer_key.default_scheme.algorithm_identifier()
    try:
        tbs = asn1_x509.TbsCertificate(
            {
                "version": "v3",
                "serial_number": serial,
                "signature": algorithm,
                "issuer": issuer_name,
                "validity": {"not_before": _time(start), "not_after": _time(end)},
                "subject": name,
                "subject_public_key_info": asn1_keys.PublicKeyInfo.load(subject_key.spki_der),
                "extensions": extensions,
            }
        )
        tbs_der = bytes(tbs.dump())
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"cannot encode the certificate ({exc})") from exc
    signature = issuer_key.sign(tbs_der, issuer_key.default_scheme)
    certificate = asn1_x509.Certificate(
        {"tbs_certificate": tbs, "signature_algorithm": algorithm, "signature_value": signature}
    )
    return load_certificate(bytes(certificate.dump()))


def issue_crl(
    *,
    issuer: Certificate,
    issuer_key: PrivateKey,
    revoked: Sequence[tuple[int, datetime]],
    this_update: datetime,
    next_update: datetime,
    number: int,
) -> bytes:
    """A DER version 2 CRL listing ``(serial, revocation time)`` pairs, with AKI and CRL number."""
    if issuer_key.public_key().spki_der != issuer.public_key.spki_der:
        raise InvalidInput(
            "issuer_key is not the key of the issuer certificate", field="issuer_key"
        )
    start, end = _utc(this_update, "this_update"), _utc(next_update, "next_update")
    if end <= start:
        raise InvalidInput("next_update must be later than this_update", field="next_update")
    if number < 0 or number.bit_length() > _MAX_SERIAL_BITS:
        raise InvalidInput("a CRL number is a non-negative integer of at most 20 octets")
    entries = [
        {
            "user_certificate": _check_serial(serial),
            "revocation_date": _time(_utc(when, "revoked")),
        }
        for serial, when in revoked
    ]
    authority_ki = issuer.subject_key_id or key_identifier(issuer.public_key.spki_der)
    algorithm = issuer_key.default_scheme.algorithm_identifier()
    fields: dict[str, object] = {
        "version": "v2",
        "signature": algorithm,
        "issuer": _subject_of(issuer),
        "this_update": _time(start),
        "next_update": _time(end),
        "crl_extensions": [
            _extension("authority_key_identifier", {"key_identifier": authority_ki}, False),
            _extension("crl_number", number, critical=False),
        ],
    }
    if entries:  # RFC 5280 §5.1.2.6: absent, not empty, when nothing is revoked
        fields["revoked_certificates"] = entries
    tbs = asn1_crl.TbsCertList(fields)
    signature = issuer_key.sign(bytes(tbs.dump()), issuer_key.default_scheme)
    certificate_list = asn1_crl.CertificateList(
        {"tbs_cert_list": tbs, "signature_algorithm": algorithm, "signature": signature}
    )
    return bytes(certificate_list.dump())


def key_identifier(spki_der: bytes) -> bytes:
    """RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value."""
    try:
        bits = asn1_keys.PublicKeyInfo.load(spki_der)["public_key"].contents
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidInput("the public key is not a valid SubjectPublicKeyInfo") from exc
    return hashlib.sha1(bytes(bits)[1:]).digest()  # skip the unused-bits octet


def _build_name(subject: Subject) -> asn1_x509.Name:
    pairs = list(subject.items()) if isinstance(subject, Mapping) else list(subject)
    if not pairs:
        raise InvalidInput("the subject name needs at least one attribute", field="subject")
    rdns = []
    for attribute, value in pairs:
        oid = NAME_ATTRIBUTES.get(attribute, attribute)
        if oid not in NAME_ATTRIBUTES.values():
            known = ", ".join(NAME_ATTRIBUTES)
            raise InvalidInput(
                f"subject attribute {attribute!r} is not supported (use {known})", field="subject"
            )
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"subject attribute {attribute} is empty", field="subject")
        if oid in _PRINTABLE_ONLY:
            if not _PRINTABLE.fullmatch(value):
                raise InvalidInput(
                    f"subject attribute {attribute} allows only PrintableString characters",
                    field="subject",
                )
            if oid == "2.5.4.6" and len(value) != 2:
                raise InvalidInput("the country (C) is a two-letter code", field="subject")
            string = asn1_x509.DirectoryString(name="printable_string", value=value)
        else:
            string = asn1_x509.DirectoryString(name="utf8_string", value=value)
        rdns.append([{"type": oid, "value": string}])
    return asn1_x509.Name(name="", value=asn1_x509.RDNSequence(rdns))


def _subject_of(certificate: Certificate) -> asn1_x509.Name:
    """The issuer's subject exactly as encoded in its certificate (names compare bytewise)."""
    return asn1_x509.Certificate.load(certificate.der)["tbs_certificate"]["subject"]


def _key_usage(ca: bool, requested: Collection[str] | None) -> set[str]:
    if requested is None:
        requested = {"key_cert_sign", "crl_sign"} if ca else {"digital_signature"}
    unknown = set(requested) - set(KEY_USAGES)
    if unknown:
        raise InvalidInput(
            f"unknown key usage {', '.join(sorted(unknown))} (use {', '.join(KEY_USAGES)})",
            field="key_usage",
        )
    if requested and ca and "key_cert_sign" not in requested:
        raise InvalidInput("a CA certificate's key usage must include key_cert_sign")
    if not ca and "key_cert_sign" in requested:
        raise InvalidInput("key_cert_sign is only for CA certificates (set ca=True)")
    return {KEY_USAGES[name] for name in requested}


def _extended_key_usage(requested: Collection[str]) -> list[str]:
    purposes: list[str] = []
    for item in sorted(set(requested)):
        oid = EXTENDED_KEY_USAGES.get(item, item)
        if not _DOTTED.fullmatch(oid):
            raise InvalidInput(
                f"unknown extended key usage {item!r} (use a dotted OID or one of "
                f"{', '.join(EXTENDED_KEY_USAGES)})",
                field="extended_key_usage",
            )
        purposes.append(oid)
    if _TIME_STAMPING in purposes and len(purposes) > 1:
        raise InvalidInput(
            "a timestamping certificate must have time_stamping as its only extended key usage "
            "(RFC 3161 §2.3)",
            field="extended_key_usage",
        )
    return purposes


def _extension(name: str, value: object, critical: bool) -> dict[str, object]:
    return {"extn_id": name, "critical": critical, "extn_value": value}


def _uri(url: str) -> asn1_x509.GeneralName:
    return asn1_x509.GeneralName(name="uniform_resource_identifier", value=url)


def _urls(urls: Sequence[str]) -> list[str]:
    if isinstance(urls, str):
        raise InvalidInput("give URLs as a list, not a single string")
    for url in urls:
        if not url.isascii() or not url.lower().startswith(("http://", "https://", "ldap://")):
            raise InvalidInput(f"{url!r} is not an http(s) or ldap URL")
    return list(urls)


def _utc(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"{field} must be a timezone-aware datetime", field=field)
    return moment.astimezone(UTC).replace(microsecond=0)


def _time(moment: datetime) -> asn1_x509.Time:
    """UTCTime for 1950 through 2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5)."""
    if 1950 <= moment.year < 2050:
        return asn1_x509.Time(name="utc_time", value=moment)
    return asn1_x509.Time(name="general_time", value=moment)


def _random_serial(bits: int) -> int:
    return secrets.randbelow((1 << bits) - 1) + 1


def _check_serial(serial: int) -> int:
    if isinstance(serial, bool) or not isinstance(serial, int):
        raise InvalidInput("a serial number is an integer", field="serial")
    if serial <= 0 or serial.bit_length() > _MAX_SERIAL_BITS:
        raise InvalidInput(
            "a serial number is a positive integer of at most 20 octets", field="serial"
        )
    return serial
