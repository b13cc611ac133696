-- The append-only audit log. The running service's role may only SELECT and INSERT here (see
-- provisioning); the triggers refuse UPDATE, DELETE and TRUNCATE even to the table's owner.

CREATE TABLE log_entries (
    idx          bigint PRIMARY KEY CHECK (idx >= 0),
    event_id     text NOT NULL UNIQUE,
    nats_subject text NOT NULL,
    event_type   text NOT NULL,
    subject      text NOT NULL,
    event        text NOT NULL,
    leaf_hash    bytea NOT NULL CHECK (length(leaf_hash) = 32),
    stream_seq   bigint,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX log_entries_subject ON log_entries (subject, idx);
CREATE INDEX log_entries_type ON log_entries (event_type, idx);

CREATE FUNCTION refuse_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER log_entries_append_only BEFORE UPDATE OR DELETE ON log_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_log_change();
CREATE TRIGGER log_entries_no_truncate BEFORE TRUNCATE ON log_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_log_change();
