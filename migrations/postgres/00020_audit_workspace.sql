-- +goose Up
-- The auditor's workspace: search by request id and outcome, signed checkpoints of the
-- chain head (so that deleting the newest events is detected), and verification runs
-- with their progress (so every replica can show a run started on another).
CREATE INDEX audit_events_request_id_idx ON audit_events (request_id) WHERE request_id <> '';
CREATE INDEX audit_events_outcome_idx ON audit_events (outcome, id);

CREATE TABLE audit_checkpoints (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    event_id    BIGINT      NOT NULL,
    event_count BIGINT      NOT NULL,
    head_hash   TEXT        NOT NULL,
    public_key  TEXT        NOT NULL,
    signature   TEXT        NOT NULL
);
CREATE INDEX audit_checkpoints_event_idx ON audit_checkpoints (event_id);

CREATE TABLE audit_verifications (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_by  TEXT        NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ NULL,
    from_id     BIGINT      NOT NULL DEFAULT 0,
    to_id       BIGINT      NOT NULL DEFAULT 0,
    total       BIGINT      NOT NULL DEFAULT 0,
    checked     BIGINT      NOT NULL DEFAULT 0,
    status      TEXT        NOT NULL CHECK (status IN ('running', 'intact', 'broken', 'failed')),
    broken_id   BIGINT      NULL,
    reason      TEXT        NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE audit_verifications;
DROP TABLE audit_checkpoints;
DROP INDEX audit_events_outcome_idx;
DROP INDEX audit_events_request_id_idx;
