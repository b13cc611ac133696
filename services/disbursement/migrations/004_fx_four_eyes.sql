-- Exchange rates under four eyes: one finance officer proposes a rate, another confirms it, and
-- only a confirmed rate converts anything. A rejected proposal frees its day for another.
-- Rates recorded before this migration took effect when they were entered: they stay confirmed,
-- with no second officer on record.
ALTER TABLE fx_rates
    ADD COLUMN rate_id     uuid,
    ADD COLUMN status      text NOT NULL DEFAULT 'confirmed',
    ADD COLUMN decided_by  text,
    ADD COLUMN decided_at  timestamptz,
    -- What the deciding officer was shown: {reference, inverted, deviation, flagged}.
    ADD COLUMN review      jsonb,
    ADD COLUMN version     integer NOT NULL DEFAULT 1;
UPDATE fx_rates SET rate_id = gen_random_uuid(), decided_at = recorded_at;
ALTER TABLE fx_rates
    ALTER COLUMN rate_id SET NOT NULL,
    ALTER COLUMN status DROP DEFAULT,
    DROP CONSTRAINT fx_rates_pkey,
    ADD PRIMARY KEY (rate_id),
    ADD CONSTRAINT fx_rates_status CHECK (status IN ('pending', 'confirmed', 'rejected')),
    ADD CONSTRAINT fx_rates_decided CHECK ((status = 'pending') = (decided_at IS NULL)),
    ADD CONSTRAINT fx_rates_four_eyes
        CHECK (status <> 'confirmed' OR decided_by IS NULL OR decided_by <> recorded_by);
CREATE UNIQUE INDEX fx_rates_one_per_day ON fx_rates (base, quote, as_of)
    WHERE status <> 'rejected';
CREATE INDEX fx_rates_confirmed ON fx_rates (base, quote, as_of DESC)
    WHERE status = 'confirmed';

-- The largest amount one grant may hold (shared.money.MAX_MINOR), also in the database.
ALTER TABLE grants ADD CONSTRAINT grants_amount_bounded
    CHECK (amount_minor <= 1000000000000000);
