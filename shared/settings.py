"""Configuration from `VFUND_…` environment variables, one process = one service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What every service needs; each service extends it with its own settings."""

    model_config = SettingsConfigDict(env_prefix="VFUND_", extra="ignore")

    service: str = "vfund"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    nats_url: str = "nats://127.0.0.1:4222"
    database_url: str = "postgresql://localhost/vfund"
    # Public keys (PEM files) that verify bearer tokens; several during key rollover.
    jwt_public_keys: list[Path] = Field(default_factory=list)
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    log_level: str = "INFO"
    log_file: Path | None = None
    # Delivery: how often an event is tried before it is dead-lettered, and the back-off between.
    max_deliver: int = 8
    retry_delays: list[float] = Field(default_factory=lambda: [0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0])
    ack_wait_seconds: float = 5.0
    retry_window_seconds: float = 600.0
    consumer_batch: int = 64
    consumer_workers: int = 1
    outbox_poll_seconds: float = 1.0
    outbox_batch: int = 256
    # The stream the services expect; they refuse to start on a weaker one.
    stream_replicas: int = 1
    stream_duplicate_window_seconds: float = 120.0
    request_body_limit: int = 256 * 1024
    db_pool_min: int = 2
    db_pool_max: int = 10
