-- Approved cases as disbursement learns them: what may be reserved and paid, never more.
-- A case waits here (status 'waiting', oldest `waiting_since` first) when no grant can cover it.

CREATE TABLE approved_cases (
    case_id         uuid PRIMARY KEY,
    org_id          text NOT NULL,
    country         char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    urgency         text NOT NULL,
    approved_items  jsonb NOT NULL,           -- [{item_id, category, amount_minor, currency}]
    decided_by      text[] NOT NULL,
    approved_at     timestamptz NOT NULL,
    correlation_id  text NOT NULL,
    status          text NOT NULL DEFAULT 'approved'
                    CHECK (status IN ('approved', 'waiting', 'reserved', 'withdrawn')),
    waiting_since   timestamptz,
    shortfall       jsonb,                    -- [{amount_minor, currency}] while waiting
    CHECK ((status = 'waiting') = (waiting_since IS NOT NULL))
);
CREATE INDEX approved_cases_waiting ON approved_cases (waiting_since, approved_at, case_id)
    WHERE status = 'waiting';

-- A withdrawal may arrive before (or without) the approval: it is remembered, so a late approval
-- of a withdrawn case reserves nothing.
CREATE TABLE case_withdrawals (
    case_id       uuid PRIMARY KEY,
    reason        text NOT NULL,
    withdrawn_at  timestamptz NOT NULL,
    event_id      text NOT NULL
);
