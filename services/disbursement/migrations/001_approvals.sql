-- Approved cases as disbursement learns them: what may be reserved and paid, never more.

CREATE TABLE approved_cases (
    case_id         uuid PRIMARY KEY,
    org_id          text NOT NULL,
    country         char(2) NOT NULL,
    urgency         text NOT NULL,
    approved_items  jsonb NOT NULL,
    decided_by      text[] NOT NULL,
    approved_at     timestamptz NOT NULL,
    correlation_id  text NOT NULL,
    status          text NOT NULL DEFAULT 'approved'
);
