-- +goose Up
-- Scheduled reports: see the Postgres file for the why.
CREATE TABLE report_subscriptions (
    id           INTEGER  PRIMARY KEY,
    user_id      INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    frequency    TEXT     NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly')),
    created_at   DATETIME NOT NULL,
    cancelled_at DATETIME NULL
);
CREATE UNIQUE INDEX report_subscriptions_live_idx ON report_subscriptions (user_id, frequency) WHERE cancelled_at IS NULL;

CREATE TABLE reports (
    id              INTEGER  PRIMARY KEY,
    subscription_id INTEGER  NOT NULL REFERENCES report_subscriptions (id) ON DELETE CASCADE,
    user_id         INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    frequency       TEXT     NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly')),
    period_start    DATETIME NOT NULL,
    period_end      DATETIME NOT NULL,
    language        TEXT     NOT NULL,
    file_name       TEXT     NOT NULL,
    content         BLOB     NOT NULL,
    size_bytes      INTEGER  NOT NULL,
    delivery        TEXT     NOT NULL CHECK (delivery IN ('sent', 'no_address', 'mail_off')),
    created_at      DATETIME NOT NULL,
    UNIQUE (subscription_id, period_start)
);
CREATE INDEX reports_user_idx ON reports (user_id, id);

-- +goose Down
DROP TABLE reports;
DROP TABLE report_subscriptions;
