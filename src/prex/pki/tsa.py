"""An RFC 3161 timestamp authority and a verifier for the tokens of any TSA.

A token is a CMS ``SignedData`` (RFC 5652) whose content is a DER ``TSTInfo``; the single
SignerInfo carries the signed attributes contentType, signingTime, messageDigest and the ESS
signingCertificateV2 (RFC 5816) that binds the TSA certificate — OpenSSL's ``ts -verify``
insists on an ESS attribute. The TSA key may be RSA, ECDSA or SM2 (SM2 tokens are for prex's
own verifier; OpenSSL 3.0 cannot check an SM2 signature with the GM/T 0009 identity in CMS).

:meth:`TimestampAuthority.respond` is the network face: any bytes in, a DER ``TimeStampResp``
out — granted, or a rejection naming a ``PKIFailureInfo`` bit — and never an exception.
:func:`verify_token` checks a token's structure, message imprint, signature, ESS binding and
the TSA certificate's critical timeStamping purpose; whether that certificate chains to a
trusted root is for the caller's path validation (at :attr:`TimestampInfo.gen_time`).

Policy: SHA-1 and MD5 are refused both as the digest being stamped and as the signature digest
(collisions are practical); the ESS certificate hash of RFC 2634 may still be SHA-1, since it
only names a certificate already checked by signature.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

from asn1crypto import cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from prex.pki import oids
from prex.pki.certs import BadCertificate, Certificate, load_certificate
from prex.pki.cms import build_signer_info
from prex.pki.keys import (
    DIGEST_OIDS,
    WEAK_HASHES,
    PrivateKey,
    digest_name,
    scheme_for,
)
from prex.pki.keys import digest as hash_bytes
from prex.shared.errors import InvalidInput

__all__ = [
    "MAX_REQUEST_BYTES",
    "MAX_TOKEN_BYTES",
    "PREX_TSA_POLICY",
    "STAMPABLE_DIGESTS",
    "BadTimestamp",
    "TimestampAuthority",
    "TimestampInfo",
    "TimestampRefused",
    "verify_token",
]

oids.register()

#: The TSA policy prex stamps under by default. PLACEHOLDER: 1.3.6.1.4.1.59999 is a private
#: enterprise arc prex has not been assigned by IANA; a deployment should register its own PEN
#: (or use its CA's policy arc) and configure that OID instead.
PREX_TSA_POLICY = "1.3.6.1.4.1.59999.3161.1"

#: A TimeStampReq is about 60 bytes (plus a nonce and a policy); anything this big is abuse.
MAX_REQUEST_BYTES = 16 * 1024
#: A token is a few KiB even with a certificate chain of four.
MAX_TOKEN_BYTES = 256 * 1024

#: Digests a message imprint may use, with their lengths (SHA-1 and MD5 are refused).
STAMPABLE_DIGESTS: dict[str, int] = {
    "sha224": 28,
    "sha256": 32,
    "sha384": 48,
    "sha512": 64,
    "sm3": 32,
}

_ID_KP_TIME_STAMPING = "1.3.6.1.5.5.7.3.8"
_ID_SIGNED_DATA = "1.2.840.113549.1.7.2"
_ID_CT_TST_INFO = "1.2.840.113549.1.9.16.1.4"
_ID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
_ID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_ID_SIGNING_TIME = "1.2.840.113549.1.9.5"
_ID_SIGNING_CERTIFICATE = "1.2.840.113549.1.9.16.2.12"
_ID_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"
_SERIAL_BITS = 159  # RFC 3161 serials must fit 160 bits; randomness makes them unique

#: What asn1crypto raises on malformed input, found by fuzzing: parsing is lazy, so any access
#: to a field of hostile DER may fail with one of these.
_PARSE_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    RecursionError,
)


class BadTimestamp(InvalidInput):
    """A timestamp token that is malformed, altered, or not for the data it claims."""

    slug = "bad-timestamp"


class TimestampRefused(InvalidInput):
    """The TSA will not stamp this request; ``failure`` is the PKIFailureInfo bit name."""

    slug = "timestamp-refused"

    def __init__(self, message: str, *, failure: str) -> None:
        super().__init__(message, failure=failure)
        self.failure = failure


@dataclass(frozen=True)
class TimestampInfo:
    """What a verified token asserts. ``gen_time`` is an aware UTC datetime."""

    gen_time: datetime
    serial: int
    policy: str
    hash_algorithm: str
    message_imprint: bytes
    tsa_certificate: Certificate
    nonce: int | None
    #: Every certificate the token carries (the TSA's and its chain), for path validation.
    certificates: tuple[Certificate, ...] = ()


class _TimeStampResp(core.Sequence):  # type: ignore[misc]
    """RFC 3161 TimeStampResp: asn1crypto's lacks the OPTIONAL on the token of a rejection."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


