"""The units of work of the disbursement service: the only place a write transaction opens.

Each command opens it (or lets shared.idempotency open it, for creating POSTs), guards it (the
inbox for events, If-Match for changes), loads and locks what it changes, applies the domain,
saves, and queues the events in the same transaction."""
