-- The outbox of invitation e-mails (contract sections 7 and 10): committed with the invitation
-- it carries, sent once by the mailer, retried with back-off like the notifications' e-mails.
-- Only the token's hash names the invitation; the link itself is kept sealed (AES-GCM, a key
-- derived from the service's key) and only until it is sent or given up, then wiped.
CREATE TABLE invitation_mail (
    token_hash       bytea PRIMARY KEY REFERENCES invitations (token_hash) ON DELETE CASCADE,
    account_id       text NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    message_id       text NOT NULL UNIQUE,
    recipient        text NOT NULL,
    language         text NOT NULL CHECK (language IN ('en', 'fr', 'es', 'ar')),
    link_sealed      text,
    created_at       timestamptz NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    -- The class of the last failure (never the server's words, which may quote an address).
    last_error       text,
    sent_at          timestamptz,
    -- Given up: a permanent SMTP refusal, or the link died first (a newer one, expired, used).
    failed_at        timestamptz,
    CHECK (link_sealed IS NOT NULL OR sent_at IS NOT NULL OR failed_at IS NOT NULL)
);
CREATE INDEX invitation_mail_due ON invitation_mail (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
