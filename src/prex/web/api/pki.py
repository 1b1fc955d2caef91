"""HTTP API of the pki context: the trust list, certificate checks, certificate login."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from prex.identity.lockout import LoginLimits
from prex.identity.policy import Action
from prex.pki import login
from prex.pki.certs import parse_certificate, parse_certificates, pem_or_base64
from prex.pki.cms import BadSignature
from prex.pki.path import CertificateRefused
from prex.pki.service import add_cas, find_ca, set_ca_status
from prex.pki.signatures import verify_signed
from prex.pki.trust import Purpose, TrustedCa
from prex.shared.errors import InvalidInput
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, require
from prex.web.schemas.identity import TokenPublic
from prex.web.schemas.pki import (
    BindingPublic,
    CaAdded,
    CaCreate,
    CaPublic,
    CaStatusChange,
    CertificateCheck,
    CertificateVerdict,
    ChallengePublic,
    ChallengeRequest,
    HolderPublic,
    SignatureVerdictPublic,
    SignedChallengeBody,
)
from prex.web.uploads import certificate_text

router = APIRouter(tags=["pki"])


def _ca_public(entry: TrustedCa) -> CaPublic:
    cert = entry.certificate
    return CaPublic(
        id=entry.id,
        subject=cert.subject_text,
        fingerprint=cert.fingerprint,
        root=entry.is_root,
        key=cert.public_key.kind,
        status=entry.status.value,
        status_reason=entry.status_reason,
        purposes=[p.value for p in entry.purposes],
        profile=list(entry.profile),
        label=entry.label,
        not_before=cert.not_before,
        not_after=cert.not_after,
        certificate=cert.pem(),
    )


@router.get("/cas", response_model=list[CaPublic], openapi_extra=acts(Action.PUBLIC_READ))
def list_cas(services: ServicesDep) -> list[CaPublic]:
    """The trust list: every CA whose certificates this platform accepts, and their status.
    Public, so that bidders and other platforms can see which CAs are recognised."""
    return [_ca_public(e) for e in services.pki.trust_list().entries]


@router.get("/cas/{ca_id}", response_model=CaPublic, openapi_extra=acts(Action.PUBLIC_READ))
def get_ca(ca_id: str, services: ServicesDep) -> CaPublic:
    return _ca_public(find_ca(services.pki.trust_list(), ca_id))


@router.post(
    "/cas",
    response_model=list[CaAdded],
    status_code=201,
    openapi_extra=acts(Action.CA_MANAGE),
    dependencies=[Depends(require(Action.CA_MANAGE))],
)
def add_ca(body: CaCreate, uow: UowDep, services: ServicesDep) -> list[CaAdded]:
    """Add CA certificates (PEM, possibly several, or base64 DER/PKCS#7) to the trust list."""
    results = add_cas(
        uow,
        certificate_text(services, body.certificates, "certificates"),
        purposes=body.purposes,
        profile=body.profile,
        label=body.label,
    )
    return [CaAdded(**r.__dict__) for r in results]


@router.post(
    "/cas/{ca_id}/status",
    response_model=CaPublic,
    openapi_extra=acts(Action.CA_MANAGE),
    dependencies=[Depends(require(Action.CA_MANAGE))],
)
def change_ca_status(
    ca_id: str, body: CaStatusChange, uow: UowDep, services: ServicesDep
) -> CaPublic:
    """Suspend, re-activate or withdraw a CA (withdrawal is final)."""
    set_ca_status(uow, ca_id, body.status, body.reason)
    return _ca_public(find_ca(services.pki.trust_list(), ca_id))


@router.post(
    "/certificates/verify",
    response_model=CertificateVerdict,
    openapi_extra=acts(Action.SIGNATURE_VERIFY),
    dependencies=[Depends(require(Action.SIGNATURE_VERIFY))],
)
def verify_certificate(body: CertificateCheck, services: ServicesDep) -> CertificateVerdict:
    """Whether a certificate is trusted for a purpose (at a time), and whose it is. A refused
    certificate is an answer (``trusted: false`` with the reason), not an error."""
    try:
        purpose = Purpose(body.purpose)
    except ValueError:
        raise InvalidInput("purpose is login, signing or encryption", field="purpose") from None
    certificate = parse_certificate(pem_or_base64(body.certificate, "certificate"))
    chain = [c for text in body.chain for c in parse_certificates(pem_or_base64(text, "chain"))]
    try:
        path, holder = services.pki.verify(
            certificate, purpose=purpose, at=body.at, intermediates=chain
        )
    except CertificateRefused as exc:
        return CertificateVerdict(trusted=False, reason=exc.reason.value, message=exc.message)
    return CertificateVerdict(
        trusted=True,
        holder=HolderPublic(kind=holder.kind, code=holder.display, name=holder.name),
        chain=[c.subject_text for c in path.chain],
        revocation=list(path.revocation),
    )


@router.post(
    "/certificate-challenges",
    response_model=ChallengePublic,
    status_code=201,
    openapi_extra=acts(Action.SESSION_LOGIN),
)
def new_challenge(body: ChallengeRequest, uow: UowDep, services: ServicesDep) -> ChallengePublic:
    """A single-use nonce to sign with the certificate's key, for login or for binding."""
    challenge = login.issue_challenge(
        uow,
        body.purpose,
        lifetime=timedelta(seconds=services.settings.challenge_seconds),
        platform_code=services.settings.platform_code,
    )
    return ChallengePublic(
        challenge_id=challenge.id,
        nonce=challenge.nonce,
        purpose=challenge.purpose,
        expires_at=challenge.expires_at,
        message=challenge.message,
        algorithms=sorted(login.SCHEMES),
    )


def _proof(body: SignedChallengeBody) -> login.SignedChallenge:
    return login.SignedChallenge(
        challenge_id=body.challenge_id,
        certificate=body.certificate,
        signature=body.signature,
        algorithm=body.algorithm,
        chain=tuple(body.chain),
    )


@router.post(
    "/session/certificate", response_model=TokenPublic, openapi_extra=acts(Action.SESSION_LOGIN)
)
def certificate_sign_in(
    body: SignedChallengeBody, uow: UowDep, services: ServicesDep
) -> TokenPublic:
    """Exchange a signed challenge for a bearer token (RSA, ECDSA or SM2 certificates).
    Failures count against the certificate and the caller's address as password failures do:
    past the limit, 429 ``sign-in-throttled`` with ``Retry-After``."""
    credential = login.login_with_certificate(
        uow,
        services.pki,
        _proof(body),
        platform_code=services.settings.platform_code,
        kind="token",
        lifetime=timedelta(days=services.settings.token_days),
        limits=LoginLimits.from_settings(services.settings),
    )
    return TokenPublic(token=credential.secret, expires_at=credential.expires_at)


@router.get(
    "/me/certificates",
    response_model=list[BindingPublic],
    openapi_extra=acts(Action.CERT_BIND),
    dependencies=[Depends(require(Action.CERT_BIND))],
)
def my_certificates(actor: ActorDep, services: ServicesDep) -> list[BindingPublic]:
    assert actor.user_id is not None
    with services.read_session() as session:
        return [BindingPublic(**b.__dict__) for b in login.bindings_of(session, actor.user_id)]


@router.post(
    "/me/certificates",
    response_model=BindingPublic,
    status_code=201,
    openapi_extra=acts(Action.CERT_BIND),
    dependencies=[Depends(require(Action.CERT_BIND))],
)
def bind_certificate(
    body: SignedChallengeBody, uow: UowDep, services: ServicesDep
) -> BindingPublic:
    """Bind a certificate to the signed-in account (sign a challenge of purpose ``bind``)."""
    certificate_text(services, body.certificate, "certificate")  # the upload checks
    binding = login.bind_certificate(
        uow,
        services.pki,
        _proof(body),
        platform_code=services.settings.platform_code,
        secret=services.settings.secret_key,
    )
    return BindingPublic(**binding.__dict__)


@router.delete(
    "/me/certificates/{binding_id}",
    status_code=204,
    openapi_extra=acts(Action.CERT_BIND),
    dependencies=[Depends(require(Action.CERT_BIND))],
)
def unbind_certificate(binding_id: str, uow: UowDep) -> None:
    login.unbind_certificate(uow, binding_id)


_BINARY = {"type": "string", "format": "binary"}
MAX_SIGNED_CONTENT = 50 * 1024 * 1024
MAX_SIGNATURE = 1024 * 1024


async def _read_limited(upload: UploadFile, limit: int, field: str) -> bytes:
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"{field} is larger than {limit // 1024} KiB", field=field)
    return data


