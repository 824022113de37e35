"""The service's settings, from the environment (CATALOG_*)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CATALOG_", frozen=True)

    # postgresql+psycopg://... (the service's own role) or sqlite:///path for a quick start.
    database_url: str
    # Verifies the shop's bearer tokens (HS256, issued by the monolith until step 6).
    secret_key: str = Field(min_length=1)
    shop_currency: str = Field(default="EUR", pattern="^[A-Z]{3}$")
    broker_url: str = "amqp://guest:guest@127.0.0.1:5672//"
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)  # as the monolith's
    log_format: str = Field(default="console", pattern="^(console|json)$")
    # Host names (port ignored) the service answers for; a leading dot admits subdomains.
    trusted_hosts: str = "localhost,127.0.0.1,[::1]"

    @property
    def trusted_host_list(self) -> list[str]:
        return [host.strip() for host in self.trusted_hosts.split(",") if host.strip()]
