-- +goose Up
-- Checkpoints become a chain and append-only: see the Postgres file for the why. SQLite
-- has no TRUNCATE; a DELETE without WHERE fires the row trigger (triggers turn off the
-- truncate optimisation).
ALTER TABLE audit_checkpoints ADD COLUMN seq INTEGER NULL CHECK (seq > 0);
ALTER TABLE audit_checkpoints ADD COLUMN prev_signature TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX audit_checkpoints_seq_idx ON audit_checkpoints (seq);

-- +goose StatementBegin
CREATE TRIGGER audit_checkpoints_no_update
BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only: UPDATE refused');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_checkpoints_no_delete
BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only: DELETE refused');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_checkpoints_no_delete;
DROP TRIGGER audit_checkpoints_no_update;
DROP INDEX audit_checkpoints_seq_idx;
ALTER TABLE audit_checkpoints DROP COLUMN prev_signature;
ALTER TABLE audit_checkpoints DROP COLUMN seq;