class TimestampAuthority:
    """Issues RFC 3161 tokens with ``key``, which must belong to ``certificate``.

    ``certificate`` must carry the timeStamping extended key usage, alone and critical (RFC 3161
    §2.3), or no verifier would accept the tokens. ``chain`` (issuing CAs) travels in tokens
    whose requester asked for certificates. ``clock`` returns aware datetimes; pass a
    :class:`prex.shared.clock.Clock`'s ``now``.
    """

    def __init__(
        self,
        *,
        key: PrivateKey,
        certificate: Certificate,
        chain: Sequence[Certificate] = (),
        policy: str = PREX_TSA_POLICY,
        clock: Callable[[], datetime],
    ) -> None:
        if key.public_key().spki_der != certificate.public_key.spki_der:
            raise InvalidInput("the TSA key does not belong to the TSA certificate", field="key")
        problem = _tsa_certificate_problem(certificate)
        if problem:
            raise InvalidInput(problem, field="certificate")
        try:
            core.ObjectIdentifier(policy)
        except (ValueError, TypeError) as exc:
            raise InvalidInput(f"{policy!r} is not a dotted OID", field="policy") from exc
        self.key = key
        self.certificate = certificate
        self.chain = tuple(chain)
        self.policy = policy
        self.clock = clock
        self._scheme = key.default_scheme
        cert = asn1_x509.Certificate.load(certificate.der)
        self._issuer_name = cert["tbs_certificate"]["issuer"]
        self._subject_name = cert["tbs_certificate"]["subject"]
        # Encoded once and re-loaded: building it from the parsed name costs a millisecond.
        self._tsa_name = asn1_x509.GeneralName.load(
            asn1_x509.GeneralName(name="directory_name", value=self._subject_name).dump()
        )
        # ESS signingCertificateV2 (RFC 5816): SHA-256 of the certificate (the DEFAULT, so
        # omitted) and its issuer and serial number.
        self._ess_v2 = tsp.SigningCertificateV2.load(
            tsp.SigningCertificateV2(
                {
                    "certs": [
                        {
                            "cert_hash": hash_bytes("sha256", certificate.der),
                            "issuer_serial": {
                                "issuer": [
                                    asn1_x509.GeneralName(
                                        name="directory_name", value=self._issuer_name
                                    )
                                ],
                                "serial_number": certificate.serial,
                            },
                        }
                    ]
                }
            ).dump()
        )

    def stamp(
        self,
        data_digest: bytes,
        *,
        hash_algorithm: str = "sha256",
        nonce: int | None = None,
        include_certificate: bool = True,
    ) -> bytes:
        """A DER TimeStampToken (ContentInfo) over ``data_digest``, a ``hash_algorithm`` hash.

        Raises :class:`TimestampRefused` for an unsupported or wrong-length digest.
        """
        size = STAMPABLE_DIGESTS.get(hash_algorithm)
        if size is None:
            raise TimestampRefused(
                f"digest {hash_algorithm!r} is not accepted "
                f"(use one of {', '.join(STAMPABLE_DIGESTS)})",
                failure="bad_alg",
            )
        if len(data_digest) != size:
            raise TimestampRefused(
                f"a {hash_algorithm} digest is {size} bytes, not {len(data_digest)}",
                failure="bad_data_format",
            )
        imprint = tsp.MessageImprint(
            {
                "hash_algorithm": {"algorithm": DIGEST_OIDS[hash_algorithm]},
                "hashed_message": bytes(data_digest),
            }
        )
        return self._token(imprint, nonce, include_certificate)

    def stamp_data(self, data: bytes) -> bytes:
        """A token over the SHA-256 digest of ``data``."""
        return self.stamp(hash_bytes("sha256", data))

    def respond(self, request_der: bytes) -> bytes:
        """Answer a DER TimeStampReq with a DER TimeStampResp; never raises on bad input."""
        try:
            imprint, nonce, cert_req = self._read_request(request_der)
            token = self._token(imprint, nonce, cert_req)
        except TimestampRefused as refused:
            return _rejection(refused.failure, refused.message)
        except InvalidInput as exc:  # a clock or key that misbehaves: the TSA's fault
            return _rejection("system_failure", f"the TSA cannot stamp now ({exc.message})")
        response = _TimeStampResp(
            {"status": {"status": "granted"}, "time_stamp_token": cms.ContentInfo.load(token)}
        )
        return bytes(response.dump())

    def _read_request(self, request_der: bytes) -> tuple[Any, int | None, bool]:
        if not isinstance(request_der, bytes | bytearray | memoryview):
            raise TimestampRefused("the request is not bytes", failure="bad_data_format")
        if len(request_der) > MAX_REQUEST_BYTES:
            raise TimestampRefused(
                f"a request of {len(request_der)} bytes is refused (limit "
                f"{MAX_REQUEST_BYTES // 1024} KiB)",
                failure="bad_data_format",
            )
        try:
            request = tsp.TimeStampReq.load(bytes(request_der), strict=True)
            version = request["version"].native
            imprint = request["message_imprint"]
            algorithm = imprint["hash_algorithm"]
            algorithm_oid = algorithm["algorithm"].dotted
            parameters = algorithm["parameters"]
            absent = isinstance(parameters, core.Void)
            null = not absent and bytes(parameters.dump()) == b"\x05\x00"
            hashed = bytes(imprint["hashed_message"].native)
            policy = request["req_policy"]
            policy_oid = None if policy.native is None else policy.dotted
            nonce = request["nonce"].native
            cert_req = bool(request["cert_req"].native)
            extensions = request["extensions"].native
        except _PARSE_ERRORS as exc:
            raise TimestampRefused(
                f"the request is not a DER TimeStampReq ({_first_line(exc)})",
                failure="bad_data_format",
            ) from exc
        if version != "v1":
            raise TimestampRefused(
                f"TimeStampReq version {version} is not 1", failure="bad_request"
            )
        name = _digest_name_or_none(algorithm_oid)
        if name not in STAMPABLE_DIGESTS:
            raise TimestampRefused(
                f"digest {name or algorithm_oid} is not accepted "
                f"(use one of {', '.join(STAMPABLE_DIGESTS)})",
                failure="bad_alg",
            )
        if not (absent or null):
            raise TimestampRefused(
                "the digest algorithm must have absent or NULL parameters", failure="bad_alg"
            )
        if len(hashed) != STAMPABLE_DIGESTS[name]:
            raise TimestampRefused(
                f"a {name} digest is {STAMPABLE_DIGESTS[name]} bytes, not {len(hashed)}",
                failure="bad_data_format",
            )
        if policy_oid is not None and policy_oid != self.policy:
            raise TimestampRefused(
                f"this TSA stamps only under policy {self.policy}, not {policy_oid}",
                failure="unaccepted_policy",
            )
        if extensions:
            raise TimestampRefused(
                "this TSA accepts no request extensions", failure="unaccepted_extensions"
            )
        # RFC 3161 §2.4.2: the token repeats the request's imprint, NULL parameters included.
        algorithm_identifier: dict[str, Any] = {"algorithm": algorithm_oid}
        if null:
            algorithm_identifier["parameters"] = core.Null()
        copy = tsp.MessageImprint(
            {"hash_algorithm": algorithm_identifier, "hashed_message": hashed}
        )
        return copy, nonce, cert_req

    def _now(self) -> datetime:
        now = self.clock()
        if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
            raise InvalidInput("the TSA clock must return timezone-aware datetimes")
        return now.astimezone(UTC)

    def _token(self, imprint: Any, nonce: int | None, include_certificate: bool) -> bytes:
        """Sign a TSTInfo repeating ``imprint`` (RFC 3161 §2.4.2).

        Each part is encoded once and re-loaded before it goes into its parent: asn1crypto
        re-encodes a constructed (hence "mutated") value on every access, which made nesting
        them quadratic, and certificates are embedded as the exact bytes they were issued with.
        """
        now = self._now()
        info: dict[str, Any] = {
            "version": "v1",
            "policy": self.policy,
            "message_imprint": imprint,
            "serial_number": secrets.randbelow((1 << _SERIAL_BITS) - 1) + 1,
            "gen_time": now,
            "tsa": self._tsa_name,
        }
        if nonce is not None:
            info["nonce"] = nonce
        tst_der = bytes(tsp.TSTInfo(info).dump())

        digest_algorithm = self._scheme.hash
        digest_oid = DIGEST_OIDS[digest_algorithm]
        attributes_der = bytes(
            cms.CMSAttributes(
                [
                    {"type": _ID_CONTENT_TYPE, "values": [_ID_CT_TST_INFO]},
                    {"type": _ID_SIGNING_TIME, "values": [_time(now)]},
                    {
                        "type": _ID_MESSAGE_DIGEST,
                        "values": [hash_bytes(digest_algorithm, tst_der)],
                    },
                    {"type": _ID_SIGNING_CERTIFICATE_V2, "values": [self._ess_v2]},
                ]
            ).dump()
        )
        signature = self.key.sign(attributes_der, self._scheme)
        signer_info = build_signer_info(
            signer=self.certificate,
            digest_oid=digest_oid,
            attributes_der=attributes_der,
            signature_algorithm=self._scheme.algorithm_identifier(),
            signature=signature,
        )
        signed_data: dict[str, Any] = {
            "version": "v3",
            "digest_algorithms": [{"algorithm": digest_oid}],
            "encap_content_info": {
                "content_type": _ID_CT_TST_INFO,
                "content": cms.ParsableOctetString(tst_der),
            },
            "signer_infos": [signer_info],
        }
        if include_certificate:
            signed_data["certificates"] = [
                cms.CertificateChoices.load(cert.der) for cert in (self.certificate, *self.chain)
            ]
        signed_data_der = cms.SignedData(signed_data).dump()
        content_info = cms.ContentInfo(
            {"content_type": _ID_SIGNED_DATA, "content": cms.SignedData.load(signed_data_der)}
        )
        return bytes(content_info.dump())


