-- +goose Up
-- Verification runs become River jobs (issue 12, point 4). job_id names the job that
-- performs a run, so a run whose job is gone can be told from one still queued;
-- heartbeat_at is refreshed by the worker while it verifies, so a run whose worker died
-- is found; result is the outcome once its audit.verify event is written (in the same
-- transaction), so a run resumed after a crash never writes that event twice. status
-- stays 'running' until the run is finished, and only then takes result's value.
ALTER TABLE audit_verifications
    ADD COLUMN job_id       BIGINT      NULL,
    ADD COLUMN heartbeat_at TIMESTAMPTZ NULL,
    ADD COLUMN result       TEXT        NOT NULL DEFAULT '' CHECK (result IN ('', 'intact', 'broken', 'failed'));
CREATE INDEX audit_verifications_running_idx ON audit_verifications (id) WHERE status = 'running';

-- +goose Down
DROP INDEX audit_verifications_running_idx;
ALTER TABLE audit_verifications
    DROP COLUMN result,
    DROP COLUMN heartbeat_at,
    DROP COLUMN job_id;
