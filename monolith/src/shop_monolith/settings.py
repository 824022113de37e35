"""Configuration from the environment (pydantic-settings)."""

from functools import lru_cache
from pathlib import Path

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
    token_ttl_seconds: int = Field(default=3600, ge=60)
    currency: str = Field(default="EUR", pattern="^[A-Z]{3}$")
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    payment_settle_after_seconds: float = Field(default=30.0, ge=0)
    log_format: str = Field(default="console", pattern="^(json|console)$")
    log_level: str = "INFO"

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