@router.post(
    "/signatures/verify",
    response_model=SignatureVerdictPublic,
    openapi_extra=acts(Action.SIGNATURE_VERIFY),
    dependencies=[Depends(require(Action.SIGNATURE_VERIFY))],
)
async def verify_signature(
    services: ServicesDep,
    content: Annotated[UploadFile, File(description="the signed document")],
    signature: Annotated[
        UploadFile, File(description="detached CMS SignedData or GB/T 35275 SM2 signed data")
    ],
) -> SignatureVerdictPublic:
    """Check a detached signature and its signer's certificate. An invalid signature or an
    untrusted signer is an answer (``valid: false`` with the reason); malformed input is a 422."""
    data = await _read_limited(content, MAX_SIGNED_CONTENT, "content")
    sig = await _read_limited(signature, MAX_SIGNATURE, "signature")
    try:
        verdict = await run_in_threadpool(verify_signed, services.pki, data, sig)
    except CertificateRefused as exc:
        return SignatureVerdictPublic(valid=False, reason=exc.reason.value, message=exc.message)
    except BadSignature as exc:
        return SignatureVerdictPublic(valid=False, reason=exc.slug, message=exc.message)
    return SignatureVerdictPublic(
        valid=True,
        signer=verdict.check.signer.subject_text,
        holder=HolderPublic(
            kind=verdict.holder.kind, code=verdict.holder.display, name=verdict.holder.name
        ),
        signing_time=verdict.check.signing_time,
        digest_algorithm=verdict.check.digest_algorithm,
        chain=[c.subject_text for c in verdict.path.chain],
    )


