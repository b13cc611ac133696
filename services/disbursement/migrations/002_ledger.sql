-- Grants, FX rates and reservations: money in bigint minor units plus char(3) currency.

CREATE TABLE grants (
    grant_id         uuid PRIMARY KEY,
    donor            text NOT NULL CHECK (length(btrim(donor)) > 0),
    name             text NOT NULL CHECK (length(btrim(name)) > 0),
    currency         char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount_minor     bigint NOT NULL CHECK (amount_minor > 0),
    available_minor  bigint NOT NULL CHECK (available_minor >= 0),
    reserved_minor   bigint NOT NULL CHECK (reserved_minor >= 0),
    disbursed_minor  bigint NOT NULL CHECK (disbursed_minor >= 0),
    valid_from       date NOT NULL,
    valid_to         date NOT NULL,
    countries        text[] NOT NULL DEFAULT '{}',
    categories       text[] NOT NULL DEFAULT '{}',
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL,
    version          integer NOT NULL DEFAULT 1,
    CONSTRAINT grants_conserve_money
        CHECK (amount_minor = available_minor + reserved_minor + disbursed_minor),
    CHECK (valid_from <= valid_to)
);
CREATE INDEX grants_by_created ON grants (created_at DESC, grant_id DESC);

CREATE TABLE grant_adjustments (
    adjustment_id  uuid PRIMARY KEY,
    grant_id       uuid NOT NULL REFERENCES grants,
    delta_minor    bigint NOT NULL CHECK (delta_minor <> 0),
    reason         text,
    adjusted_by    text NOT NULL,
    adjusted_at    timestamptz NOT NULL
);

CREATE TABLE fx_rates (
    seq          bigserial UNIQUE,
    base         char(3) NOT NULL,
    quote        char(3) NOT NULL,
    as_of        date NOT NULL,
    rate         numeric(30, 12) NOT NULL CHECK (rate > 0),
    recorded_by  text NOT NULL,
    recorded_at  timestamptz NOT NULL,
    PRIMARY KEY (base, quote, as_of),
    CHECK (base <> quote)
);

-- One reservation per case, ever: a redelivered or repeated approval never reserves twice.
CREATE TABLE reservations (
    reservation_id   uuid PRIMARY KEY,
    case_id          uuid NOT NULL UNIQUE REFERENCES approved_cases,
    grant_id         uuid NOT NULL REFERENCES grants,
    org_id           text NOT NULL,
    currency         char(3) NOT NULL,
    amount_minor     bigint NOT NULL CHECK (amount_minor > 0),
    disbursed_minor  bigint NOT NULL DEFAULT 0 CHECK (disbursed_minor >= 0),
    released_minor   bigint NOT NULL DEFAULT 0 CHECK (released_minor >= 0),
    -- [{item_id, category, amount_minor, currency, target_minor, rate, as_of, base, quote, inverted}]
    conversions      jsonb NOT NULL,
    withdrawn        boolean NOT NULL DEFAULT false,
    reserved_at      timestamptz NOT NULL,
    CONSTRAINT reservations_never_above_approved
        CHECK (disbursed_minor + released_minor <= amount_minor)
);