def verify_token(
    token: bytes,
    *,
    data: bytes | None = None,
    digest: bytes | None = None,
    certificates: Sequence[Certificate] = (),
) -> TimestampInfo:
    """Check a TimeStampToken (or a granted TimeStampResp) and say what it asserts.

    With ``data`` (or its ``digest`` under the token's hash algorithm) the message imprint must
    match. The TSA certificate is taken from the token or from ``certificates``; its path is
    *not* validated here. Every failure is a :class:`BadTimestamp`.
    """
    if not isinstance(token, bytes | bytearray | memoryview):
        _fail("the timestamp token must be bytes")
    if len(token) > MAX_TOKEN_BYTES:
        _fail(
            f"a timestamp token of {len(token)} bytes is refused "
            f"(limit {MAX_TOKEN_BYTES // 1024} KiB)"
        )
    if not token:
        _fail("the timestamp token is empty")
    try:
        parsed = _parse_token(bytes(token))
    except BadTimestamp:
        raise
    except BadCertificate as exc:
        raise BadTimestamp(f"a certificate in the token is unusable: {exc.message}") from exc
    except (x509.InvalidVersion, x509.DuplicateExtension) as exc:  # not ValueErrors
        raise BadTimestamp(f"a certificate in the token is unusable ({exc})") from exc
    except _PARSE_ERRORS as exc:
        raise BadTimestamp(f"the timestamp token is malformed ({_first_line(exc)})") from exc

    signer = _signer_certificate(parsed, (*parsed.certificates, *certificates))
    _check_signature(parsed, signer)
    _check_ess(parsed, signer)
    problem = _tsa_certificate_problem(signer)
    if problem:
        _fail(problem)
    if not signer.not_before <= parsed.gen_time <= signer.not_after:
        _fail(
            f"the token's time {parsed.gen_time.isoformat()} is outside the TSA certificate's "
            f"validity ({signer.not_before.isoformat()} to {signer.not_after.isoformat()})"
        )
    _check_imprint(parsed, data, digest)
    return TimestampInfo(
        gen_time=parsed.gen_time,
        serial=parsed.serial,
        policy=parsed.policy,
        hash_algorithm=parsed.hash_algorithm,
        message_imprint=parsed.message_imprint,
        tsa_certificate=signer,
        nonce=parsed.nonce,
        certificates=parsed.certificates,
    )


