-- The web service's own data: partner organisations, user accounts and how they sign in.
-- Never a victim's personal data (contract section 7).

CREATE TABLE organisations (
    org_id      text PRIMARY KEY CHECK (org_id ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    country     text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE accounts (
    account_id           text PRIMARY KEY,
    username             text NOT NULL CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
    display_name         text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    email                text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    roles                text[] NOT NULL CHECK (cardinality(roles) > 0),
    org_id               text REFERENCES organisations (org_id),
    donor                text,
    status               text NOT NULL CHECK (status IN ('invited', 'active', 'disabled')),
    language             text CHECK (language IN ('en', 'fr', 'es', 'ar')),
    password_hash        text,
    totp_secret          text,
    -- The last TOTP time step accepted: a code is never taken twice.
    totp_last_step       bigint,
    locked_until         timestamptz,
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    UNIQUE (username)
);
CREATE INDEX accounts_org ON accounts (org_id);

-- Ten single-use codes per account, kept as argon2 hashes.
CREATE TABLE recovery_codes (
    account_id  text NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    position    smallint NOT NULL,
    code_hash   text NOT NULL,
    used_at     timestamptz,
    PRIMARY KEY (account_id, position)
);

-- Identities of the OpenID provider an administrator linked to an account.
CREATE TABLE identities (
    issuer      text NOT NULL,
    subject     text NOT NULL,
    account_id  text NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    linked_by   text NOT NULL,
    linked_at   timestamptz NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX identities_account ON identities (account_id);

-- A session is known by the SHA-256 of its cookie's value, never by the value itself.
CREATE TABLE sessions (
    session_hash  bytea PRIMARY KEY,
    account_id    text NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    -- second_factor: the password was right, the code is still to come;
    -- enrol: signed in without a second factor where one is required, enrolment only;
    -- active: signed in.
    stage         text NOT NULL CHECK (stage IN ('second_factor', 'enrol', 'active')),
    method        text NOT NULL CHECK (method IN ('password', 'oidc')),
    created_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    -- When the person last proved who they are (the second factor, or the password where the
    -- second factor is optional): step-up asks again when this is too old.
    verified_at   timestamptz NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE invitations (
    token_hash  bytea PRIMARY KEY,
    account_id  text NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX invitations_account ON invitations (account_id);

-- Failed sign-ins per typed username, kept as a keyed hash (a username typed wrong may be
-- anything, even a password): throttling and lockout treat unknown names like known ones.
CREATE TABLE sign_in_attempts (
    username_key     bytea PRIMARY KEY,
    failures         integer NOT NULL,
    last_failure_at  timestamptz NOT NULL,
    next_allowed_at  timestamptz NOT NULL
);
