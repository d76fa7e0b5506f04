-- +goose Up
-- Verification runs become River jobs: see the Postgres file for the why.
ALTER TABLE audit_verifications ADD COLUMN job_id INTEGER NULL;
ALTER TABLE audit_verifications ADD COLUMN heartbeat_at DATETIME NULL;
ALTER TABLE audit_verifications ADD COLUMN result TEXT NOT NULL DEFAULT '' CHECK (result IN ('', 'intact', 'broken', 'failed'));
CREATE INDEX audit_verifications_running_idx ON audit_verifications (id) WHERE status = 'running';

-- +goose Down
DROP INDEX audit_verifications_running_idx;
ALTER TABLE audit_verifications DROP COLUMN result;
ALTER TABLE audit_verifications DROP COLUMN heartbeat_at;
ALTER TABLE audit_verifications DROP COLUMN job_id;