@dataclass(frozen=True)
class _ParsedToken:
    """A token's fields as plain Python values, read in one place that catches parse errors."""

    tst_der: bytes
    gen_time: datetime
    serial: int
    policy: str
    hash_algorithm: str
    message_imprint: bytes
    nonce: int | None
    sid_issuer: Any  # asn1crypto Name, or None when the signer is named by key identifier
    sid_serial: int | None
    sid_key_id: bytes | None
    digest_algorithm: str
    signature_algorithm: str
    signature_parameters: Any
    signature: bytes
    signed_attrs_der: bytes
    content_type: str
    message_digest: bytes
    ess: tuple[str, bytes, Any, int | None] | None  # hash name, hash, issuer names, serial
    certificates: tuple[Certificate, ...]


def _parse_token(token: bytes) -> _ParsedToken:
    content_info = _unwrap(token)
    if content_info["content_type"].dotted != _ID_SIGNED_DATA:
        _fail("the token is not a CMS SignedData")
    signed_data = content_info["content"]
    encap = signed_data["encap_content_info"]
    if encap["content_type"].dotted != _ID_CT_TST_INFO:
        _fail("the token does not contain a TSTInfo (eContentType is not id-ct-TSTInfo)")
    content = encap["content"]
    if isinstance(content, core.Void):
        _fail("the token's TSTInfo is missing (detached content)")
    tst_der = bytes(content.__bytes__())
    tst = tsp.TSTInfo.load(tst_der, strict=True)
    if tst["version"].native != "v1":
        _fail(f"TSTInfo version {tst['version'].native} is not 1")
    imprint = tst["message_imprint"]
    imprint_algorithm = imprint["hash_algorithm"]
    hash_name = _digest_name_or_none(imprint_algorithm["algorithm"].dotted)
    if hash_name not in STAMPABLE_DIGESTS:
        _fail(
            f"the token stamps a {hash_name or imprint_algorithm['algorithm'].dotted} digest, "
            "which is not accepted"
        )
    hashed = bytes(imprint["hashed_message"].native)
    if len(hashed) != STAMPABLE_DIGESTS[hash_name]:
        _fail(f"the token's {hash_name} imprint has the wrong length ({len(hashed)} bytes)")
    gen_time = tst["gen_time"].native
    if not isinstance(gen_time, datetime) or gen_time.tzinfo is None:
        _fail("the token's genTime is not a UTC time")
    serial = tst["serial_number"].native
    nonce = tst["nonce"].native
    policy = tst["policy"].dotted

    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) != 1:
        _fail(f"a timestamp token has exactly one signer, this one has {len(signer_infos)}")
    signer_info = signer_infos[0]
    sid = signer_info["sid"]
    sid_issuer = sid_serial = sid_key_id = None
    if sid.name == "issuer_and_serial_number":
        sid_issuer = sid.chosen["issuer"]
        sid_issuer.native  # noqa: B018 - parse now, inside the error handler
        sid_serial = sid.chosen["serial_number"].native
    else:
        sid_key_id = bytes(sid.chosen.native)

    signed_attrs = signer_info["signed_attrs"]
    if isinstance(signed_attrs, core.Void):
        _fail("the token's signer has no signed attributes")
    # The signature covers the attributes as received, re-tagged as a SET OF. Take the bytes
    # before reading any child: asn1crypto marks a SEQUENCE whose DEFAULT field was absent as
    # mutated, and would then re-encode rather than return what was signed.
    signed_attrs_der = b"\x31" + bytes(signed_attrs.dump())[1:]
    if len(signed_attrs) == 0:
        _fail("the token's signer has no signed attributes")
    attributes: dict[str, Any] = {}
    for attribute in signed_attrs:
        kind = attribute["type"].dotted
        if kind in attributes:
            _fail(f"the signed attribute {kind} appears twice")
        values = attribute["values"]
        if len(values) != 1:
            _fail(f"the signed attribute {kind} must have exactly one value")
        attributes[kind] = values[0]
    if _ID_CONTENT_TYPE not in attributes or _ID_MESSAGE_DIGEST not in attributes:
        _fail("the token's signer lacks the contentType or messageDigest attribute")

    certificates = tuple(
        _load_certificate(bytes(choice.chosen.dump()))
        for choice in (signed_data["certificates"] or [])
        if choice.name == "certificate"
    )
    algorithm = signer_info["signature_algorithm"]
    return _ParsedToken(
        tst_der=tst_der,
        gen_time=gen_time.astimezone(UTC),
        serial=int(serial),
        policy=str(policy),
        hash_algorithm=hash_name,
        message_imprint=hashed,
        nonce=None if nonce is None else int(nonce),
        sid_issuer=sid_issuer,
        sid_serial=None if sid_serial is None else int(sid_serial),
        sid_key_id=sid_key_id,
        digest_algorithm=signer_info["digest_algorithm"]["algorithm"].dotted,
        signature_algorithm=algorithm["algorithm"].dotted,
        signature_parameters=algorithm["parameters"],
        signature=bytes(signer_info["signature"].native),
        signed_attrs_der=signed_attrs_der,
        content_type=_attribute_oid(attributes[_ID_CONTENT_TYPE]),
        message_digest=_attribute_bytes(attributes[_ID_MESSAGE_DIGEST]),
        ess=_ess_binding(attributes),
        certificates=certificates,
    )


