-- Read-side cache (SQLite twin of postgres/00002_cache.sql; see the comments there).
-- Money is TEXT holding a two-decimal string (exact, read back as a decimal); where SQL must
-- order, compare or add amounts, an INTEGER *_cents column beside it holds the same value in
-- cents (written by the application in the same statement), so ORDER BY and SUM are exact
-- integer arithmetic, never floats. Times are DATETIME text in UTC (see 00001).

-- +goose Up

CREATE TABLE organizations (
    id        TEXT        PRIMARY KEY,
    name      TEXT        NOT NULL DEFAULT '',
    parent_id TEXT        NOT NULL DEFAULT '',
    path      TEXT        NOT NULL,
    depth     INTEGER     NOT NULL,
    synced_at DATETIME    NOT NULL,
    seen_run  BIGINT      NOT NULL DEFAULT 0
);
CREATE INDEX organizations_path_idx ON organizations (path);

CREATE TABLE sub_accounts (
    id                    TEXT          PRIMARY KEY,
    name                  TEXT          NOT NULL DEFAULT '',
    display_name          TEXT          NOT NULL DEFAULT '',
    -- lower(name || ' ' || display_name) computed by the application (Unicode-aware,
    -- identical on both dialects), for case-insensitive substring search.
    search_text           TEXT          NOT NULL DEFAULT '',
    status                INTEGER       NOT NULL DEFAULT 0,
    org_id                TEXT          NOT NULL DEFAULT '',
    org_name              TEXT          NOT NULL DEFAULT '',
    org_path              TEXT          NOT NULL DEFAULT '',
    debit                 TEXT          NOT NULL DEFAULT '0.00',
    credit                TEXT          NOT NULL DEFAULT '0.00',
    total                 TEXT          NOT NULL DEFAULT '0.00',
    debit_cents           INTEGER       NOT NULL DEFAULT 0,
    credit_cents          INTEGER       NOT NULL DEFAULT 0,
    total_cents           INTEGER       NOT NULL DEFAULT 0,
    currency              TEXT          NOT NULL DEFAULT 'CNY',
    low_balance_threshold TEXT          NULL,
    threshold_cents       INTEGER       NULL,
    synced_at             DATETIME      NOT NULL,
    balances_synced_at    DATETIME      NULL,
    snapshot_at           DATETIME      NULL,
    stale                 BOOLEAN       NOT NULL DEFAULT 0,
    last_error            TEXT          NOT NULL DEFAULT '',
    seen_run              BIGINT        NOT NULL DEFAULT 0
);
-- Keyset pagination: (sort key, id) for every sort order (b-trees scan both ways).
CREATE INDEX sub_accounts_total_id_idx ON sub_accounts (total_cents, id);
CREATE INDEX sub_accounts_name_id_idx ON sub_accounts (name, id);
CREATE INDEX sub_accounts_org_path_idx ON sub_accounts (org_path);
CREATE INDEX sub_accounts_org_id_idx ON sub_accounts (org_id);
CREATE INDEX sub_accounts_status_idx ON sub_accounts (status);

-- Recoverable credit ledgers of each sub-account (one row per ledger).
CREATE TABLE sub_account_credits (
    sub_account_id TEXT          NOT NULL REFERENCES sub_accounts (id) ON DELETE CASCADE,
    seq            INTEGER       NOT NULL,
    available      TEXT          NOT NULL,
    credit_amount  TEXT          NOT NULL,
    expire_time    DATETIME      NULL,
    PRIMARY KEY (sub_account_id, seq)
);

-- The master's transferable amounts: one row (id = 1) and its credit ledgers.
CREATE TABLE master_balances (
    id         INTEGER       PRIMARY KEY CHECK (id = 1),
    debit      TEXT          NOT NULL,
    credit     TEXT          NOT NULL,
    currency   TEXT          NOT NULL DEFAULT 'CNY',
    synced_at  DATETIME      NOT NULL,
    stale      BOOLEAN       NOT NULL DEFAULT 0,
    last_error TEXT          NOT NULL DEFAULT ''
);

CREATE TABLE master_credits (
    seq           INTEGER       PRIMARY KEY,
    available     TEXT          NOT NULL,
    amount        TEXT          NOT NULL,
    credit_amount TEXT          NOT NULL,
    expire_time   DATETIME      NULL
);

-- Time series. sub_account_id '' is the total over all sub-accounts at that sync.
CREATE TABLE balance_snapshots (
    id             INTEGER PRIMARY KEY,
    taken_at       DATETIME      NOT NULL,
    sub_account_id TEXT          NOT NULL,
    debit          TEXT          NOT NULL,
    credit         TEXT NOT NULL
);
CREATE INDEX balance_snapshots_sub_taken_idx ON balance_snapshots (sub_account_id, taken_at);

-- Master coupons (sub_account_id = '', sub_coupon_id = '') and sub-coupons.
CREATE TABLE coupons (
    coupon_id      TEXT          NOT NULL,
    sub_coupon_id  TEXT          NOT NULL DEFAULT '',
    sub_account_id TEXT          NOT NULL DEFAULT '',
    plan_name      TEXT          NOT NULL DEFAULT '',
    search_text    TEXT          NOT NULL DEFAULT '',
    balance        TEXT          NOT NULL,
    effective_time DATETIME      NULL,
    expire_time    DATETIME      NULL,
    use_limits     TEXT          NOT NULL DEFAULT '[]',
    synced_at      DATETIME      NOT NULL,
    PRIMARY KEY (sub_account_id, coupon_id, sub_coupon_id)
);
CREATE INDEX coupons_expire_idx ON coupons (expire_time);

