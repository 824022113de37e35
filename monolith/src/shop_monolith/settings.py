"""Configuration from the environment (pydantic-settings)."""

from functools import lru_cache
from pathlib import Path

from limits import parse as parse_rate_limit
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path(".run") / "shop.db"
DEV_SECRET_KEY = "dev-only-secret-for-the-sqlite-default"  # noqa: S105 - refused off SQLite


def resolve_database_url(value: str | None) -> str:
    """The SQLAlchemy URL for a DATABASE_URL value: SQLite under .run/ when unset."""
    if value:
        return value.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"sqlite:///{DEFAULT_SQLITE_PATH.resolve()}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOP_", extra="ignore")

    database_url: str = Field(default="", validation_alias="DATABASE_URL")
    secret_key: str = DEV_SECRET_KEY
    token_ttl_seconds: int = Field(default=3600, ge=1)
    currency: str = Field(default="EUR", pattern="^[A-Z]{3}$")
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    payment_settle_after_seconds: float = Field(default=30.0, ge=0)
    log_format: str = Field(default="console", pattern="^(json|console)$")
    log_level: str = "INFO"
    # Host names (port ignored) the shop answers for; a leading dot admits subdomains. Any
    # other Host header is refused with 400, so no URL the shop builds names a stranger's host.
    trusted_hosts: str = "localhost,127.0.0.1,[::1]"
    # How many proxies in front add X-Forwarded-For: the client address is taken from there.
    forwarded_hops: int = Field(default=0, ge=0, le=5)
    # Failed logins, in `limits` notation; counted in memory per process, or in Redis if set.
    login_limit_per_account: str = "5/minute"
    login_limit_per_address: str = "100/minute"
    rate_limit_storage_url: str = "memory://"
    # Step 3: the catalog service, read through for products the replica has not heard of yet
    # (empty: no read-through), and the broker its events come from (ADR-0019).
    catalog_service_url: str = ""
    broker_url: str = "amqp://guest:guest@127.0.0.1:5672//"

    @property
    def trusted_host_list(self) -> list[str]:
        return [host.strip() for host in self.trusted_hosts.split(",") if host.strip()]

    @field_validator("login_limit_per_account", "login_limit_per_address")
    @classmethod
    def a_rate_limit(cls, value: str) -> str:
        parse_rate_limit(value)  # raises ValueError, naming what it could not read
        return value

    @field_validator("database_url")
    @classmethod
    def default_to_sqlite(cls, value: str) -> str:
        return resolve_database_url(value)

    @model_validator(mode="after")
    def real_secret_off_sqlite(self) -> "Settings":
        if self.secret_key == DEV_SECRET_KEY and not self.database_url.startswith("sqlite"):
            raise ValueError(
                "set SHOP_SECRET_KEY: the development key is only for the SQLite default"
            )
        if len(self.secret_key) < 32:
            raise ValueError("SHOP_SECRET_KEY must be at least 32 characters")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
