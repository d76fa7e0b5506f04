-- +goose Up
-- The auditor's workspace: see the Postgres file for the why.
CREATE INDEX audit_events_request_id_idx ON audit_events (request_id) WHERE request_id <> '';
CREATE INDEX audit_events_outcome_idx ON audit_events (outcome, id);

CREATE TABLE audit_checkpoints (
    id          INTEGER  PRIMARY KEY AUTOINCREMENT,
    created_at  DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    event_id    INTEGER  NOT NULL,
    event_count INTEGER  NOT NULL,
    head_hash   TEXT     NOT NULL,
    public_key  TEXT     NOT NULL,
    signature   TEXT     NOT NULL
);
CREATE INDEX audit_checkpoints_event_idx ON audit_checkpoints (event_id);

CREATE TABLE audit_verifications (
    id          INTEGER  PRIMARY KEY AUTOINCREMENT,
    started_by  TEXT     NOT NULL,
    started_at  DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    finished_at DATETIME NULL,
    from_id     INTEGER  NOT NULL DEFAULT 0,
    to_id       INTEGER  NOT NULL DEFAULT 0,
    total       INTEGER  NOT NULL DEFAULT 0,
    checked     INTEGER  NOT NULL DEFAULT 0,
    status      TEXT     NOT NULL CHECK (status IN ('running', 'intact', 'broken', 'failed')),
    broken_id   INTEGER  NULL,
    reason      TEXT     NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE audit_verifications;
DROP TABLE audit_checkpoints;
DROP INDEX audit_events_outcome_idx;
DROP INDEX audit_events_request_id_idx;
