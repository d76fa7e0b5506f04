-- The approval route of an operation or batch (issue 15), fixed when it is requested: the
-- matrix rule that applied (NULL: the kind's approval policy) and its version, the levels
-- it needs (JSON [{"count":n,"group_id":g}, …]; '' on rows requested before the matrix:
-- one level of required_approvals from any approver), and whether they go in order. Each
-- approval records the level it counted for.

-- +goose Up
ALTER TABLE operations ADD COLUMN approval_rule_id BIGINT NULL;
ALTER TABLE operations ADD COLUMN approval_rule_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE operations ADD COLUMN approval_levels TEXT NOT NULL DEFAULT '';
ALTER TABLE operations ADD COLUMN approval_sequential BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE operation_batches ADD COLUMN approval_rule_id BIGINT NULL;
ALTER TABLE operation_batches ADD COLUMN approval_rule_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE operation_batches ADD COLUMN approval_levels TEXT NOT NULL DEFAULT '';
ALTER TABLE operation_batches ADD COLUMN approval_sequential BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE approvals ADD COLUMN level INTEGER NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE approvals DROP COLUMN level;
ALTER TABLE operation_batches DROP COLUMN approval_sequential;
ALTER TABLE operation_batches DROP COLUMN approval_levels;
ALTER TABLE operation_batches DROP COLUMN approval_rule_version;
ALTER TABLE operation_batches DROP COLUMN approval_rule_id;
ALTER TABLE operations DROP COLUMN approval_sequential;
ALTER TABLE operations DROP COLUMN approval_levels;
ALTER TABLE operations DROP COLUMN approval_rule_version;
ALTER TABLE operations DROP COLUMN approval_rule_id;