def _unwrap(token: bytes) -> Any:
    """The ContentInfo of a bare token, or of the token inside a granted TimeStampResp."""
    outer = core.load(token, strict=True)
    if not isinstance(outer, core.Sequence) or len(outer) < 1:
        _fail("the timestamp token is not an ASN.1 SEQUENCE")
    if isinstance(outer[0], core.ObjectIdentifier):
        return cms.ContentInfo.load(token, strict=True)
    # Read no more of the response than its status: asn1crypto re-encodes what has been read
    # (see _parse_token), and the token is parsed afresh from its own bytes.
    response = _TimeStampResp.load(token, strict=True)
    status = response["status"]
    if status["status"].native not in ("granted", "granted_with_mods"):
        failures = sorted(status["fail_info"].native or ())
        text = " ".join(status["status_string"].native or ())
        _fail(
            f"the TSA refused the request ({status['status'].native}"
            f"{': ' + ', '.join(failures) if failures else ''}{': ' + text if text else ''})"
        )
    token_info = response["time_stamp_token"]
    if isinstance(token_info, core.Void):
        _fail("the timestamp response carries no token")
    return cms.ContentInfo.load(bytes(token_info.dump()), strict=True)


def _load_certificate(der: bytes) -> Certificate:
    """A certificate embedded in a token, checked further than :func:`load_certificate` does.

    cryptography only warns (CryptographyDeprecationWarning) about a serial number that is not
    positive, and parses the issuer name lazily; both are settled here, inside the caller's
    error handling, so that a hostile token yields BadTimestamp and never a warning or a
    ValueError later.
    """
    serial = asn1_x509.Certificate.load(der)["tbs_certificate"]["serial_number"].native
    if not isinstance(serial, int) or serial <= 0:
        _fail("a certificate in the token has a serial number that is not positive")
    certificate = load_certificate(der)
    certificate.issuer_der  # noqa: B018 - parsed lazily by cryptography: fail now
    return certificate


