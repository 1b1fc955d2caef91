"""Schemas of the pki API: trust list, certificate checks, certificate login and binding."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

STRICT = ConfigDict(extra="forbid")
Pem = str  # a PEM certificate or base64 DER; sizes are limited by the parser


class CaPublic(BaseModel):
    id: str
    subject: str
    fingerprint: str
    root: bool
    key: str
    status: str
    status_reason: str
    purposes: list[str]
    profile: list[str]
    label: str
    not_before: datetime
    not_after: datetime
    certificate: str


class CaCreate(BaseModel):
    model_config = STRICT
    certificates: str = Field(
        min_length=1, max_length=1_500_000, description="PEM text (one or many) or base64 DER"
    )
    purposes: list[str] = Field(default_factory=list, max_length=3)
    profile: list[str] = Field(default_factory=list, max_length=8)
    label: str = Field(default="", max_length=200)


class CaAdded(BaseModel):
    id: str
    subject: str
    fingerprint: str
    added: bool


class CaStatusChange(BaseModel):
    model_config = STRICT
    status: str = Field(description="active, suspended or withdrawn")
    reason: str = Field(default="", max_length=500)


class CertificateCheck(BaseModel):
    model_config = STRICT
    certificate: Pem = Field(min_length=1, max_length=200_000)
    chain: list[Pem] = Field(default_factory=list, max_length=8)
    purpose: str = "signing"
    at: datetime | None = None


class HolderPublic(BaseModel):
    kind: str
    code: str
    name: str


class CertificateVerdict(BaseModel):
    trusted: bool
    reason: str | None = None
    message: str | None = None
    holder: HolderPublic | None = None
    chain: list[str] = Field(default_factory=list)
    revocation: list[str] = Field(default_factory=list)


class ChallengeRequest(BaseModel):
    model_config = STRICT
    purpose: str = Field(default="login", description="login or bind")


class ChallengePublic(BaseModel):
    challenge_id: str
    nonce: str
    purpose: str
    expires_at: datetime
    message: str = Field(description="the exact UTF-8 text to sign with the certificate's key")
    algorithms: list[str]


class SignedChallengeBody(BaseModel):
    model_config = STRICT
    challenge_id: str = Field(min_length=1, max_length=26)
    certificate: Pem = Field(min_length=1, max_length=200_000)
    chain: list[Pem] = Field(default_factory=list, max_length=8)
    signature: str = Field(min_length=1, max_length=4096, description="base64")
    algorithm: str = Field(description="rsa-pkcs1-sha256, rsa-pss-sha256, ecdsa-sha256, …")


class BindingPublic(BaseModel):
    id: str
    fingerprint: str
    subject: str
    identity_kind: str
    identity_display: str
    not_after: datetime
    bound_at: datetime


class SignatureVerdictPublic(BaseModel):
    valid: bool
    reason: str | None = None
    message: str | None = None
    signer: str | None = None
    holder: HolderPublic | None = None
    signing_time: datetime | None = None
    digest_algorithm: str | None = None
    chain: list[str] = Field(default_factory=list)
