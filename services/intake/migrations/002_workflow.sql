-- The rest of a case's life at intake: documents, information requests, blind-index tokens.

-- A document's bytes are AES-256-GCM under the case's data key, bound to (case, document id);
-- blob becomes NULL when the case's personal data is erased, the metadata stays.
CREATE TABLE case_documents (
    document_id  uuid PRIMARY KEY,
    case_id      uuid NOT NULL REFERENCES cases (case_id),
    purpose      text NOT NULL CHECK (purpose IN ('evidence', 'information', 'report')),
    media_type   text NOT NULL CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size_bytes   integer NOT NULL CHECK (size_bytes > 0 AND size_bytes <= 10485760),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    uploaded_by  text NOT NULL,
    uploaded_at  timestamptz NOT NULL,
    blob         bytea
);
CREATE INDEX case_documents_case ON case_documents (case_id, uploaded_at);

-- Requests learnt from vfund.assessment.case.information_requested; the answer text itself is a
-- sealed field `information:<request_id>` in case_personal.
CREATE TABLE information_requests (
    request_id         text PRIMARY KEY,
    case_id            uuid NOT NULL REFERENCES cases (case_id),
    question_category  text NOT NULL,
    requested_by       text,
    requested_at       timestamptz NOT NULL,
    answered_at        timestamptz,
    answered_by        text,
    document_ids       uuid[] NOT NULL DEFAULT '{}'
);
CREATE INDEX information_requests_case ON information_requests (case_id, requested_at);

-- Keyed blind indexes (HMAC) of the victim's identity: duplicates found without decrypting.
CREATE TABLE case_blind_tokens (
    kind     text NOT NULL,
    digest   bytea NOT NULL,
    case_id  uuid NOT NULL REFERENCES cases (case_id),
    PRIMARY KEY (kind, digest, case_id)
);
CREATE INDEX case_blind_tokens_case ON case_blind_tokens (case_id);

ALTER TABLE cases ADD CONSTRAINT cases_status_known CHECK (status IN (
    'submitted', 'in_assessment', 'information_requested', 'approved', 'rejected',
    'awaiting_funds', 'payment_scheduled', 'paid', 'closed', 'withdrawn'));
