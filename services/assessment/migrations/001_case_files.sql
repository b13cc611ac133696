-- The assessment service's view of a case: ids, codes and amounts only, never personal data.

-- One row per case: the serialised aggregate (`state`) plus the columns the queues and the
-- deadline checker search on, all rewritten together with the state in one transaction.
CREATE TABLE case_files (
    case_id             text PRIMARY KEY,
    reference           text NOT NULL,
    org_id              text NOT NULL,
    country             char(2) NOT NULL,
    urgency             text NOT NULL CHECK (urgency IN ('emergency', 'standard')),
    urgency_rank        smallint NOT NULL CHECK (urgency_rank IN (0, 1)),
    status              text NOT NULL,
    queue_kinds         text[] NOT NULL DEFAULT '{}',
    queue_due_at        timestamptz,
    -- the earliest moment a deadline or ratification can be missed; NULL: nothing to watch
    next_check_at       timestamptz,
    possible_duplicate  boolean NOT NULL DEFAULT false,
    submitted_at        timestamptz NOT NULL,
    correlation_id      text NOT NULL,
    version             integer NOT NULL CHECK (version >= 1),
    state               jsonb NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (queue_kinds <@ ARRAY['medical', 'legal', 'decision']::text[]),
    CHECK (cardinality(queue_kinds) = 0 OR queue_due_at IS NOT NULL)
);
CREATE INDEX case_files_medical_queue ON case_files (urgency_rank, queue_due_at, case_id)
    WHERE 'medical' = ANY (queue_kinds);
CREATE INDEX case_files_legal_queue ON case_files (urgency_rank, queue_due_at, case_id)
    WHERE 'legal' = ANY (queue_kinds);
CREATE INDEX case_files_decision_queue ON case_files (urgency_rank, queue_due_at, case_id)
    WHERE 'decision' = ANY (queue_kinds);
CREATE INDEX case_files_next_check ON case_files (next_check_at)
    WHERE next_check_at IS NOT NULL;

-- Append-only history of assessments with their notes: the notes live here and nowhere else.
CREATE TABLE assessments (
    assessment_id       bigserial PRIMARY KEY,
    case_id             text NOT NULL REFERENCES case_files (case_id),
    kind                text NOT NULL CHECK (kind IN ('medical', 'legal')),
    assessor            text NOT NULL,
    recommendation      text NOT NULL
                        CHECK (recommendation IN ('support', 'decline', 'more_information')),
    recommended_items   jsonb NOT NULL,
    notes               text NOT NULL DEFAULT '',
    exceeding_reason    text,
    case_version        integer NOT NULL,
    recorded_at         timestamptz NOT NULL
);
CREATE INDEX assessments_case ON assessments (case_id, assessment_id);

CREATE FUNCTION assessments_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'assessments are append-only';
END $$;
CREATE TRIGGER assessments_append_only BEFORE UPDATE OR DELETE ON assessments
    FOR EACH ROW EXECUTE FUNCTION assessments_append_only();

-- Exchange rates learnt from disbursement's events: one base unit is worth `rate` quote units.
CREATE TABLE fx_rates (
    base        char(3) NOT NULL,
    quote       char(3) NOT NULL,
    as_of       date NOT NULL,
    rate        numeric NOT NULL CHECK (rate > 0),
    PRIMARY KEY (base, quote, as_of)
);
