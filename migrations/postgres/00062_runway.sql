-- +goose Up
-- Each sub-account's runway (issue 14): how long its money lasts at its recent daily
-- consumption, computed from its balance history after every balance sync (the runways
-- job, internal/readmodel/runway.go) and kept on its cache row so that the list sorts on
-- it and the dashboard adds it up in SQL.
--   runway_state    '' not computed yet, 'estimated', 'no_consumption', 'not_enough_history'
--   runway_days     days left to one decimal (estimated only)
--   runway_burn     the daily consumption the estimate uses (estimated only)
--   runway_based_on how many days of consumption the estimate is based on
--   runway_at       when it was computed
--   runway_key      the sort key of "days left": tenths of a day when estimated, then
--                   no consumption (1e9), not enough history (2e9), not computed (3e9):
--                   one NOT NULL integer, so that keyset paging needs no NULL rules and
--                   both directions are one index range (store/runway.go says why).
ALTER TABLE sub_accounts
    ADD COLUMN runway_state    TEXT          NOT NULL DEFAULT '' CHECK (runway_state IN ('', 'estimated', 'no_consumption', 'not_enough_history')),
    ADD COLUMN runway_days     NUMERIC(12,1) NULL,
    ADD COLUMN runway_burn     NUMERIC(20,4) NULL,
    ADD COLUMN runway_based_on INTEGER       NOT NULL DEFAULT 0,
    ADD COLUMN runway_at       TIMESTAMPTZ   NULL,
    ADD COLUMN runway_key      BIGINT        NOT NULL DEFAULT 3000000000;
CREATE INDEX sub_accounts_runway_id_idx ON sub_accounts (runway_key, id);

-- +goose Down
DROP INDEX sub_accounts_runway_id_idx;
ALTER TABLE sub_accounts
    DROP COLUMN runway_key,
    DROP COLUMN runway_at,
    DROP COLUMN runway_based_on,
    DROP COLUMN runway_burn,
    DROP COLUMN runway_days,
    DROP COLUMN runway_state;
