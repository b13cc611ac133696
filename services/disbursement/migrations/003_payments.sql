-- Payees (four eyes on bank details), payments and batches (four eyes before the bank file).

CREATE TABLE payees (
    payee_id      uuid PRIMARY KEY,
    org_id        text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('organisation', 'provider')),
    name          text NOT NULL,
    iban          text,
    bic           text,
    pending_iban  text,
    pending_bic   text,
    pending_by    text,
    is_default    boolean NOT NULL,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL,
    version       integer NOT NULL DEFAULT 1,
    CHECK (iban IS NOT NULL OR pending_iban IS NOT NULL),
    CHECK ((pending_iban IS NULL) = (pending_by IS NULL))
);
CREATE INDEX payees_default ON payees (org_id, created_at DESC) WHERE is_default;

CREATE TABLE batches (
    batch_id     uuid PRIMARY KEY,
    currency     char(3) NOT NULL,
    status       text NOT NULL CHECK (status IN ('draft', 'approved')),
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL,
    approved_by  text,
    approved_at  timestamptz,
    version      integer NOT NULL DEFAULT 1,
    CONSTRAINT batches_four_eyes CHECK (approved_by IS NULL OR approved_by <> created_by),
    CHECK ((status = 'approved') = (approved_by IS NOT NULL AND approved_at IS NOT NULL))
);

CREATE TABLE payments (
    payment_id      uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES reservations (case_id),
    org_id          text NOT NULL,
    grant_id        uuid NOT NULL REFERENCES grants,
    currency        char(3) NOT NULL,
    amount_minor    bigint NOT NULL CHECK (amount_minor > 0),
    status          text NOT NULL CHECK (status IN
                    ('awaiting_payee', 'scheduled', 'batched', 'sent', 'failed', 'cancelled')),
    payee_id        uuid REFERENCES payees,
    items           integer[] NOT NULL DEFAULT '{}',
    batch_id        uuid REFERENCES batches,
    bank_reference  text,
    paid_on         date,
    failure_reason  text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    version         integer NOT NULL DEFAULT 1,
    CHECK ((status = 'sent') = (bank_reference IS NOT NULL AND paid_on IS NOT NULL)),
    CHECK (status NOT IN ('scheduled', 'batched', 'sent') OR payee_id IS NOT NULL),
    CHECK ((status = 'batched') <= (batch_id IS NOT NULL))
);
CREATE INDEX payments_by_case ON payments (case_id);
CREATE INDEX payments_by_status ON payments (status, created_at, payment_id);

-- A sent payment is history: nothing may change it again, whatever the code above says.
CREATE FUNCTION payments_sent_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'sent' AND (NEW.status <> 'sent' OR NEW.amount_minor <> OLD.amount_minor
            OR NEW.bank_reference IS DISTINCT FROM OLD.bank_reference) THEN
        RAISE EXCEPTION 'payment % was sent; it cannot change', OLD.payment_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER payments_sent_is_final BEFORE UPDATE ON payments
    FOR EACH ROW EXECUTE FUNCTION payments_sent_is_final();

-- What a batch pays, with the payee's confirmed bank details as they were when batched.
CREATE TABLE batch_lines (
    batch_id       uuid NOT NULL REFERENCES batches,
    payment_id     uuid NOT NULL REFERENCES payments,
    position       integer NOT NULL,
    case_id        uuid NOT NULL,
    payee_id       uuid NOT NULL REFERENCES payees,
    creditor_name  text NOT NULL,
    iban           text NOT NULL,
    bic            text,
    amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
    PRIMARY KEY (batch_id, payment_id)
);
