"""Consumer inbox: an event's effect is applied once per consumer, whatever the deliveries."""

from shared.db import Connection


async def first_time(tx: Connection, event_id: str, *, consumer: str) -> bool:
    """Record the event in the caller's transaction; False when it was already applied."""
    inserted = await tx.fetchval(
        "INSERT INTO inbox (consumer, event_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING RETURNING true",
        consumer,
        event_id,
    )
    return bool(inserted)
