-- Users' e-mail addresses (issues 5 and 7): the recipient of operation notifications by
-- e-mail. '' = no address (nothing is sent to that user). Not unique: two accounts of one
-- person (e.g. a personal and a break-glass admin) may share an inbox. Personal data: shown
-- only to admins and to the user.

-- +goose Up
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN email;
