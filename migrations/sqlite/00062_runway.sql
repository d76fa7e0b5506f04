-- +goose Up
-- Each sub-account's runway: see the Postgres file. As elsewhere on SQLite, amounts are
-- TEXT with an integer twin where SQL adds them up: runway_burn_e4 is the daily burn in
-- ten-thousandths (the dashboard's "needed to keep them running" sums it exactly).
ALTER TABLE sub_accounts ADD COLUMN runway_state TEXT NOT NULL DEFAULT '' CHECK (runway_state IN ('', 'estimated', 'no_consumption', 'not_enough_history'));
ALTER TABLE sub_accounts ADD COLUMN runway_days TEXT NULL;
ALTER TABLE sub_accounts ADD COLUMN runway_burn TEXT NULL;
ALTER TABLE sub_accounts ADD COLUMN runway_burn_e4 INTEGER NULL;
ALTER TABLE sub_accounts ADD COLUMN runway_based_on INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sub_accounts ADD COLUMN runway_at DATETIME NULL;
ALTER TABLE sub_accounts ADD COLUMN runway_key INTEGER NOT NULL DEFAULT 3000000000;
CREATE INDEX sub_accounts_runway_id_idx ON sub_accounts (runway_key, id);

-- +goose Down
DROP INDEX sub_accounts_runway_id_idx;
ALTER TABLE sub_accounts DROP COLUMN runway_key;
ALTER TABLE sub_accounts DROP COLUMN runway_at;
ALTER TABLE sub_accounts DROP COLUMN runway_based_on;
ALTER TABLE sub_accounts DROP COLUMN runway_burn_e4;
ALTER TABLE sub_accounts DROP COLUMN runway_burn;
ALTER TABLE sub_accounts DROP COLUMN runway_days;
ALTER TABLE sub_accounts DROP COLUMN runway_state;
