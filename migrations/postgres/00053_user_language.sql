-- Users' language (English or 简体中文), remembered when they use the language switch while
-- signed in: their e-mail notifications are written in it. '' = not chosen yet (the
-- configured default applies).

-- +goose Up
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN language;
