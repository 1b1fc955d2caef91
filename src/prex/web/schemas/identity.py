"""Schemas of the identity API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from prex.identity.policy import Role
from prex.web.schemas.common import Division, Id, Text300, Uscc

STRICT = ConfigDict(extra="forbid")


class LoginRequest(BaseModel):
    model_config = STRICT
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Unlocked(BaseModel):
    username: str
    was_locked: bool  # whether a lock-out was in force (the failures are forgotten either way)


class TokenPublic(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_at: datetime


class Me(BaseModel):
    user_id: str
    label: str
    org_id: str | None
    centre_id: str | None
    roles: list[Role]


class CentreCreate(BaseModel):
    model_config = STRICT
    name: Text300
    division_code: Division
    parent_id: Id | None = None
    platform_code: str = Field(min_length=1, max_length=32)


class CentrePublic(BaseModel):
    id: str
    name: str
    division_code: str
    parent_id: str | None


class OrganisationCreate(BaseModel):
    model_config = STRICT
    uscc: Uscc
    name: Text300
    centre_id: Id
    kinds: list[str] = Field(min_length=1, max_length=6)
    contact_email: EmailStr | None = None


class OrganisationPublic(BaseModel):
    id: str
    uscc: str
    name: str
    division_code: str
    kinds: list[str]


class UserCreate(BaseModel):
    model_config = STRICT
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=10, max_length=256)
    display_name: Text300
    roles: list[Role] = Field(min_length=1)
    org_id: Id | None = None
    centre_id: Id | None = None
    email: EmailStr | None = None
    mobile: str | None = Field(default=None, max_length=32)  # mainland mobile, for SMS


class MobileIn(BaseModel):
    """The signed-in user's mobile number for SMS notifications (empty or null: none)."""

    model_config = STRICT
    mobile: str | None = Field(default=None, max_length=32)


class MobileOut(BaseModel):
    mobile: str | None  # E.164, +86…


class Created(BaseModel):
    id: str


class DeliveryPublic(BaseModel):
    """What one channel did: sent | failed | not_configured | no_address, and why."""

    status: str
    detail: str | None
    at: datetime


class NotificationPublic(BaseModel):
    id: str
    subject: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None
    deliveries: dict[str, DeliveryPublic] = Field(default_factory=dict)  # by channel
