"""Configuration from `VFUND_…` environment variables, one process = one service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What every service needs; each service extends it with its own settings."""

    model_config = SettingsConfigDict(env_prefix="VFUND_", extra="ignore")

    http_host: str = "127.0.0.1"
    http_port: int = 8000
    nats_url: str = "nats://127.0.0.1:4222"
    database_url: str = "postgresql://localhost/vfund"
    db_pool_min: int = 2
    db_pool_max: int = 10
    # Public keys (PEM files) that verify bearer tokens; several during key rollover.
    # Public keys that verify bearer tokens: PEM files, or JWKS files (.json) as an OIDC provider
    # publishes them; several during a key rollover.
    jwt_public_keys: list[Path] = Field(default_factory=list)
    # The audience and issuer every token must name. No default: a service refuses to start
    # without both (vfund's own are shared.auth.API_AUDIENCE and ISSUER).
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    # The longest a token may be valid for (exp - iat); longer-lived tokens are refused.
    jwt_max_lifetime_seconds: int = 12 * 3600
    log_level: str = "INFO"
    log_file: Path | None = None
    request_body_limit: int = 256 * 1024
    # All of a request's header lines together (names and values); beyond it the answer is 431.
    max_header_bytes: int = 8 * 1024
    # An internal port for /metrics, /docs, /redoc, /openapi.json and /asyncapi.json: when set,
    # those answer only there, and the API only on `http_port` (deploy/ publishes that one
    # alone). Unset (dev, tests): everything on `http_port`.
    ops_port: int | None = None
    # Delivery: how often an event is tried before it is dead-lettered, and the back-off between.
    max_deliver: int = 8
    retry_delays: list[float] = Field(default_factory=lambda: [0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0])
    # How long an event that came early may wait for what it depends on, counted from its
    # publication: crashes and restarts redeliver, so a count alone would give up too soon.
    retry_window_seconds: float = 600.0
    # Short: a handler commits in milliseconds, and a delivery the client lost (nats-py on Python
    # 3.11 can drop a message fetched just as a pull times out) comes back after this long. A
    # slow handler redelivered meanwhile is harmless: the inbox makes the second attempt a no-op.
    ack_wait_seconds: float = 5.0
    # Messages one pull may bring, handled at once. Kept near the pool's size (10): handlers
    # beyond it only wait for a connection while their ack wait runs, and each holds its event in
    # memory meanwhile (64 left intake and disbursement ~1.5 MB larger after a burst, measured).
    consumer_batch: int = 16
    # How long one pull waits on the server. A pull answers as soon as a message is there, so a
    # long wait costs no latency; each pull that expires instead races its expiry notice against
    # the client's timer, and nats-py then mis-attributes late notices and deliveries to the next
    # pull (measured: the first events after such a race waited 150-400 ms).
    fetch_wait_seconds: float = 5.0
    # The server's own limit is a backstop far above ours: transient outages are retried without
    # counting, yet an event that kills the process every time still stops (and JetStream's
    # advisory records it in VFUND_ADVISORIES).
    server_max_deliver: int = 200
    outbox_poll_seconds: float = 1.0
    outbox_batch: int = 256
    # The stream the services expect; they refuse to start on a weaker one.
    stream_replicas: int = 1
    stream_duplicate_window_seconds: float = 120.0
    # Fault tests only: named crash points ("outbox.after_publish,consumer.after_commit") where
    # the process kills itself, and the chance it does at each pass. Empty in production.
    crash_points: str = ""
    crash_probability: float = 1.0