@router.post(
    "/timestamp",
    openapi_extra={
        **acts(Action.TIMESTAMP_ISSUE),
        "requestBody": {
            "content": {
                "application/timestamp-query": {"schema": {"type": "string", "format": "binary"}}
            }
        },
    },
    response_class=Response,
    responses={200: {"content": {"application/timestamp-reply": {}}}},
    dependencies=[Depends(require(Action.TIMESTAMP_ISSUE))],
)
async def timestamp(request: Request, services: ServicesDep, uow: UowDep) -> Response:
    """RFC 3161 over HTTP: a TimeStampReq in, a TimeStampResp out (a rejection, with its
    failure info, for a malformed or unsupported request)."""
    body = await request.body()
    if len(body) > 64 * 1024:
        raise InvalidInput("a timestamp request is at most 64 KiB", field="body")
    reply = await run_in_threadpool(services.pki.issue_timestamp, uow, body)
    return Response(reply, media_type="application/timestamp-reply")


@router.get(
    "/timestamp/certificates",
    response_class=PlainTextResponse,
    responses={200: {"content": {"application/x-pem-file": {"schema": {"type": "string"}}}}},
    openapi_extra=acts(Action.PUBLIC_READ),
)
def timestamp_certificates(services: ServicesDep) -> PlainTextResponse:
    """The timestamp authority's certificate and the platform CA (PEM), to verify tokens with
    ``openssl ts -verify -CAfile …``."""
    return PlainTextResponse(
        services.pki.platform_keys().chain_pem(), media_type="application/x-pem-file"
    )
