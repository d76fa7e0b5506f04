-- +goose Up
-- Standing top-up rules: see the Postgres file for the why.
CREATE TABLE topup_rules (
    id                INTEGER  PRIMARY KEY,
    name              TEXT     NOT NULL,
    master_account_id TEXT     NOT NULL,
    org_path          TEXT     NOT NULL DEFAULT '',
    state             TEXT     NOT NULL CHECK (state IN ('active', 'paused')),
    definition        TEXT     NOT NULL,
    version           INTEGER  NOT NULL,
    valid_from        DATETIME NOT NULL,
    valid_until       DATETIME NOT NULL,
    owner_id          INTEGER  NOT NULL REFERENCES users (id),
    owner_name        TEXT     NOT NULL,
    approver_ids      TEXT     NOT NULL DEFAULT '',
    last_operation_id INTEGER  NOT NULL REFERENCES operations (id),
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL
);
CREATE INDEX topup_rules_master_idx ON topup_rules (master_account_id, state);

CREATE TABLE topup_rule_switch (
    id         INTEGER  PRIMARY KEY CHECK (id = 1),
    paused     BOOLEAN  NOT NULL,
    changed_by TEXT     NOT NULL DEFAULT '',
    changed_at DATETIME NULL
);
INSERT INTO topup_rule_switch (id, paused) VALUES (1, 0);

CREATE TABLE topup_rule_payments (
    id             INTEGER  PRIMARY KEY,
    rule_id        INTEGER  NOT NULL REFERENCES topup_rules (id),
    sub_account_id TEXT     NOT NULL,
    trigger_window TEXT     NOT NULL,
    month          TEXT     NOT NULL,
    amount         TEXT     NOT NULL,
    operation_id   INTEGER  NOT NULL REFERENCES operations (id),
    created_at     DATETIME NOT NULL,
    UNIQUE (rule_id, sub_account_id, trigger_window)
);
CREATE INDEX topup_rule_payments_month_idx ON topup_rule_payments (month, rule_id);

-- +goose Down
DROP TABLE topup_rule_payments;
DROP TABLE topup_rule_switch;
DROP TABLE topup_rules;