def _ess_binding(attributes: dict[str, Any]) -> tuple[str, bytes, Any, int | None] | None:
    if _ID_SIGNING_CERTIFICATE_V2 in attributes:
        value = _as(tsp.SigningCertificateV2, attributes[_ID_SIGNING_CERTIFICATE_V2])
        first = value["certs"][0]
        name = _digest_name_or_none(first["hash_algorithm"]["algorithm"].dotted)
        if name is None:
            _fail("the ESS signing certificate uses an unknown digest")
    elif _ID_SIGNING_CERTIFICATE in attributes:
        value = _as(tsp.SigningCertificate, attributes[_ID_SIGNING_CERTIFICATE])
        first = value["certs"][0]
        name = "sha1"
    else:
        return None
    cert_hash = bytes(first["cert_hash"].native)
    issuer_serial = first["issuer_serial"]
    if issuer_serial.native is None:
        return name, cert_hash, None, None
    issuer_serial["issuer"].native  # noqa: B018 - parse now, inside the error handler
    return name, cert_hash, issuer_serial["issuer"], int(issuer_serial["serial_number"].native)


def _as(spec: Any, value: Any) -> Any:
    """``value`` as an instance of ``spec`` (an attribute of an unregistered type is ``Any``)."""
    return value if isinstance(value, spec) else spec.load(value.dump(), strict=True)


