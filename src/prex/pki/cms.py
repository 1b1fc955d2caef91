"""Detached signatures: CMS SignedData (RFC 5652) and SM2 signed data (GB/T 35275-2017).

One code path for every key family. A signature is a DER ``ContentInfo`` whose
``SignedData`` carries no content (it is *detached*), the signer's certificate and chain, and one
``SignerInfo`` with signed attributes — contentType, signingTime, messageDigest and the ESS
signingCertificateV2 (RFC 5035) that binds the signer's certificate itself into the signature.
The signature value is computed over the DER of those attributes encoded as an explicit
``SET OF`` (tag ``0x31``), not over the ``[0] IMPLICIT`` form they travel in (RFC 5652 §5.4).

SM2 keys produce GB/T 35275 signed data: content types ``1.2.156.10197.6.1.4.2.2`` (signedData)
and ``…4.2.1`` (data), digest SM3 and the signature algorithm sm2sign ``1.2.156.10197.1.301.1``
(SM2-1 of GB/T 33560), the signature made with the GM/T 0009 default identity
``1234567812345678``. Verification also accepts ``SM2withSM3`` ``1.2.156.10197.1.501`` (what
GmSSL writes) and SM2 inside a standard ``id-signedData``, and the empty SM2 identity that
OpenSSL 3 uses by default.

:func:`verify_detached` checks the structure, the content and the signature — never the
certificate path, which is the caller's job (it gets every embedded certificate for that).
Whatever is wrong with the input becomes one :class:`BadSignature` saying what, never a library
traceback.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from asn1crypto import algos, cms, core, pem, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from prex.pki import oids
from prex.pki.certs import Certificate, load_certificate
from prex.pki.keys import DIGEST_OIDS, PrivateKey, Scheme, digest, digest_name, scheme_for
from prex.shared.errors import InvalidInput

#: Real detached signatures are a few KiB (the chain dominates); anything this large is refused
#: before it is parsed.
MAX_SIGNATURE_BYTES = 512 * 1024
#: More embedded certificates than any real chain has.
MAX_CERTIFICATES = 64
#: Digests too weak to accept: SHA-1 and MD5 collisions are practical.
WEAK_DIGEST_OIDS = {
    "1.3.14.3.2.26": "sha1",
    "1.2.840.113549.2.5": "md5",
    "1.2.840.113549.2.2": "md2",
    "1.2.840.113549.2.4": "md4",
}

_SIGNED_DATA = "1.2.840.113549.1.7.2"
_DATA = "1.2.840.113549.1.7.1"
_SIGNED_DATA_TYPES = frozenset({_SIGNED_DATA, oids.GM_SIGNED_DATA})
_DATA_TYPES = frozenset({_DATA, oids.GM_DATA})

_CONTENT_TYPE = "1.2.840.113549.1.9.3"
_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_SIGNING_TIME = "1.2.840.113549.1.9.5"
_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"
_ATTRIBUTE_NAMES = {
    _CONTENT_TYPE: "contentType",
    _MESSAGE_DIGEST: "messageDigest",
    _SIGNING_TIME: "signingTime",
    _SIGNING_CERTIFICATE_V2: "signingCertificateV2",
}

_PEM_LABELS = frozenset({"PKCS7", "CMS", "PKCS #7 SIGNED DATA"})
_MALFORMED = (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError)
#: What ``cryptography`` raises on certificates it cannot read, besides ValueError.
_CERTIFICATE_ERRORS = (
    InvalidInput,
    *_MALFORMED,
    x509.InvalidVersion,
    x509.DuplicateExtension,
    UnsupportedAlgorithm,
)

#: How an SM2 key's signature is packaged: GB/T 35275 (the default, for Chinese relying
#: parties) or a plain RFC 5652 id-signedData / id-data with SM2withSM3
#: ``1.2.156.10197.1.501`` as the signature algorithm (the layout OpenSSL reads).
Sm2Profile = Literal["gbt35275", "cms"]


class BadSignature(InvalidInput):
    """The detached signature is malformed, unsupported, or does not sign the content."""

    slug = "bad-signature"


@dataclass(frozen=True)
class SignatureCheck:
    """What :func:`verify_detached` established. The certificate path is still to validate.

    ``certificates`` are the ones embedded in the signature (signer first when embedded); the
    signer may instead come from the caller's ``extra_certificates``.
    """

    signer: Certificate
    certificates: tuple[Certificate, ...]
    signing_time: datetime | None
    digest_algorithm: str
    scheme: Scheme


# --------------------------------------------------------------------------------------------
# Signing


def sign_detached(
    content: bytes,
    signer_cert: Certificate,
    key: PrivateKey,
    *,
    chain: Sequence[Certificate] = (),
    signing_time: datetime,
    scheme: Scheme | None = None,
    sm2_profile: Sm2Profile = "gbt35275",
) -> bytes:
    """A detached signature of ``content`` as DER ``ContentInfo``.

    ``chain`` (intermediates, optionally the root) is embedded after the signer's certificate.
    ``scheme`` defaults to the key's (RSA PKCS#1 v1.5 with SHA-256, ECDSA with SHA-256 or
    SHA-384 by curve, SM2 with SM3). ``signing_time`` must be timezone-aware; it is recorded to
    the second.
    """
    scheme = scheme or key.default_scheme
    _check_scheme_fits(scheme, key.kind)
    if signing_time.tzinfo is None:
        raise InvalidInput("the signing time must be timezone-aware")
    gm = scheme.family == "sm2" and sm2_profile == "gbt35275"
    digest_oid = DIGEST_OIDS[scheme.hash]

    if gm:
        signature_algorithm = algos.SignedDigestAlgorithm({"algorithm": oids.SM2_SIGN})
    else:
        signature_algorithm = scheme.algorithm_identifier()
    attributes = cms.CMSAttributes(
        [
            cms.CMSAttribute.load(_content_type_attribute(oids.GM_DATA if gm else "data")),
            _attribute("signing_time", _time(signing_time)),
            _attribute("message_digest", digest(scheme.hash, content)),
            cms.CMSAttribute.load(_ess_attribute(signer_cert.der, scheme.hash)),
        ]
    )
    # A standalone SET OF dumps with the universal SET tag (0x31) and sorted members: exactly
    # the octets RFC 5652 §5.4 says the signature covers.
    to_sign = bytes(attributes.dump())
    signature = key.sign(to_sign, scheme)
    if not signer_cert.public_key.verify(scheme, signature, to_sign):
        raise InvalidInput("the private key does not belong to the signer's certificate")

    signer_info = build_signer_info(
        signer=signer_cert,
        digest_oid=digest_oid,
        attributes_der=to_sign,
        signature_algorithm=signature_algorithm,
        signature=signature,
    )
    certificates: list[Certificate] = []
    for certificate in (signer_cert, *chain):
        if certificate not in certificates:
            certificates.append(certificate)
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": digest_oid}],
            "encap_content_info": {"content_type": oids.GM_DATA if gm else "data"},
            "certificates": cms.CertificateSet.load(
                _certificate_set_der(tuple(c.der for c in certificates))
            ),
            "signer_infos": [signer_info],
        }
    )
    info = cms.ContentInfo(
        {
            "content_type": oids.GM_SIGNED_DATA if gm else "signed_data",
            "content": signed_data,
        }
    )
    return bytes(info.dump())


def build_signer_info(
    *,
    signer: Certificate,
    digest_oid: str,
    attributes_der: bytes,
    signature_algorithm: Any,
    signature: bytes,
) -> Any:
    """One SignerInfo (RFC 5652 §5.3) naming the signer by issuer and serial number, around
    signed attributes already encoded (and signed) as ``attributes_der``. Shared by detached
    signatures and timestamp tokens."""
    issuer = asn1_x509.Certificate.load(signer.der)["tbs_certificate"]["issuer"]
    built = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value={"issuer": issuer, "serial_number": signer.serial},
            ),
            "digest_algorithm": {"algorithm": digest_oid},
            "signed_attrs": cms.CMSAttributes.load(attributes_der),
            "signature_algorithm": signature_algorithm,
            "signature": signature,
        }
    )
    return cms.SignerInfo.load(built.dump())


def _check_scheme_fits(scheme: Scheme, key_kind: str) -> None:
    family = key_kind.split("-", 1)[0]
    fits = {
        "rsa": ("rsa-pkcs1", "rsa-pss"),
        "ec": ("ecdsa",),
        "sm2": ("sm2",),
    }.get(family, ())
    if scheme.family not in fits:
        raise InvalidInput(f"a {key_kind} key cannot sign with {scheme.family}")
    if scheme.hash not in DIGEST_OIDS or (scheme.family == "sm2") != (scheme.hash == "sm3"):
        raise InvalidInput(f"{scheme.family} with {scheme.hash} is not supported")
    if scheme.hash in WEAK_DIGEST_OIDS.values():
        raise InvalidInput(f"{scheme.hash} is too weak to sign with")


def _attribute(kind: str, value: Any) -> cms.CMSAttribute:
    return cms.CMSAttribute({"type": kind, "values": [value]})


def _time(moment: datetime) -> cms.Time:
    """UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5652 §11.3)."""
    moment = moment.astimezone(UTC).replace(microsecond=0)
    if 1950 <= moment.year < 2050:
        return cms.Time(name="utc_time", value=moment)
    return cms.Time(name="generalized_time", value=moment)


@functools.lru_cache(maxsize=64)
def _content_type_attribute(content_type: str) -> bytes:
    return bytes(_attribute("content_type", content_type).dump())


@functools.lru_cache(maxsize=64)
def _ess_attribute(certificate_der: bytes, hash_name: str) -> bytes:
    """The signingCertificateV2 attribute's DER, cached per certificate: asn1crypto takes
    milliseconds to build it (the issuer name is re-encoded), and the platform signs every
    receipt with the same certificate."""
    certificate = asn1_x509.Certificate.load(certificate_der)
    return bytes(
        _attribute("signing_certificate_v2", _ess_certificate(certificate, hash_name)).dump()
    )


@functools.lru_cache(maxsize=64)
def _certificate_set_der(ders: tuple[bytes, ...]) -> bytes:
    """The DER of the ``certificates`` SET OF, cached per signer and chain: asn1crypto spends
    most of a signature re-encoding certificates placed into a new structure, while a SET OF
    loaded from DER is embedded as it is (the platform signs every receipt with the same
    certificate and chain)."""
    return bytes(
        cms.CertificateSet(
            [
                cms.CertificateChoices(name="certificate", value=asn1_x509.Certificate.load(der))
                for der in ders
            ]
        ).dump()
    )


def _ess_certificate(certificate: Any, hash_name: str) -> tsp.SigningCertificateV2:
    """signingCertificateV2 naming ``certificate`` by its hash, issuer and serial (RFC 5035)."""
    return tsp.SigningCertificateV2(
        {
            "certs": [
                {
                    "hash_algorithm": {"algorithm": DIGEST_OIDS[hash_name]},
                    "cert_hash": digest(hash_name, certificate.dump()),
                    "issuer_serial": {
                        "issuer": [
                            asn1_x509.GeneralName(name="directory_name", value=certificate.issuer)
                        ],
                        "serial_number": certificate.serial_number,
                    },
                }
            ]
        }
    )


# --------------------------------------------------------------------------------------------
# Verification


@dataclass(frozen=True)
class _Attribute:
    oid: str
    values: Any  # the asn1crypto SetOf of values, parsed lazily


@dataclass(frozen=True)
class _Parsed:
    """The parts of a SignedData the checks need, pulled out of asn1crypto in one place."""

    econtent_type: str
    econtent: bytes | None
    certificate_ders: tuple[bytes, ...]
    sid_kind: str
    sid_issuer: Any  # asn1crypto Name, for issuerAndSerialNumber
    sid_serial: int | None
    sid_key_id: bytes | None
    digest_oid: str
    signed_attrs_der: bytes | None
    attributes: tuple[_Attribute, ...]
    signature_oid: str
    signature_parameters: Any
    signature: bytes


def verify_detached(
    content: bytes,
    signature: bytes,
    *,
    extra_certificates: Sequence[Certificate] = (),
) -> SignatureCheck:
    """Check that ``signature`` (DER or PEM) signs ``content``; raise :class:`BadSignature`.

    The signer's certificate is looked up among the embedded certificates, then
    ``extra_certificates``. Only single-signer signatures are accepted.
    """
    try:
        return _verify(content, signature, extra_certificates)
    except BadSignature:
        raise
    except InvalidInput as exc:
        raise BadSignature(exc.message) from exc
    except _CERTIFICATE_ERRORS as exc:
        raise BadSignature(f"truncated or malformed DER ({_first_line(exc)})") from exc


def _verify(
    content: bytes, signature: bytes, extra_certificates: Sequence[Certificate]
) -> SignatureCheck:
    parsed = _parse(_der_of(signature))

    if parsed.econtent is not None and parsed.econtent != content:
        raise BadSignature("the signature embeds content other than the content given")

    digest_algorithm = _digest_algorithm(parsed.digest_oid)
    embedded = _certificates(parsed.certificate_ders)
    signer = _find_signer(parsed, embedded, extra_certificates)
    scheme = _scheme(parsed, signer, digest_algorithm)

    signing_time: datetime | None = None
    if parsed.signed_attrs_der is None:
        if parsed.econtent_type not in _DATA_TYPES:
            raise BadSignature(
                "the signature has no signed attributes, which only plain data may omit"
            )
        signed_bytes = content
    else:
        signing_time = _check_attributes(parsed, content, digest_algorithm)
        signed_bytes = parsed.signed_attrs_der

    if not signer.public_key.verify(scheme, parsed.signature, signed_bytes):
        raise BadSignature("the signature does not verify with the signer's certificate")
    _check_signing_certificate(parsed, signer)

    ordered = tuple(sorted(embedded, key=lambda c: c != signer))
    return SignatureCheck(
        signer=signer,
        certificates=ordered,
        signing_time=signing_time,
        digest_algorithm=digest_algorithm,
        scheme=scheme,
    )


def _der_of(signature: bytes) -> bytes:
    if len(signature) > MAX_SIGNATURE_BYTES:
        raise BadSignature(
            f"a signature of {len(signature)} bytes is refused: the limit is "
            f"{MAX_SIGNATURE_BYTES // 1024} KiB"
        )
    data = signature.strip()
    if not data:
        raise BadSignature("the signature is empty")
    if data.startswith(b"-----BEGIN"):
        try:
            label, _, der = pem.unarmor(data)
        except ValueError as exc:
            raise BadSignature(f"the PEM armour is malformed ({_first_line(exc)})") from exc
        if label not in _PEM_LABELS:
            raise BadSignature(f"not a CMS SignedData structure (the PEM block is {label!r})")
        data = bytes(der)
    else:
        data = signature
    if data[:1] != b"\x30":
        raise BadSignature("not a CMS SignedData structure (neither DER nor PEM)")
    return data


def _parse(der: bytes) -> _Parsed:
    try:
        info = cms.ContentInfo.load(der, strict=True)
        content_type = info["content_type"].dotted
    except _MALFORMED as exc:
        if _is_complete_der(der):
            raise BadSignature("not a CMS SignedData structure") from exc
        raise BadSignature(f"truncated or malformed DER ({_first_line(exc)})") from exc
    if content_type not in _SIGNED_DATA_TYPES:
        raise BadSignature(f"not a CMS SignedData structure (content type {content_type})")
    try:
        return _extract(info["content"])
    except _MALFORMED as exc:
        raise BadSignature(f"truncated or malformed DER ({_first_line(exc)})") from exc


def _is_complete_der(der: bytes) -> bool:
    try:
        core.Asn1Value.load(der, strict=True)
    except _MALFORMED:
        return False
    return True


def _extract(signed_data: Any) -> _Parsed:
    signer_infos = list(signed_data["signer_infos"])
    if not signer_infos:
        raise BadSignature("the signature has no SignerInfo")
    if len(signer_infos) > 1:
        raise BadSignature(
            f"the signature has {len(signer_infos)} signers; only single-signer signatures "
            "are accepted"
        )
    signer_info = signer_infos[0]

    encap = signed_data["encap_content_info"]
    econtent = encap["content"]
    econtent_bytes: bytes | None = None
    if not isinstance(econtent, core.Void):
        native = econtent.native
        econtent_bytes = bytes(native) if isinstance(native, bytes) else bytes(econtent.contents)

    certificate_ders: list[bytes] = []
    certificates = signed_data["certificates"]
    if not isinstance(certificates, core.Void):
        for choice in certificates:
            if choice.name == "certificate":
                certificate_ders.append(bytes(choice.chosen.dump()))
            if len(certificate_ders) > MAX_CERTIFICATES:
                raise BadSignature(
                    f"more than {MAX_CERTIFICATES} certificates in one signature are refused"
                )

    sid = signer_info["sid"]
    sid_issuer: Any = None
    sid_serial: int | None = None
    sid_key_id: bytes | None = None
    if sid.name == "issuer_and_serial_number":
        sid_issuer = sid.chosen["issuer"]
        sid_issuer.native  # noqa: B018 - parse now, so malformed names fail here
        sid_serial = int(sid.chosen["serial_number"].native)
    else:
        sid_key_id = bytes(sid.chosen.native)

    signed_attrs = signer_info["signed_attrs"]
    signed_attrs_der: bytes | None = None
    attributes: list[_Attribute] = []
    if not isinstance(signed_attrs, core.Void):
        raw = bytes(signed_attrs.dump())
        # Signed as an explicit SET OF: swap the [0] IMPLICIT tag for 0x31, keep every octet
        # the signer produced (re-encoding could reorder a signer's unsorted SET).
        signed_attrs_der = b"\x31" + raw[1:]
        for attribute in signed_attrs:
            attributes.append(_Attribute(attribute["type"].dotted, attribute["values"]))

    algorithm = signer_info["signature_algorithm"]
    return _Parsed(
        econtent_type=encap["content_type"].dotted,
        econtent=econtent_bytes,
        certificate_ders=tuple(certificate_ders),
        sid_kind=str(sid.name),
        sid_issuer=sid_issuer,
        sid_serial=sid_serial,
        sid_key_id=sid_key_id,
        digest_oid=signer_info["digest_algorithm"]["algorithm"].dotted,
        signed_attrs_der=signed_attrs_der,
        attributes=tuple(attributes),
        signature_oid=algorithm["algorithm"].dotted,
        signature_parameters=algorithm["parameters"],
        signature=bytes(signer_info["signature"].native),
    )


def _digest_algorithm(oid: str) -> str:
    if oid in WEAK_DIGEST_OIDS:
        raise BadSignature(
            f"the digest algorithm {WEAK_DIGEST_OIDS[oid]} is too weak; "
            "SHA-256, SHA-384, SHA-512 or SM3 is required"
        )
    try:
        return digest_name(oid)
    except InvalidInput:
        raise BadSignature(f"the digest algorithm {oid} is not supported") from None


@functools.lru_cache(maxsize=4096)
def _embedded_certificate(der: bytes) -> Certificate:
    """One certificate carried in a signature, parsed once per process: the same bidders and
    experts sign again and again (a live auction's bids), and parsing is most of the cost of
    checking a signature. Refusals are not cached (``lru_cache`` keeps no exception)."""
    try:
        serial = asn1_x509.Certificate.load(der)["tbs_certificate"]["serial_number"].native
        positive = isinstance(serial, int) and serial > 0
        if positive:  # cryptography only warns (for now) about the others: never parse them
            certificate = load_certificate(der)
            certificate.subject_key_id  # noqa: B018 - read the extensions now
    except _CERTIFICATE_ERRORS as exc:
        reason = exc.message if isinstance(exc, InvalidInput) else _first_line(exc)
        raise BadSignature(f"a certificate in the signature is malformed: {reason}") from exc
    if not positive:
        raise BadSignature(
            "a certificate in the signature has a serial number that is not positive "
            "(RFC 5280 forbids it)"
        )
    return certificate


def _certificates(ders: tuple[bytes, ...]) -> tuple[Certificate, ...]:
    found: list[Certificate] = []
    for der in ders:
        certificate = _embedded_certificate(der)
        if certificate not in found:
            found.append(certificate)
    return tuple(found)


def _find_signer(
    parsed: _Parsed, embedded: Sequence[Certificate], extra: Sequence[Certificate]
) -> Certificate:
    for certificate in (*embedded, *extra):
        try:
            if _identifies(parsed, certificate):
                return certificate
        except _CERTIFICATE_ERRORS:
            continue
    if parsed.sid_kind == "issuer_and_serial_number":
        named = f"issuer {_name_text(parsed.sid_issuer)}, serial {parsed.sid_serial:x}"
    else:
        named = f"subject key identifier {(parsed.sid_key_id or b'').hex()}"
    raise BadSignature(f"the signer's certificate is not in the signature ({named})")


def _identifies(parsed: _Parsed, certificate: Certificate) -> bool:
    if parsed.sid_kind == "issuer_and_serial_number":
        if certificate.serial != parsed.sid_serial:
            return False
        if certificate.issuer_der == parsed.sid_issuer.dump():
            return True
        issuer = asn1_x509.Certificate.load(certificate.der)["tbs_certificate"]["issuer"]
        return bool(issuer == parsed.sid_issuer)
    return certificate.subject_key_id is not None and certificate.subject_key_id == (
        parsed.sid_key_id
    )


def _name_text(name: Any) -> str:
    try:
        return str(name.human_friendly)
    except _MALFORMED:
        return "(unreadable)"


def _scheme(parsed: _Parsed, signer: Certificate, digest_algorithm: str) -> Scheme:
    oid = parsed.signature_oid
    try:
        key_kind = signer.public_key.kind
    except _CERTIFICATE_ERRORS as exc:
        reason = exc.message if isinstance(exc, InvalidInput) else _first_line(exc)
        raise BadSignature(f"the signer's certificate has an unusable key: {reason}") from exc
    if oid == oids.SM2_CURVE:  # some writers name the SM2 key algorithm instead
        scheme = Scheme("sm2", "sm3")
    else:
        try:
            scheme = scheme_for(oid, parsed.signature_parameters, parsed.digest_oid)
        except InvalidInput as exc:
            raise BadSignature(f"unsupported signature algorithm: {exc.message}") from exc
    if key_kind == "sm2" and scheme.family == "ecdsa" and scheme.hash == "sm3":
        scheme = Scheme("sm2", "sm3")  # id-ecPublicKey + SM3 on an SM2 key means SM2
    if scheme.hash in WEAK_DIGEST_OIDS.values():
        raise BadSignature(f"the signature algorithm uses {scheme.hash}, which is too weak")
    if scheme.hash != digest_algorithm:
        raise BadSignature(
            f"the signature algorithm's digest ({scheme.hash}) differs from the "
            f"signer's digest algorithm ({digest_algorithm})"
        )
    try:
        _check_scheme_fits(scheme, key_kind)
    except InvalidInput:
        raise BadSignature(
            f"the signature algorithm ({scheme.family}) does not fit the signer's {key_kind} key"
        ) from None
    return scheme


def _single(parsed: _Parsed, oid: str) -> Any | None:
    """The one value of attribute ``oid``, None when absent; refuses repeats."""
    matching = [a for a in parsed.attributes if a.oid == oid]
    if not matching:
        return None
    name = _ATTRIBUTE_NAMES[oid]
    if len(matching) > 1:
        raise BadSignature(f"the signed attributes hold {name} more than once")
    values = list(matching[0].values)
    if len(values) != 1:
        raise BadSignature(f"the {name} attribute must hold exactly one value")
    return values[0]


def _check_attributes(parsed: _Parsed, content: bytes, digest_algorithm: str) -> datetime | None:
    content_type = _single(parsed, _CONTENT_TYPE)
    if content_type is None:
        raise BadSignature("the signed attributes lack the contentType attribute")
    if content_type.dotted != parsed.econtent_type:
        raise BadSignature(
            f"the contentType attribute ({content_type.dotted}) does not match the signed "
            f"content type ({parsed.econtent_type})"
        )
    message_digest = _single(parsed, _MESSAGE_DIGEST)
    if message_digest is None:
        raise BadSignature("the signed attributes lack the messageDigest attribute")
    if not hmac.compare_digest(bytes(message_digest.native), digest(digest_algorithm, content)):
        raise BadSignature("the content does not match the signature (message digest differs)")
    signing_time = _single(parsed, _SIGNING_TIME)
    if signing_time is None:
        return None
    moment = signing_time.native
    if not isinstance(moment, datetime):
        raise BadSignature("the signingTime attribute is not a time")
    return moment.astimezone(UTC)


def _check_signing_certificate(parsed: _Parsed, signer: Certificate) -> None:
    """When signingCertificateV2 is signed, it must name the signer's certificate."""
    if parsed.signed_attrs_der is None:
        return
    value = _single(parsed, _SIGNING_CERTIFICATE_V2)
    if value is None:
        return
    certs = list(value["certs"])
    if not certs:
        raise BadSignature("the signingCertificateV2 attribute names no certificate")
    first = certs[0]
    hash_name = _digest_algorithm(first["hash_algorithm"]["algorithm"].dotted)
    if not hmac.compare_digest(bytes(first["cert_hash"].native), digest(hash_name, signer.der)):
        raise BadSignature(
            "the signingCertificateV2 attribute names another certificate than the signer's"
        )


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


__all__ = [
    "MAX_SIGNATURE_BYTES",
    "BadSignature",
    "SignatureCheck",
    "Sm2Profile",
    "sign_detached",
    "verify_detached",
]
