-- SQLite twin of postgres/00051_user_email.sql.
-- Users' e-mail addresses (issues 5 and 7): the recipient of operation notifications by
-- e-mail. '' = no address (nothing is sent to that user).

-- +goose Up
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN email;
