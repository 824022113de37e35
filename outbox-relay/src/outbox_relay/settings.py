"""The relay's settings: OUTBOX_RELAY_* environment variables, overridden by CLI flags."""

import os
import socket
import uuid
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from outbox_relay.database_url import checked_schema


def default_relay_id() -> str:
    """Unique per process, readable in the leases table: host, pid and a few random digits."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class RelaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OUTBOX_RELAY_", populate_by_name=True)

    database_url: str = Field(description="postgresql://... or sqlite:///path")
    # "schema" would shadow a pydantic name: the field is schema_name, its variable
    # OUTBOX_RELAY_SCHEMA. Ignored on SQLite, whose schema is the database file's main one.
    schema_name: str = Field(default="public", validation_alias="OUTBOX_RELAY_SCHEMA")
    broker_url: str = "amqp://guest:guest@127.0.0.1:5672//"
    batch_size: int = Field(default=1000, ge=1, le=10_000)
    pipeline_depth: int = Field(default=2, ge=1, le=8)  # batches awaiting confirms at once
    lease_ttl_seconds: float = Field(default=10.0, gt=0)
    retention_seconds: float = Field(default=7 * 24 * 3600.0, ge=0)
    prune_interval_seconds: float = Field(default=60.0, gt=0)
    poll_interval_seconds: float = Field(default=1.0, gt=0)  # also the fallback beside NOTIFY
    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    max_attempts: int = Field(default=5, ge=1)
    confirm_timeout_seconds: float = Field(default=30.0, gt=0)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=9464, ge=0, le=65535)  # 0: any free port, printed
    relay_id: str = Field(default_factory=default_relay_id, min_length=1, max_length=128)
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @field_validator("schema_name")
    @classmethod
    def _plain_identifier(cls, value: str) -> str:
        return checked_schema(value)
