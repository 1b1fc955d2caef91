"""Typed settings, from ``PREX_*`` environment variables or a ``prex.toml`` in the working folder.

Built by :func:`get_settings`, never at import, so that tests and commands choose their own.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEV_SECRET = "prex-development-secret-change-me"


class Settings(BaseSettings):
    """Everything an operator may configure."""

    model_config = SettingsConfigDict(
        env_prefix="PREX_", toml_file="prex.toml", extra="forbid", frozen=True
    )

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file prex.db in data_dir"
    )
    secret_key: str = DEV_SECRET
    platform_code: str = Field(default="PREX00000", description="PLATFORM_CODE of this centre")
    platform_name: str = "prex 公共资源交易平台"
    base_url: str = "http://127.0.0.1:8000"
    ocds_prefix: str = Field(
        default="prex00",
        pattern=r"^[a-z0-9]{6}$",
        description="the registered OCDS prefix after 'ocds-'; ocids are "
        "ocds-<prefix>-<unified deal code>. The default is a placeholder: register one",
    )
    pub_service_plat_code: str = Field(
        default="PREXPSP00",
        description="PUB_SERVICE_PLAT_CODE: the public service platform this centre reports to",
    )
    upstream_url: str | None = Field(
        default=None,
        description="where data-spec records are pushed (an upstream's .../api/v1/upstream/"
        "records); nothing is pushed when unset",
    )
    upstream_timeout: float = Field(default=5.0, gt=0, description="seconds per push request")
    upstream_batch: int = Field(default=100, ge=1, le=1000, description="records per request")
    upstream_retry_seconds: float = Field(
        default=2.0, gt=0, description="first back-off after a failed push; doubles each time"
    )
    upstream_retry_max_seconds: float = Field(default=600.0, gt=0)
    upstream_certificate: Path | None = Field(
        default=None,
        description="PEM certificate (and chain) that signs pushes; default the platform's "
        "signing certificate",
    )
    upstream_key: Path | None = Field(default=None, description="its PEM private key")

    guarantor_key: Path | None = Field(
        default=None,
        description="PEM private key of the guarantor that the shipped 'certificate' guarantee "
        "provider issues electronic bid guarantees with (PREX_GUARANTOR_KEY)",
    )
    guarantor_cert: Path | None = Field(
        default=None,
        description="its PEM organisation certificate (credit code in the subject), chain after "
        "it (PREX_GUARANTOR_CERT)",
    )
    guarantor_max_amount: Decimal = Field(
        default=Decimal("5000000.00"),
        gt=0,
        description="the largest guarantee the 'certificate' provider issues (yuan)",
    )

    webhook_timeout: float = Field(
        default=3.0, gt=0, description="seconds per webhook delivery request (connect and read)"
    )
    webhook_retry_seconds: float = Field(
        default=10.0, gt=0, description="first back-off after a failed delivery; doubles each time"
    )
    webhook_retry_max_seconds: float = Field(default=3600.0, gt=0)
    webhook_max_age_hours: float = Field(
        default=72.0, gt=0, description="a delivery still failing this long after its event expires"
    )
    webhook_concurrency: int = Field(
        default=16, ge=1, le=256, description="subscriptions delivered to at once by one pass"
    )

    federation_interval_seconds: float = Field(
        default=30.0, gt=0, description="how often a caught-up federation source is pulled again"
    )
    federation_timeout: float = Field(default=10.0, gt=0, description="seconds per page fetched")
    federation_page_size: int = Field(
        default=200, ge=1, le=1000, description="releases asked for per page of a prex feed"
    )
    federation_retry_seconds: float = Field(
        default=5.0, gt=0, description="first back-off after a failed pull; doubles each time"
    )
    federation_retry_max_seconds: float = Field(default=900.0, gt=0)

    max_document_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    archive_retention_years: int = Field(
        default=30,
        ge=1,
        le=200,
        description="how long an ended transaction's archive (电子档案) is kept before the sweep "
        "marks it expired (it is never deleted automatically); docs/archive.md",
    )
    upload_max_archive_bytes: int = Field(
        default=500 * 1024 * 1024, gt=0, description="total uncompressed size of a ZIP upload"
    )
    upload_max_archive_ratio: int = Field(
        default=100, gt=1, description="uncompressed / compressed size of a ZIP upload"
    )
    upload_max_archive_entries: int = Field(default=10_000, gt=0, description="entries in a ZIP")
    # Login protection (docs/operations.md, "Login protection"): kept in the database.
    login_max_failures: int = Field(
        default=5, ge=1, description="consecutive failures before an account is locked"
    )
    login_lock_minutes: float = Field(
        default=15.0, gt=0, description="first lock-out; doubles on each further one"
    )
    login_lock_max_minutes: float = Field(default=24 * 60.0, gt=0, description="lock-out cap")
    login_address_burst: int = Field(
        default=20, ge=1, description="failed sign-ins one address may make at once"
    )
    login_address_per_minute: float = Field(
        default=5.0, gt=0, description="refill of an address's failed-sign-in budget"
    )
    # Budgets of expensive endpoints, per caller and process: {"<endpoint name>": "<per minute>/
    # <burst>"} overriding prex.web.ratelimits.EXPENSIVE (docs/operations.md, "Rate limits").
    rate_limits: dict[str, str] = Field(default_factory=dict)
    session_hours: int = Field(default=12, gt=0)
    token_days: int = Field(default=30, gt=0)
    cookie_secure: bool = False

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "noreply@prex.invalid"
    sms_gateway_url: str | None = Field(
        default=None,
        description="the SMS gateway's HTTP endpoint (a signed JSON POST per message, "
        "docs/integration.md); no SMS is sent when unset",
    )
    sms_gateway_key: str | None = Field(
        default=None,
        description="the shared secret of the gateway: the Prex-Signature header is "
        "HMAC-SHA256 of the body under it",
    )
    sms_sender: str = Field(
        default="prex", max_length=20, description="the signature (签名) messages are sent under"
    )
    sms_timeout: float = Field(default=5.0, gt=0, description="seconds per gateway request")

    price_check_share: Decimal = Field(
        default=Decimal("0.80"),
        gt=0,
        lt=1,
        description="the price-check assistant flags a bid priced below this share of the "
        "average of the other bids of its section (advice to the committee only)",
    )

    log_format: Literal["text", "json"] = Field(
        default="text",
        description="'json': one JSON object per line with the request id (production); "
        "'text': readable lines (the demo)",
    )
    metrics_allow: str = Field(
        default="127.0.0.1/32,::1/128",
        description="comma-separated networks that may read /metrics without a token",
    )
    metrics_token: str | None = Field(
        default=None, description="a bearer token that also admits a Prometheus scrape"
    )

    web_threads: int = Field(
        default=4, ge=1, description="threads per server process for blocking request handlers"
    )
    sandbox_acceleration: int = Field(default=1440, ge=1, description="1 day per real minute")
    worker_interval_seconds: float = Field(default=2.0, gt=0)
    analytics_refresh_seconds: float = Field(
        default=300.0,
        ge=0,
        description="how often `prex worker` refreshes the supervision warehouse from what "
        "changed (docs/warehouse.md); 0: never (run `prex analytics refresh` instead)",
    )
    default_locale: Literal["zh_CN", "en"] = "zh_CN"
    revocation_unavailable: Literal["refuse", "allow"] = Field(
        default="refuse",
        description="what to do when neither a CRL nor OCSP can tell whether a certificate "
        "is revoked: refuse it (default) or accept it",
    )
    pki_fetch_timeout: float = Field(default=5.0, gt=0, description="seconds, CRL and OCSP")
    pki_max_chain: int = Field(default=6, ge=2, le=16, description="certificates in a path")
    challenge_seconds: int = Field(default=300, ge=10, description="certificate login nonces")
    key_dir: Path | None = Field(
        default=None, description="the platform's own keys (TSA …); default data_dir/keys"
    )
    password_hashing: Literal["standard", "fast"] = Field(
        default="standard", description="'fast' makes test suites quick; never in production"
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("PREX_SECRET_KEY must be set to a real secret in production")
        if self.environment == "production" and self.password_hashing != "standard":
            raise ValueError("PREX_PASSWORD_HASHING must be 'standard' in production")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'prex.db').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def resolved_key_dir(self) -> Path:
        """The platform's own keys (timestamp authority, platform signing): files, mode 0600,
        never in the database or the blob store."""
        return self.key_dir or self.data_dir / "keys"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment and ``prex.toml``; keyword overrides win."""
    return Settings(**overrides)  # type: ignore[arg-type]
