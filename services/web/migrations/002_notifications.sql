-- Notifications (contract section 10): what the web knows of a case to tell people about it,
-- each person's inbox, their e-mail choices, and the outbox of e-mails. Ids, codes, references
-- and links only: never a victim's name, narrative or an amount tied to a person.

-- The queues a case was last seen in (at the assessment service's version of it), and what
-- names it: a case entering a queue is told once.
CREATE TABLE notice_cases (
    case_id     text PRIMARY KEY,
    reference   text NOT NULL,
    org_id      text NOT NULL,
    queues      text[] NOT NULL,
    version     integer NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE notifications (
    notification_id  uuid PRIMARY KEY,
    -- The event (and topic) it tells of: each person hears of it once.
    notice_key       text NOT NULL,
    account_id       text NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    kind             text NOT NULL CHECK (kind IN ('information_requested', 'case_queued',
                         'deadline_approaching', 'deadline_missed', 'approval_pending',
                         'batch_waiting', 'payment_failed')),
    -- A page of this site, never another host's.
    link             text NOT NULL CHECK (link ~ '^/[A-Za-z0-9/._%-]*$'),
    case_id          text,
    reference        text,
    batch_id         text,
    queue            text CHECK (queue IN ('medical', 'legal', 'decision')),
    stage            text CHECK (stage IN ('assessment', 'decision')),
    urgency          text CHECK (urgency IN ('emergency', 'standard')),
    due_at           timestamptz,
    created_at       timestamptz NOT NULL,
    read_at          timestamptz,
    UNIQUE (notice_key, account_id)
);
CREATE INDEX notifications_inbox ON notifications (account_id, created_at DESC);
CREATE INDEX notifications_unread ON notifications (account_id) WHERE read_at IS NULL;

-- A person's e-mail choice per kind; no row: e-mail on (the default).
CREATE TABLE notification_settings (
    account_id  text NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    kind        text NOT NULL,
    email       boolean NOT NULL,
    PRIMARY KEY (account_id, kind)
);

-- The outbox of e-mails: committed with the notification, sent by the mailer, retried with
-- back-off; the Message-ID is derived from the event and the recipient, so a message sent
-- again after a crash is recognisably the same one.
CREATE TABLE outgoing_mail (
    notification_id  uuid PRIMARY KEY REFERENCES notifications (notification_id) ON DELETE CASCADE,
    message_id       text NOT NULL UNIQUE,
    recipient        text NOT NULL,
    language         text NOT NULL CHECK (language IN ('en', 'fr', 'es', 'ar')),
    created_at       timestamptz NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    -- The class of the last failure (never the server's words, which may quote an address).
    last_error       text,
    sent_at          timestamptz,
    -- Refused for good (a permanent SMTP refusal, a recipient disabled meanwhile).
    failed_at        timestamptz
);
CREATE INDEX outgoing_mail_due ON outgoing_mail (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
