-- The time step (Unix time / 30 s) of the last second-factor code a user had accepted, so
-- that a code works once: a code is accepted only for a later step, by one conditional
-- UPDATE that holds across replicas and concurrent requests. NULL = none used yet (or the
-- secret was just replaced: steps of another secret mean nothing).

-- +goose Up
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- +goose Down
ALTER TABLE users DROP COLUMN totp_last_step;