CREATE TABLE stored_value_cards (
    card_id        TEXT          PRIMARY KEY,
    name           TEXT          NOT NULL DEFAULT '',
    status         INTEGER       NOT NULL,
    face_value     TEXT          NOT NULL,
    balance        TEXT          NOT NULL,
    effective_time DATETIME      NULL,
    expire_time    DATETIME      NULL,
    synced_at      DATETIME      NOT NULL
);
CREATE INDEX stored_value_cards_status_idx ON stored_value_cards (status, expire_time);

CREATE TABLE resources (
    account_id         TEXT        NOT NULL,
    resource_id        TEXT        NOT NULL,
    name               TEXT        NOT NULL DEFAULT '',
    search_text        TEXT        NOT NULL DEFAULT '',
    region             TEXT        NOT NULL DEFAULT '',
    service_type       TEXT        NOT NULL DEFAULT '',
    service_type_name  TEXT        NOT NULL DEFAULT '',
    resource_type      TEXT        NOT NULL DEFAULT '',
    resource_type_name TEXT        NOT NULL DEFAULT '',
    spec_desc          TEXT        NOT NULL DEFAULT '',
    parent_id          TEXT        NOT NULL DEFAULT '',
    is_main            BOOLEAN     NOT NULL DEFAULT 0,
    status             INTEGER     NOT NULL DEFAULT 0,
    effective_time     DATETIME    NULL,
    expire_time        DATETIME    NULL,
    expire_policy      INTEGER     NOT NULL DEFAULT 0,
    synced_at          DATETIME    NOT NULL,
    PRIMARY KEY (account_id, resource_id)
);
CREATE INDEX resources_expire_idx ON resources (expire_time, resource_id);

CREATE TABLE resource_package_usages (
    free_resource_id  TEXT        PRIMARY KEY,
    package_id        TEXT        NOT NULL DEFAULT '',
    product_name      TEXT        NOT NULL DEFAULT '',
    search_text       TEXT        NOT NULL DEFAULT '',
    service_type      TEXT        NOT NULL DEFAULT '',
    service_type_name TEXT        NOT NULL DEFAULT '',
    region            TEXT        NOT NULL DEFAULT '',
    usage_type_name   TEXT        NOT NULL DEFAULT '',
    status            INTEGER     NOT NULL DEFAULT 0,
    original          TEXT        NOT NULL DEFAULT '0',
    remaining         TEXT        NOT NULL DEFAULT '0',
    measure_id        INTEGER     NOT NULL DEFAULT 0,
    effective_time    DATETIME    NULL,
    expire_time       DATETIME    NULL,
    synced_at         DATETIME    NOT NULL
);

CREATE TABLE catalog_entries (
    kind        TEXT        NOT NULL,
    lang        TEXT        NOT NULL,
    code        TEXT        NOT NULL,
    parent      TEXT        NOT NULL DEFAULT '',
    name        TEXT        NOT NULL DEFAULT '',
    description TEXT        NOT NULL DEFAULT '',
    extra       TEXT        NOT NULL DEFAULT '',
    search_text TEXT        NOT NULL DEFAULT '',
    synced_at   DATETIME    NOT NULL,
    PRIMARY KEY (kind, lang, code, parent)
);
CREATE INDEX catalog_entries_parent_idx ON catalog_entries (kind, lang, parent, code);

-- One row per run of the sync of an area. A running row is owned by one process
-- (owner, heartbeat_at); a row whose heartbeat is old was left by a dead process and is
-- taken over, resuming from cursor.
CREATE TABLE sync_runs (
    id           INTEGER PRIMARY KEY,
    area         TEXT        NOT NULL,
    sub_account_id TEXT      NOT NULL DEFAULT '',
    trigger      TEXT        NOT NULL DEFAULT '',
    started_at   DATETIME    NOT NULL,
    finished_at  DATETIME    NULL,
    status       TEXT        NOT NULL CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
    items        INTEGER     NOT NULL DEFAULT 0,
    errors       INTEGER     NOT NULL DEFAULT 0,
    error        TEXT        NOT NULL DEFAULT '',
    cursor       TEXT        NOT NULL DEFAULT '',
    owner        TEXT        NOT NULL DEFAULT '',
    heartbeat_at DATETIME    NOT NULL
);
CREATE INDEX sync_runs_area_id_idx ON sync_runs (area, id);
-- At most one running run per area (and sub-account, for one-account refreshes).
CREATE UNIQUE INDEX sync_runs_running_idx ON sync_runs (area, sub_account_id) WHERE status = 'running';

-- +goose Down

DROP TABLE sync_runs;
DROP TABLE catalog_entries;
DROP TABLE resource_package_usages;
DROP TABLE resources;
DROP TABLE stored_value_cards;
DROP TABLE coupons;
DROP TABLE balance_snapshots;
DROP TABLE master_credits;
DROP TABLE master_balances;
DROP TABLE sub_account_credits;
DROP TABLE sub_accounts;
DROP TABLE organizations;
