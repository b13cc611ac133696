-- The assessment service's view of a case: ids, codes and amounts only, never personal data.

CREATE TABLE case_files (
    case_id         uuid PRIMARY KEY,
    reference       text NOT NULL,
    org_id          text NOT NULL,
    country         char(2) NOT NULL,
    urgency         text NOT NULL CHECK (urgency IN ('emergency', 'standard')),
    status          text NOT NULL,
    needs_medical   boolean NOT NULL,
    needs_legal     boolean NOT NULL,
    items           jsonb NOT NULL,
    submitted_at    timestamptz NOT NULL,
    correlation_id  text NOT NULL,
    version         integer NOT NULL DEFAULT 1
);
CREATE INDEX case_files_queue ON case_files (status, urgency, submitted_at);
