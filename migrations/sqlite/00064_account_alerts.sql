-- +goose Up
-- Low balance, low runway and anomaly alerts: see the Postgres file for the why.
CREATE TABLE account_alerts (
    sub_account_id TEXT     NOT NULL,
    kind           TEXT     NOT NULL CHECK (kind IN ('low_balance', 'low_runway')),
    active         BOOLEAN  NOT NULL,
    since          DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL,
    PRIMARY KEY (sub_account_id, kind)
);

CREATE TABLE alert_notices (
    id             INTEGER  PRIMARY KEY,
    sub_account_id TEXT     NOT NULL,
    kind           TEXT     NOT NULL,
    day            TEXT     NOT NULL,
    details        TEXT     NOT NULL DEFAULT '',
    created_at     DATETIME NOT NULL,
    UNIQUE (sub_account_id, kind, day)
);

-- +goose Down
DROP TABLE alert_notices;
DROP TABLE account_alerts;
