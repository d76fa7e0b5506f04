-- +goose Up
-- The first sync (issue 16). total is how many sub-accounts a balance pass set out to read,
-- so pages and /metrics can say "balances read: 3,120 of 10,000" from the run row alone.
-- credit_absent records that the last credit read of a sub-account found no credit
-- account (about three in four have none); credit_skips counts the passes since then
-- that skipped its credit call, so it is checked again every few passes.
ALTER TABLE sync_runs ADD COLUMN total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sub_accounts
    ADD COLUMN credit_absent BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN credit_skips  INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE sub_accounts
    DROP COLUMN credit_skips,
    DROP COLUMN credit_absent;
ALTER TABLE sync_runs DROP COLUMN total;
