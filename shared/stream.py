"""The VFUND stream: created by the launcher, checked by every service before it consumes."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.events import subjects

ADVISORIES = "VFUND_ADVISORIES"


class WeakStreamError(RuntimeError):
    """The stream is configured with weaker durability than the configuration asks."""


def stream_config(*, replicas: int = 1, duplicate_window: float = 120.0) -> StreamConfig:
    return StreamConfig(
        name=subjects.STREAM,
        subjects=[subjects.ALL],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        discard=DiscardPolicy.OLD,
        num_replicas=replicas,
        duplicate_window=duplicate_window,
        max_age=0,
        max_msgs=-1,
        max_bytes=-1,
        allow_direct=True,
    )


async def ensure_streams(
    js: JetStreamContext, *, replicas: int = 1, duplicate_window: float = 120.0
) -> None:
    """Create the streams if missing (idempotent), then check them."""
    config = stream_config(replicas=replicas, duplicate_window=duplicate_window)
    try:
        await js.stream_info(subjects.STREAM)
    except NotFoundError:
        await js.add_stream(config)
    # JetStream's own record of events it gave up on (max deliveries, terminated), kept for audit.
    try:
        await js.stream_info(ADVISORIES)
    except NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=ADVISORIES,
                subjects=[
                    f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{subjects.STREAM}.>",
                    f"$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.{subjects.STREAM}.>",
                ],
                storage=StorageType.FILE,
                num_replicas=replicas,
            )
        )
    await check_stream(js, replicas=replicas, duplicate_window=duplicate_window)


async def check_stream(
    js: JetStreamContext, *, replicas: int = 1, duplicate_window: float = 120.0
) -> None:
    """Refuse to run on a stream weaker than asked: memory storage, fewer replicas, short dedup."""
    info = await js.stream_info(subjects.STREAM)
    cfg = info.config
    problems = []
    if cfg.storage != StorageType.FILE:
        problems.append("storage is not file")
    if (cfg.num_replicas or 1) < replicas:
        problems.append(f"replicas {cfg.num_replicas} < {replicas}")
    if (cfg.duplicate_window or 0) < duplicate_window:
        problems.append(f"duplicate window {cfg.duplicate_window}s < {duplicate_window}s")
    if subjects.ALL not in (cfg.subjects or []):
        problems.append(f"subjects do not include {subjects.ALL}")
    if problems:
        raise WeakStreamError("stream VFUND: " + "; ".join(problems))
