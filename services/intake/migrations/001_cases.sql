-- Cases as caseworkers follow them. Personal data lives only in case_personal, encrypted under
-- the case's data key (case_keys); deleting the key row is the crypto-shredding of the case.

CREATE TABLE cases (
    case_id             uuid PRIMARY KEY,
    reference           text NOT NULL UNIQUE,
    org_id              text NOT NULL,
    country             char(2) NOT NULL,
    urgency             text NOT NULL CHECK (urgency IN ('emergency', 'standard')),
    status              text NOT NULL,
    needs_medical       boolean NOT NULL,
    needs_legal         boolean NOT NULL,
    possible_duplicate  boolean NOT NULL DEFAULT false,
    duplicate_of        uuid[] NOT NULL DEFAULT '{}',
    submitted_by        text NOT NULL,
    submitted_at        timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    correlation_id      text NOT NULL,
    version             integer NOT NULL DEFAULT 1,
    erased_at           timestamptz,
    erased_by           text,
    erasure_basis       text
);
CREATE INDEX cases_org_submitted ON cases (org_id, submitted_at DESC, case_id);
CREATE INDEX cases_submitted ON cases (submitted_at DESC, case_id);

CREATE TABLE case_items (
    case_id       uuid NOT NULL REFERENCES cases (case_id),
    item_id       text NOT NULL,
    position      integer NOT NULL,
    category      text NOT NULL CHECK (category IN
                      ('medical', 'psychological', 'social', 'legal', 'relocation')),
    amount_minor  bigint NOT NULL CHECK (amount_minor > 0),
    currency      char(3) NOT NULL,
    PRIMARY KEY (case_id, item_id)
);

CREATE TABLE case_keys (
    case_id  uuid PRIMARY KEY REFERENCES cases (case_id),
    key_id   text NOT NULL,
    wrapped  bytea NOT NULL
);

-- AES-256-GCM blobs bound to (case, field): victim record, facts, item descriptions.
CREATE TABLE case_personal (
    case_id  uuid NOT NULL REFERENCES cases (case_id),
    field    text NOT NULL,
    blob     bytea NOT NULL,
    PRIMARY KEY (case_id, field)
);

-- The case's timeline, from this service's and the other services' events (no personal data).
CREATE TABLE case_history (
    id        bigserial PRIMARY KEY,
    case_id   uuid NOT NULL REFERENCES cases (case_id),
    at        timestamptz NOT NULL,
    kind      text NOT NULL,
    actor     text,
    event_id  text,
    detail    jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX case_history_case ON case_history (case_id, id);
