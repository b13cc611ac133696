-- Platform tables every service has: the transactional outbox and the consumer inbox.

CREATE TABLE outbox (
    seq             bigserial PRIMARY KEY,
    event_id        text NOT NULL UNIQUE,
    subject         text NOT NULL,
    payload         bytea NOT NULL,
    correlation_id  text,
    causation_id    text,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- One row per (consumer, event) ever applied: the idempotency memory of the consumers.
CREATE TABLE inbox (
    consumer     text NOT NULL,
    event_id     text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Idempotency-Key memory for POST routes: same key + same body → same answer.
CREATE TABLE idempotency_keys (
    principal     text NOT NULL,
    key           text NOT NULL,
    route         text NOT NULL,
    request_hash  text NOT NULL,
    status        integer NOT NULL,
    response      jsonb NOT NULL,
    headers       jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, route, key)
);
