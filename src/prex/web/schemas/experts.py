"""Schemas of the expert registry API: identities appear only in the ``…Public`` shapes that
the routes needing ``expert.read_identity`` return."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from prex.experts.model import ExpertData, Title, parse_title

STRICT = ConfigDict(extra="forbid")
Id = Annotated[str, Field(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")]
Reason = Annotated[str, Field(min_length=1, max_length=2000)]


class Specialty(BaseModel):
    code: str
    name: str


class ExpertIn(BaseModel):
    """An expert's record. Each field is checked as the CSV import checks it; ``title`` is
    正高级, 副高级, 中级 or 初级 (or full_senior, deputy_senior, intermediate, junior)."""

    model_config = STRICT
    name: str = Field(max_length=200)
    id_number: str | None = Field(
        default=None,
        max_length=40,
        description="resident identity number; required to register, omit to keep on update",
    )
    phone: str = Field(max_length=40)
    employer_uscc: str | None = Field(default=None, max_length=40)
    title: str = Field(max_length=40)
    years_of_practice: int
    specialties: list[str] = Field(min_length=1, max_length=20)
    centre_id: Id | None = Field(
        default=None, description="home centre; default: yours (register) or unchanged (update)"
    )
    credit_score: int = 100
    user_id: Id | None = Field(default=None, description="the expert's own account, if any")

    def data(self, centre_id: str) -> ExpertData:
        return ExpertData(
            name=self.name,
            id_number=self.id_number,
            phone=self.phone,
            employer_uscc=self.employer_uscc,
            title=parse_title(self.title),
            years_of_practice=self.years_of_practice,
            specialties=tuple(self.specialties),
            centre_id=centre_id,
            credit_score=self.credit_score,
            user_id=self.user_id,
        )


class ExpertPublic(BaseModel):
    """An expert with its identity: only for those who may read it."""

    id: str
    name: str
    id_number_masked: str
    phone: str
    employer_uscc: str | None
    employer_name: str | None
    title: Title
    title_label: str
    years_of_practice: int
    specialties: list[Specialty]
    centre_id: str
    credit_score: int
    user_id: str | None
    blacklisted: bool
    unavailable: bool
    created_at: datetime
    updated_at: datetime


class ExpertList(BaseModel):
    items: list[ExpertPublic]
    total: int
    on: date


class BlacklistIn(BaseModel):
    model_config = STRICT
    reason: Reason
    source: str | None = Field(
        default=None, max_length=200, description="who decided; default: you"
    )
    start: date | None = Field(default=None, description="default: today")
    until: date | None = Field(default=None, description="inclusive; none: until lifted")


class BlacklistPublic(BaseModel):
    id: str
    reason: str
    source: str
    start: date
    until: date | None
    created_at: datetime
    lifted_at: datetime | None
    lift_reason: str | None


class LiftIn(BaseModel):
    model_config = STRICT
    reason: Reason


class UnavailableIn(BaseModel):
    model_config = STRICT
    start: date
    until: date = Field(description="inclusive")
    reason: str = Field(default="", max_length=2000)


class UnavailablePublic(BaseModel):
    id: str
    start: date
    until: date
    reason: str


class InterestIn(BaseModel):
    model_config = STRICT
    uscc: str = Field(max_length=40, description="the organisation's credit code")
    reason: Reason


class InterestPublic(BaseModel):
    id: str
    uscc: str
    org_name: str | None
    reason: str
    declared_at: datetime


class ServicePublic(BaseModel):
    tender_id: str
    tenderer_uscc: str
    served_on: date


class ExpertDetailPublic(BaseModel):
    expert: ExpertPublic
    blacklist: list[BlacklistPublic]
    unavailability: list[UnavailablePublic]
    interests: list[InterestPublic]
    services: list[ServicePublic]


class Created(BaseModel):
    id: str


class Updated(BaseModel):
    id: str
    changed: list[str]


class RowPublic(BaseModel):
    line: int
    outcome: str = Field(description="created | updated | unchanged | rejected")
    expert_id: str | None
    reasons: list[str]


class ImportPublic(BaseModel):
    import_id: str
    file_sha256: str
    ok: bool = Field(description="every row imported (created, updated or unchanged)")
    summary: dict[str, int]
    results: list[RowPublic]
