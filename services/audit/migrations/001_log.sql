-- The append-only audit log, its Merkle tree and its signed tree heads. The running service's
-- role may only SELECT and INSERT here (see provisioning); triggers refuse UPDATE, DELETE and
-- TRUNCATE even to the tables' owner and to superusers. What a superuser can still do behind the
-- triggers' back (disable them, replica mode) is caught by verification against signed heads.

-- One row per event, idx = the 0-based leaf index, contiguous; `event` is the body as received.
CREATE TABLE log_entries (
    idx          bigint PRIMARY KEY CHECK (idx >= 0),
    event_id     text NOT NULL UNIQUE,
    nats_subject text NOT NULL,
    event_type   text NOT NULL,
    subject      text NOT NULL,
    grant_id     text,
    event        text NOT NULL,
    leaf_hash    bytea NOT NULL CHECK (length(leaf_hash) = 32),
    stream_seq   bigint,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX log_entries_subject ON log_entries (subject, idx);
CREATE INDEX log_entries_type ON log_entries (event_type, idx);
CREATE INDEX log_entries_grant ON log_entries (grant_id, idx) WHERE grant_id IS NOT NULL;

-- Complete subtrees above the leaves (level >= 1): the hash of leaves
-- [idx * 2^level, (idx + 1) * 2^level). Level 0 is log_entries.leaf_hash.
CREATE TABLE tree_nodes (
    level  smallint NOT NULL CHECK (level BETWEEN 1 AND 62),
    idx    bigint NOT NULL CHECK (idx >= 0),
    hash   bytea NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
);

-- Signed tree heads, one per size: the signature covers RFC 8785 JSON of
-- {"root_hash", "timestamp", "tree_size"} exactly as stored here.
CREATE TABLE tree_heads (
    tree_size  bigint PRIMARY KEY CHECK (tree_size > 0),
    root_hash  text NOT NULL CHECK (root_hash ~ '^[0-9a-f]{64}$'),
    timestamp  text NOT NULL,
    signature  text NOT NULL,
    key_id     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION refuse_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER log_entries_append_only BEFORE UPDATE OR DELETE ON log_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_log_change();
CREATE TRIGGER log_entries_no_truncate BEFORE TRUNCATE ON log_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_log_change();
CREATE TRIGGER tree_nodes_append_only BEFORE UPDATE OR DELETE ON tree_nodes
    FOR EACH ROW EXECUTE FUNCTION refuse_log_change();
CREATE TRIGGER tree_nodes_no_truncate BEFORE TRUNCATE ON tree_nodes
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_log_change();
CREATE TRIGGER tree_heads_append_only BEFORE UPDATE OR DELETE ON tree_heads
    FOR EACH ROW EXECUTE FUNCTION refuse_log_change();
CREATE TRIGGER tree_heads_no_truncate BEFORE TRUNCATE ON tree_heads
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_log_change();

-- ALWAYS: the triggers fire in `session_replication_role = replica` too, so only an explicit,
-- visible `ALTER TABLE … DISABLE TRIGGER` (owner or superuser DDL) can get past them.
ALTER TABLE log_entries ENABLE ALWAYS TRIGGER log_entries_append_only;
ALTER TABLE log_entries ENABLE ALWAYS TRIGGER log_entries_no_truncate;
ALTER TABLE tree_nodes ENABLE ALWAYS TRIGGER tree_nodes_append_only;
ALTER TABLE tree_nodes ENABLE ALWAYS TRIGGER tree_nodes_no_truncate;
ALTER TABLE tree_heads ENABLE ALWAYS TRIGGER tree_heads_append_only;
ALTER TABLE tree_heads ENABLE ALWAYS TRIGGER tree_heads_no_truncate;
