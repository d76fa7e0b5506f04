-- SQLite twin of postgres/00030_operations.sql: money is TEXT (two-decimal strings, compared in Go), times DATETIME UTC text.
-- +goose Up
-- Operations (issue 5): requested changes, their approvals and policy, idempotency keys,
-- bulk batches, in-app notifications and the per-master movement lock. Every state change
-- is a conditional UPDATE … WHERE state = <expected> (internal/store/operations.go).

CREATE TABLE operation_batches (
    id                 INTEGER       PRIMARY KEY,
    kind               TEXT          NOT NULL,
    state              TEXT          NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'cancelled', 'expired')),
    requested_by       BIGINT        NOT NULL REFERENCES users (id),
    requested_by_name  TEXT          NOT NULL,
    reason             TEXT          NOT NULL DEFAULT '',
    rows_count         INTEGER       NOT NULL,
    total              TEXT          NOT NULL,
    currency           TEXT          NOT NULL,
    snapshot_hash      TEXT          NOT NULL,
    required_approvals INTEGER       NOT NULL,
    expires_at         DATETIME      NOT NULL,
    created_at         DATETIME      NOT NULL,
    updated_at         DATETIME      NOT NULL
);
CREATE INDEX operation_batches_state_idx ON operation_batches (state, expires_at);

CREATE TABLE operations (
    id                 INTEGER       PRIMARY KEY,
    kind               TEXT          NOT NULL,
    state              TEXT          NOT NULL CHECK (state IN ('draft', 'pending', 'approved', 'executing',
                                     'succeeded', 'failed', 'unknown', 'rejected', 'cancelled', 'expired')),
    -- The snapshot of what is sent upstream, as the exact JSON text that snapshot_hash covers.
    params             TEXT          NOT NULL,
    snapshot_hash      TEXT          NOT NULL,
    -- The snapshot hash the final approval signed; the executor refuses any difference.
    approved_hash      TEXT          NOT NULL DEFAULT '',
    amount             TEXT          NULL,
    currency           TEXT          NOT NULL DEFAULT '',
    sub_account_id     TEXT          NOT NULL DEFAULT '',
    org_path           TEXT          NOT NULL DEFAULT '',
    master_account_id  TEXT          NOT NULL,
    trans_id           CHAR(32)      NOT NULL UNIQUE,
    requested_by       BIGINT        NOT NULL REFERENCES users (id),
    requested_by_name  TEXT          NOT NULL,
    reason             TEXT          NOT NULL DEFAULT '',
    batch_id           BIGINT        NULL REFERENCES operation_batches (id),
    batch_line         INTEGER       NOT NULL DEFAULT 0,
    required_approvals INTEGER       NOT NULL,
    attempts           INTEGER       NOT NULL DEFAULT 0,
    error_code         TEXT          NOT NULL DEFAULT '',
    error_message      TEXT          NOT NULL DEFAULT '',
    error_request_id   TEXT          NOT NULL DEFAULT '',
    error_kind         TEXT          NOT NULL DEFAULT '',
    response           TEXT          NOT NULL DEFAULT '',
    resolution         TEXT          NOT NULL DEFAULT '',
    -- What the executor observed upstream just before the first call (JSON), and when:
    -- the reconciler compares against it to confirm an uncertain outcome.
    observed_before    TEXT          NOT NULL DEFAULT '',
    observed_at        DATETIME      NULL,
    expires_at         DATETIME      NOT NULL,
    created_at         DATETIME      NOT NULL,
    updated_at         DATETIME      NOT NULL,
    executed_at        DATETIME      NULL,
    finished_at        DATETIME      NULL
);
CREATE INDEX operations_state_idx ON operations (state, expires_at);
CREATE INDEX operations_requested_by_idx ON operations (requested_by, id);
CREATE INDEX operations_batch_idx ON operations (batch_id, batch_line);
CREATE INDEX operations_sub_account_idx ON operations (sub_account_id, id);

CREATE TABLE approvals (
    id            INTEGER     PRIMARY KEY,
    operation_id  BIGINT      NULL REFERENCES operations (id),
    batch_id      BIGINT      NULL REFERENCES operation_batches (id),
    user_id       BIGINT      NOT NULL REFERENCES users (id),
    username      TEXT        NOT NULL,
    decision      TEXT        NOT NULL CHECK (decision IN ('approve', 'reject')),
    comment       TEXT        NOT NULL DEFAULT '',
    second_factor TEXT        NOT NULL DEFAULT '',
    snapshot_hash TEXT        NOT NULL,
    at            DATETIME    NOT NULL,
    CHECK ((operation_id IS NULL) <> (batch_id IS NULL)),
    UNIQUE (operation_id, user_id),
    UNIQUE (batch_id, user_id)
);

CREATE TABLE approval_policies (
    kind                TEXT          PRIMARY KEY,
    needs_approval      BOOLEAN       NOT NULL,
    two_approvers_above TEXT          NULL,
    expiry_seconds      BIGINT        NOT NULL CHECK (expiry_seconds > 0),
    updated_at          DATETIME      NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO approval_policies (kind, needs_approval, two_approvers_above, expiry_seconds) VALUES
    ('transfer_funds', 1, '10000.00', 259200),
    ('retrieve_funds', 1, '10000.00', 259200),
    ('transfer_coupon', 1, '10000.00', 259200),
    ('retrieve_coupon', 1, '10000.00', 259200),
    ('renew_resources', 1, NULL, 259200),
    ('unsubscribe_resources', 1, NULL, 259200),
    ('to_on_demand', 1, NULL, 259200),
    ('auto_renew', 1, NULL, 259200);

CREATE TABLE idempotency_keys (
    user_id      BIGINT      NOT NULL REFERENCES users (id),
    idem_key     TEXT        NOT NULL,
    request_hash TEXT        NOT NULL,
    operation_id BIGINT      NULL,
    batch_id     BIGINT      NULL,
    created_at   DATETIME    NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);

CREATE TABLE notifications (
    id           INTEGER     PRIMARY KEY,
    user_id      BIGINT      NOT NULL REFERENCES users (id),
    operation_id BIGINT      NULL,
    batch_id     BIGINT      NULL,
    kind         TEXT        NOT NULL,
    params       TEXT        NOT NULL DEFAULT '{}',
    read_at      DATETIME    NULL,
    created_at   DATETIME    NOT NULL
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id);

-- Money movements are serialised per master account. Postgres uses an advisory lock;
-- SQLite (several processes may share the file) a lease row taken by conditional UPDATE.
CREATE TABLE movement_locks (
    master_account_id TEXT        PRIMARY KEY,
    holder            TEXT        NOT NULL DEFAULT '',
    lease_until       DATETIME NULL
);

-- +goose Down
DROP TABLE movement_locks;
DROP TABLE notifications;
DROP TABLE idempotency_keys;
DROP TABLE approval_policies;
DROP TABLE approvals;
DROP TABLE operations;
DROP TABLE operation_batches;
