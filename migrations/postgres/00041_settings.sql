-- Settings an admin changes at run time (issue 7), one row per section. value holds the
-- section's plain settings as JSON; secret holds its secrets (SMTP password, webhook
-- secret, OIDC client secret) as one sealed JSON object (internal/secretbox, purpose
-- "settings"), so that key rotation re-seals one column.

-- +goose Up
CREATE TABLE settings (
    section     TEXT        PRIMARY KEY,
    value       TEXT        NOT NULL,
    secret      TEXT        NOT NULL DEFAULT '',
    updated_at  TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE settings;
