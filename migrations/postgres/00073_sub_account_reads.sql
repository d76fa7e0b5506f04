-- +goose Up
-- What the sync keeps per sub-account for itself (issue 16): when it was last listed
-- (synced_at, and by which run: seen_run, for removing the sub-accounts a complete
-- listing no longer has), when its balances were last read (balances_synced_at, the
-- "as of" of its figures), when its last history point was taken (snapshot_at) and how
-- many passes skipped its credit call (credit_skips). Every pass renews these for every
-- sub-account; kept on sub_accounts, renewing them rewrote the wide row (and its eight
-- indexes) each time, even when nothing else had changed: with the other needless
-- writes, 40,000 row versions a round at 10,000 sub-accounts.
-- In this narrow table without secondary indexes, and with room left on each page
-- (fillfactor), an update is a heap-only tuple that later page visits prune without
-- VACUUM. Every sub_accounts row has its row here, written with it and deleted with it.
CREATE TABLE sub_account_reads (
    sub_account_id     TEXT        PRIMARY KEY REFERENCES sub_accounts (id) ON DELETE CASCADE,
    seen_run           BIGINT      NOT NULL DEFAULT 0,
    synced_at          TIMESTAMPTZ NOT NULL,
    balances_synced_at TIMESTAMPTZ NULL,
    snapshot_at        TIMESTAMPTZ NULL,
    credit_skips       INTEGER     NOT NULL DEFAULT 0
) WITH (fillfactor = 50);
INSERT INTO sub_account_reads (sub_account_id, seen_run, synced_at, balances_synced_at, snapshot_at, credit_skips)
    SELECT id, seen_run, synced_at, balances_synced_at, snapshot_at, credit_skips FROM sub_accounts;
ALTER TABLE sub_accounts
    DROP COLUMN seen_run,
    DROP COLUMN synced_at,
    DROP COLUMN balances_synced_at,
    DROP COLUMN snapshot_at,
    DROP COLUMN credit_skips;
-- A unit's removal compares the tree read with the cached units instead.
ALTER TABLE organizations DROP COLUMN seen_run;

-- +goose Down
ALTER TABLE organizations ADD COLUMN seen_run BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sub_accounts
    ADD COLUMN seen_run           BIGINT      NOT NULL DEFAULT 0,
    ADD COLUMN synced_at          TIMESTAMPTZ NULL,
    ADD COLUMN balances_synced_at TIMESTAMPTZ NULL,
    ADD COLUMN snapshot_at        TIMESTAMPTZ NULL,
    ADD COLUMN credit_skips       INTEGER     NOT NULL DEFAULT 0;
UPDATE sub_accounts s SET seen_run = r.seen_run, synced_at = r.synced_at, balances_synced_at = r.balances_synced_at,
    snapshot_at = r.snapshot_at, credit_skips = r.credit_skips
    FROM sub_account_reads r WHERE r.sub_account_id = s.id;
UPDATE sub_accounts SET synced_at = now() WHERE synced_at IS NULL;
ALTER TABLE sub_accounts ALTER COLUMN synced_at SET NOT NULL;
DROP TABLE sub_account_reads;
