-- Bank reconciliation (CONTRACT section 8): statements and status reports as imported, each
-- entry with what it was matched to and by whom. Nothing here is a name or free text from the
-- bank's file (remittance information may name people): a digest of the file stands for it,
-- and references and codes are kept only as the matching needs them.

CREATE TABLE statements (
    statement_id       uuid PRIMARY KEY,
    message            text NOT NULL CHECK (message ~ '^camt\.05[34]\.001\.[0-9]{2}$'),
    account            text NOT NULL CHECK (account ~ '^[A-Z0-9]{5,34}$'),  -- compact
    bank_statement_id  text NOT NULL,                      -- Stmt/Id or Ntfctn/Id
    bank_message_id    text NOT NULL,                      -- GrpHdr/MsgId
    file_sha256        text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    created_at         timestamptz,                        -- by the bank (CreDtTm)
    imported_by        text NOT NULL,
    imported_at        timestamptz NOT NULL,
    -- The same statement twice (same account and statement id) is imported once.
    CONSTRAINT statements_imported_once UNIQUE (account, bank_statement_id)
);
CREATE INDEX statements_by_import ON statements (imported_at DESC, statement_id DESC);

CREATE TABLE statement_entries (
    statement_id    uuid NOT NULL REFERENCES statements,
    entry_index     integer NOT NULL CHECK (entry_index >= 0),  -- position in the statement
    amount_minor    bigint NOT NULL CHECK (amount_minor >= 0),
    currency        char(3) NOT NULL,
    direction       text NOT NULL CHECK (direction IN ('credit', 'debit')),
    status          text NOT NULL,                              -- BOOK, PDNG, INFO, ...
    booking_date    date,
    value_date      date,
    reversal        boolean NOT NULL,
    bank_reference  text NOT NULL,    -- AcctSvcrRef, else a stand-in from the entry's position
    return_code     text,             -- RtrInf's reason code, when the bank gave one
    outcome         text NOT NULL
                    CHECK (outcome IN ('matched', 'returned', 'unchanged', 'unmatched', 'dismissed')),
    -- why it is unmatched or unchanged, the return's reason code, or the dismissal's reason
    reason          text,
    matched_by      text CHECK (matched_by IN ('end_to_end_id', 'batch', 'manual')),
    payment_ids     uuid[] NOT NULL DEFAULT '{}',   -- paid, returned (or already recorded)
    candidates      uuid[] NOT NULL DEFAULT '{}',   -- what an unmatched entry seemed to be about
    paid_before     uuid[] NOT NULL DEFAULT '{}',   -- returned payments that had been paid
    resolved_by     text,                            -- who matched or dismissed it by hand
    resolved_at     timestamptz,
    version         integer NOT NULL DEFAULT 1,
    PRIMARY KEY (statement_id, entry_index),
    CHECK ((resolved_by IS NULL) = (resolved_at IS NULL)),
    CHECK (outcome <> 'dismissed' OR resolved_by IS NOT NULL)
);
CREATE INDEX statement_entries_open ON statement_entries (statement_id) WHERE outcome = 'unmatched';

CREATE TABLE status_reports (
    report_id            uuid PRIMARY KEY,
    message              text NOT NULL CHECK (message ~ '^pain\.002\.001\.[0-9]{2}$'),
    -- A status report is imported once: its message id is unique for its bank.
    bank_message_id      text NOT NULL CONSTRAINT status_reports_imported_once UNIQUE,
    original_message_id  text NOT NULL,        -- the pain.001's MsgId (vfund's batch id)
    group_status         text,
    file_sha256          text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    created_at           timestamptz,
    imported_by          text NOT NULL,
    imported_at          timestamptz NOT NULL,
    -- [{index, status, outcome, reason, payment_ids, candidates}]
    lines                jsonb NOT NULL
);
CREATE INDEX status_reports_by_import ON status_reports (imported_at DESC, report_id DESC);

-- Every bank entry applied to a payment, once: the same booking reported again (a camt.054,
-- then the day's camt.053) never pays twice, and a return is on record before a paid payment
-- may fail.
CREATE TABLE payment_bank_entries (
    payment_id      uuid NOT NULL REFERENCES payments,
    bank_reference  text NOT NULL,
    effect          text NOT NULL CHECK (effect IN ('paid', 'returned')),
    statement_id    uuid NOT NULL REFERENCES statements,
    entry_index     integer NOT NULL,
    applied_at      timestamptz NOT NULL,
    PRIMARY KEY (payment_id, bank_reference, effect)
);

CREATE INDEX payments_by_batch ON payments (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX payments_by_grant ON payments (grant_id, created_at, payment_id);

-- A sent payment is history, with one exception: the bank gave the money back (a return or a
-- reversal after booking, on record in payment_bank_entries). Then, and only then, sent →
-- failed, with its amount and batch unchanged; nothing else ever changes a sent payment.
CREATE OR REPLACE FUNCTION payments_sent_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'sent' THEN
        RETURN NEW;
    END IF;
    IF NEW.status = 'sent' AND NEW.amount_minor = OLD.amount_minor
            AND NEW.bank_reference IS NOT DISTINCT FROM OLD.bank_reference THEN
        RETURN NEW;
    END IF;
    IF NEW.status = 'failed' AND NEW.amount_minor = OLD.amount_minor
            AND NEW.batch_id IS NOT DISTINCT FROM OLD.batch_id
            AND EXISTS (SELECT FROM payment_bank_entries e
                        WHERE e.payment_id = OLD.payment_id AND e.effect = 'returned') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'payment % was sent; it cannot change', OLD.payment_id
        USING ERRCODE = 'check_violation';
END $$;