def _attribute_oid(value: Any) -> str:
    return str(_as(core.ObjectIdentifier, value).dotted)


def _attribute_bytes(value: Any) -> bytes:
    return bytes(_as(core.OctetString, value).native)


def _signer_certificate(parsed: _ParsedToken, candidates: Sequence[Certificate]) -> Certificate:
    for cert in candidates:
        if parsed.sid_key_id is not None:
            if cert.subject_key_id == parsed.sid_key_id:
                return cert
        elif cert.serial == parsed.sid_serial and _issued_by(cert, parsed.sid_issuer):
            return cert
    if candidates:
        raise BadTimestamp("none of the certificates at hand is the one that signed the token")
    raise BadTimestamp("the token does not carry the TSA certificate; pass it as certificates=")


def _issued_by(certificate: Certificate, name: Any) -> bool:
    """The issuer is ``name`` bytewise, or after RFC 5280 §7.1 normalisation (case, spaces)."""
    try:
        der = certificate.issuer_der
        return bool(name.dump() == der or asn1_x509.Name.load(der) == name)
    except _PARSE_ERRORS:
        return False


def _check_signature(parsed: _ParsedToken, signer: Certificate) -> None:
    digest_algorithm = _digest_name_or_none(parsed.digest_algorithm)
    if digest_algorithm is None or digest_algorithm in WEAK_HASHES:
        _fail(
            f"the token's signature digest {digest_algorithm or parsed.digest_algorithm} "
            "is not accepted"
        )
    try:
        scheme = scheme_for(
            parsed.signature_algorithm, parsed.signature_parameters, parsed.digest_algorithm
        )
    except InvalidInput as exc:
        raise BadTimestamp(f"the token's {exc.message}") from exc
    except _PARSE_ERRORS as exc:  # RSASSA-PSS parameters are read only here
        raise BadTimestamp(f"the token's signature algorithm is malformed ({exc})") from exc
    if scheme.hash != digest_algorithm:
        _fail(
            f"the signature algorithm ({scheme.hash}) and the signer's digest "
            f"({digest_algorithm}) disagree"
        )
    if parsed.content_type != _ID_CT_TST_INFO:
        _fail("the signed contentType attribute is not id-ct-TSTInfo")
    if parsed.message_digest != hash_bytes(digest_algorithm, parsed.tst_der):
        _fail("the TSTInfo was altered: its digest differs from the signed messageDigest")
    try:
        public_key = signer.public_key
    except InvalidInput as exc:
        raise BadTimestamp(f"the TSA certificate's key is unusable: {exc.message}") from exc
    except _PARSE_ERRORS as exc:
        raise BadTimestamp(f"the TSA certificate's key is unusable ({_first_line(exc)})") from exc
    if not public_key.verify(scheme, parsed.signature, parsed.signed_attrs_der):
        _fail("the token's signature does not verify with the TSA certificate's key")


