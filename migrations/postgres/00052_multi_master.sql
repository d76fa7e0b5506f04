-- Several master accounts (issue 7): every cache row says which master's sync wrote it,
-- by the master's domain id (the key operations.master_account_id and movement_locks
-- already use). Rows cached before this migration carry '' ("untagged"); at start-up the
-- portal gives them to the bootstrap master (store.AdoptUntaggedCache), and a master's
-- complete listing also removes untagged rows it did not see, so nothing is left orphaned.
-- Sub-account, organisation, coupon and card ids are the upstream's global ids, so those
-- primary keys stay as they are; the master's own amounts become one row per master.

-- +goose Up

ALTER TABLE sub_accounts ADD COLUMN master_account_id TEXT NOT NULL DEFAULT '';
CREATE INDEX sub_accounts_master_id_idx ON sub_accounts (master_account_id, id);
ALTER TABLE organizations ADD COLUMN master_account_id TEXT NOT NULL DEFAULT '';
ALTER TABLE coupons ADD COLUMN master_account_id TEXT NOT NULL DEFAULT '';
ALTER TABLE stored_value_cards ADD COLUMN master_account_id TEXT NOT NULL DEFAULT '';
ALTER TABLE resource_package_usages ADD COLUMN master_account_id TEXT NOT NULL DEFAULT '';
-- Totals points (sub_account_id '') are per master; a sub-account's points need no tag.
ALTER TABLE balance_snapshots ADD COLUMN master_account_id TEXT NOT NULL DEFAULT '';

-- Sync runs per master: one running run per (master, area, sub-account).
ALTER TABLE sync_runs ADD COLUMN master_account_id TEXT NOT NULL DEFAULT '';
DROP INDEX sync_runs_running_idx;
CREATE UNIQUE INDEX sync_runs_running_idx ON sync_runs (master_account_id, area, sub_account_id) WHERE status = 'running';
CREATE INDEX sync_runs_master_area_id_idx ON sync_runs (master_account_id, area, id);

-- The master's transferable amounts: one row per master (was one row, id = 1).
CREATE TABLE master_balances_new (
    master_account_id TEXT          PRIMARY KEY,
    debit             NUMERIC(20,2) NOT NULL,
    credit            NUMERIC(20,2) NOT NULL,
    currency          TEXT          NOT NULL DEFAULT 'CNY',
    synced_at         TIMESTAMPTZ   NOT NULL,
    stale             BOOLEAN       NOT NULL DEFAULT FALSE,
    last_error        TEXT          NOT NULL DEFAULT ''
);
INSERT INTO master_balances_new (master_account_id, debit, credit, currency, synced_at, stale, last_error)
    SELECT '', debit, credit, currency, synced_at, stale, last_error FROM master_balances;
DROP TABLE master_balances;
ALTER TABLE master_balances_new RENAME TO master_balances;

CREATE TABLE master_credits_new (
    master_account_id TEXT          NOT NULL,
    seq               INTEGER       NOT NULL,
    available         NUMERIC(20,2) NOT NULL,
    amount            NUMERIC(20,2) NOT NULL,
    credit_amount     NUMERIC(20,2) NOT NULL,
    expire_time       TIMESTAMPTZ   NULL,
    PRIMARY KEY (master_account_id, seq)
);
INSERT INTO master_credits_new (master_account_id, seq, available, amount, credit_amount, expire_time)
    SELECT '', seq, available, amount, credit_amount, expire_time FROM master_credits;
DROP TABLE master_credits;
ALTER TABLE master_credits_new RENAME TO master_credits;

-- +goose Down

CREATE TABLE master_credits_old (
    seq           INTEGER       PRIMARY KEY,
    available     NUMERIC(20,2) NOT NULL,
    amount        NUMERIC(20,2) NOT NULL,
    credit_amount NUMERIC(20,2) NOT NULL,
    expire_time   TIMESTAMPTZ   NULL
);
INSERT INTO master_credits_old (seq, available, amount, credit_amount, expire_time)
    SELECT seq, available, amount, credit_amount, expire_time FROM master_credits
    WHERE master_account_id = (SELECT MIN(master_account_id) FROM master_credits);
DROP TABLE master_credits;
ALTER TABLE master_credits_old RENAME TO master_credits;

CREATE TABLE master_balances_old (
    id         INTEGER       PRIMARY KEY CHECK (id = 1),
    debit      NUMERIC(20,2) NOT NULL,
    credit     NUMERIC(20,2) NOT NULL,
    currency   TEXT          NOT NULL DEFAULT 'CNY',
    synced_at  TIMESTAMPTZ   NOT NULL,
    stale      BOOLEAN       NOT NULL DEFAULT FALSE,
    last_error TEXT          NOT NULL DEFAULT ''
);
INSERT INTO master_balances_old (id, debit, credit, currency, synced_at, stale, last_error)
    SELECT 1, debit, credit, currency, synced_at, stale, last_error FROM master_balances
    ORDER BY master_account_id LIMIT 1;
DROP TABLE master_balances;
ALTER TABLE master_balances_old RENAME TO master_balances;

DROP INDEX sync_runs_master_area_id_idx;
DROP INDEX sync_runs_running_idx;
DELETE FROM sync_runs WHERE status = 'running' AND id NOT IN (SELECT MAX(id) FROM sync_runs WHERE status = 'running' GROUP BY area, sub_account_id);
CREATE UNIQUE INDEX sync_runs_running_idx ON sync_runs (area, sub_account_id) WHERE status = 'running';
ALTER TABLE sync_runs DROP COLUMN master_account_id;
ALTER TABLE balance_snapshots DROP COLUMN master_account_id;
ALTER TABLE resource_package_usages DROP COLUMN master_account_id;
ALTER TABLE stored_value_cards DROP COLUMN master_account_id;
ALTER TABLE coupons DROP COLUMN master_account_id;
ALTER TABLE organizations DROP COLUMN master_account_id;
DROP INDEX sub_accounts_master_id_idx;
ALTER TABLE sub_accounts DROP COLUMN master_account_id;
