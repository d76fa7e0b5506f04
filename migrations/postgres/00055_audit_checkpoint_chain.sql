-- +goose Up
-- Checkpoints become a chain and append-only (issue 11, point 7). A plain DELETE of the
-- newest checkpoint, with the newest events, used to leave a trail that verified as
-- intact. Now each new checkpoint has a unique sequence number (replicas checkpointing
-- at once cannot both take one) and signs the previous checkpoint's signature, and the
-- table refuses UPDATE, DELETE and TRUNCATE like audit_events. Rows written before this
-- migration keep seq NULL and their v1 signature; the first chained checkpoint links to
-- the newest of them.
ALTER TABLE audit_checkpoints
    ADD COLUMN seq            BIGINT NULL CHECK (seq > 0),
    ADD COLUMN prev_signature TEXT   NOT NULL DEFAULT '';
CREATE UNIQUE INDEX audit_checkpoints_seq_idx ON audit_checkpoints (seq);

-- +goose StatementBegin
CREATE FUNCTION audit_checkpoints_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_checkpoints is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_checkpoints_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_refuse_change();

CREATE TRIGGER audit_checkpoints_no_truncate
    BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_refuse_change();

-- +goose Down
DROP TRIGGER audit_checkpoints_no_truncate ON audit_checkpoints;
DROP TRIGGER audit_checkpoints_no_update_delete ON audit_checkpoints;
DROP FUNCTION audit_checkpoints_refuse_change();
DROP INDEX audit_checkpoints_seq_idx;
ALTER TABLE audit_checkpoints DROP COLUMN prev_signature, DROP COLUMN seq;