def _check_ess(parsed: _ParsedToken, signer: Certificate) -> None:
    if parsed.ess is None:
        _fail(
            "the token has no ESS signing-certificate attribute binding the TSA certificate "
            "(RFC 3161 §2.4.1, RFC 5816)"
        )
    hash_name, cert_hash, issuer_names, serial = parsed.ess
    if hash_bytes(hash_name, signer.der) != cert_hash:
        _fail("the ESS signing-certificate attribute names a different TSA certificate")
    if issuer_names is None:
        return
    names = [name.chosen for name in issuer_names if name.name == "directory_name"]
    if serial != signer.serial or not any(_issued_by(signer, name) for name in names):
        _fail("the ESS signing-certificate issuer and serial do not match the TSA certificate")


def _check_imprint(parsed: _ParsedToken, data: bytes | None, data_digest: bytes | None) -> None:
    if (
        data is not None
        and hash_bytes(parsed.hash_algorithm, bytes(data)) != parsed.message_imprint
    ):
        _fail("the token was not made for this data: the message imprint differs")
    if data_digest is not None and bytes(data_digest) != parsed.message_imprint:
        _fail("the token was not made for this digest: the message imprint differs")


def _tsa_certificate_problem(certificate: Certificate) -> str | None:
    """Why ``certificate`` cannot be a TSA's (RFC 3161 §2.3), or None."""
    try:
        extension = certificate.x509.extensions.get_extension_for_oid(
            ExtensionOID.EXTENDED_KEY_USAGE
        )
    except x509.ExtensionNotFound:
        return "the TSA certificate has no extended key usage; it needs critical timeStamping"
    except (ValueError, x509.DuplicateExtension) as exc:
        return f"the TSA certificate's extensions are malformed ({_first_line(exc)})"
    purposes = certificate.extended_key_usage or frozenset()
    if purposes != {_ID_KP_TIME_STAMPING}:
        return "the TSA certificate's only extended key usage must be timeStamping"
    if not extension.critical:
        return "the TSA certificate's timeStamping extended key usage must be critical"
    usage = certificate.key_usage
    if usage is not None and not usage & {"digital_signature", "content_commitment"}:
        return "the TSA certificate's key usage does not allow signatures"
    return None


def _rejection(failure: str, text: str) -> bytes:
    response = _TimeStampResp(
        {
            "status": {
                "status": "rejection",
                "status_string": [text[:500]],
                "fail_info": tsp.PKIFailureInfo({failure}),
            }
        }
    )
    return bytes(response.dump())


def _digest_name_or_none(oid: str) -> str | None:
    try:
        return digest_name(oid)
    except InvalidInput:
        return None


def _time(moment: datetime) -> Any:
    if 1950 <= moment.year < 2050:
        return cms.Time(name="utc_time", value=moment.replace(microsecond=0))
    return cms.Time(name="generalized_time", value=moment.replace(microsecond=0))


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _fail(message: str) -> NoReturn:
    raise BadTimestamp(message)
