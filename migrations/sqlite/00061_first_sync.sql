-- +goose Up
-- The first sync: see the Postgres file for the why.
ALTER TABLE sync_runs ADD COLUMN total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sub_accounts ADD COLUMN credit_absent BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE sub_accounts ADD COLUMN credit_skips INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE sub_accounts DROP COLUMN credit_skips;
ALTER TABLE sub_accounts DROP COLUMN credit_absent;
ALTER TABLE sync_runs DROP COLUMN total;
