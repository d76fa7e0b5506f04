-- SQLite twin of postgres/00070_draft_limits.sql: money is TEXT (two-decimal strings,
-- summed and compared in Go), times DATETIME UTC text.
-- Limits on drafting money movements (issue 15): per requester, a daily and a monthly
-- total of transfers and recoveries drafted (a default for everyone, and per-user
-- overrides); per sub-account, a monthly cap on transfers into it. Each kind of limit
-- says what a draft over it gets: refused ('refuse'), or one more approval than the
-- policy asks ('extra_approval'), recorded on the operation (limit_note). The rule is
-- internal/approval/limits.go.

-- +goose Up
-- One row: the defaults and the mode of each kind of limit. NULL amount: no limit.
CREATE TABLE draft_limits (
    id               INTEGER  PRIMARY KEY CHECK (id = 1),
    daily            TEXT     NULL,
    monthly          TEXT     NULL,
    daily_mode       TEXT     NOT NULL DEFAULT 'refuse' CHECK (daily_mode IN ('refuse', 'extra_approval')),
    monthly_mode     TEXT     NOT NULL DEFAULT 'refuse' CHECK (monthly_mode IN ('refuse', 'extra_approval')),
    sub_account_mode TEXT     NOT NULL DEFAULT 'refuse' CHECK (sub_account_mode IN ('refuse', 'extra_approval')),
    updated_at       DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO draft_limits (id) VALUES (1);

-- A requester's own limits, in place of the defaults; NULL: the default applies.
CREATE TABLE user_draft_limits (
    user_id    BIGINT   PRIMARY KEY REFERENCES users (id),
    daily      TEXT     NULL,
    monthly    TEXT     NULL,
    updated_at DATETIME NOT NULL
);

-- The monthly cap on transfers into a sub-account (from its master), whoever drafts them.
CREATE TABLE sub_account_inflow_caps (
    sub_account_id TEXT     PRIMARY KEY,
    monthly        TEXT     NOT NULL,
    updated_at     DATETIME NOT NULL
);

-- Why a draft needs one more approval than its policy (JSON list of the limits it went
-- over, with the figures); '' when none.
ALTER TABLE operations ADD COLUMN limit_note TEXT NOT NULL DEFAULT '';
ALTER TABLE operation_batches ADD COLUMN limit_note TEXT NOT NULL DEFAULT '';

-- A requester's drafts of a day or a month.
CREATE INDEX operations_requested_created_idx ON operations (requested_by, created_at);

-- +goose Down
DROP INDEX operations_requested_created_idx;
ALTER TABLE operation_batches DROP COLUMN limit_note;
ALTER TABLE operations DROP COLUMN limit_note;
DROP TABLE sub_account_inflow_caps;
DROP TABLE user_draft_limits;
DROP TABLE draft_limits;
