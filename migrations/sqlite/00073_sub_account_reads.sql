-- +goose Up
-- What the sync keeps per sub-account for itself moves to a narrow table: see the
-- Postgres file for the why. Every sub_accounts row has its row here.
CREATE TABLE sub_account_reads (
    sub_account_id     TEXT     PRIMARY KEY REFERENCES sub_accounts (id) ON DELETE CASCADE,
    seen_run           BIGINT   NOT NULL DEFAULT 0,
    synced_at          DATETIME NOT NULL,
    balances_synced_at DATETIME NULL,
    snapshot_at        DATETIME NULL,
    credit_skips       INTEGER  NOT NULL DEFAULT 0
);
INSERT INTO sub_account_reads (sub_account_id, seen_run, synced_at, balances_synced_at, snapshot_at, credit_skips)
    SELECT id, seen_run, synced_at, balances_synced_at, snapshot_at, credit_skips FROM sub_accounts;
ALTER TABLE sub_accounts DROP COLUMN seen_run;
ALTER TABLE sub_accounts DROP COLUMN synced_at;
ALTER TABLE sub_accounts DROP COLUMN balances_synced_at;
ALTER TABLE sub_accounts DROP COLUMN snapshot_at;
ALTER TABLE sub_accounts DROP COLUMN credit_skips;
ALTER TABLE organizations DROP COLUMN seen_run;

-- +goose Down
ALTER TABLE organizations ADD COLUMN seen_run BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sub_accounts ADD COLUMN seen_run BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sub_accounts ADD COLUMN synced_at DATETIME NOT NULL DEFAULT '1970-01-01 00:00:00+00:00';
ALTER TABLE sub_accounts ADD COLUMN balances_synced_at DATETIME NULL;
ALTER TABLE sub_accounts ADD COLUMN snapshot_at DATETIME NULL;
ALTER TABLE sub_accounts ADD COLUMN credit_skips INTEGER NOT NULL DEFAULT 0;
UPDATE sub_accounts SET
    seen_run = COALESCE((SELECT r.seen_run FROM sub_account_reads r WHERE r.sub_account_id = sub_accounts.id), 0),
    synced_at = COALESCE((SELECT r.synced_at FROM sub_account_reads r WHERE r.sub_account_id = sub_accounts.id), synced_at),
    balances_synced_at = (SELECT r.balances_synced_at FROM sub_account_reads r WHERE r.sub_account_id = sub_accounts.id),
    snapshot_at = (SELECT r.snapshot_at FROM sub_account_reads r WHERE r.sub_account_id = sub_accounts.id),
    credit_skips = COALESCE((SELECT r.credit_skips FROM sub_account_reads r WHERE r.sub_account_id = sub_accounts.id), 0);
DROP TABLE sub_account_reads;
