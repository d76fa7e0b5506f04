-- SQLite twin of postgres/00040_admin_identity.sql.
-- Administration and identity (issue 7): upstream account credentials, invitations,
-- recovery codes and single-sign-on identities.

-- +goose Up

-- Credentials of master accounts (kind 'master') and of sub-accounts used for resource
-- operations on their own resources (kind 'sub', tied to a master). sk is ciphertext
-- (internal/secretbox, purpose "upstream-sk"); it is never selected into a list.
CREATE TABLE upstream_accounts (
    id          INTEGER     PRIMARY KEY,
    name        TEXT        NOT NULL UNIQUE,
    kind        TEXT        NOT NULL CHECK (kind IN ('master', 'sub')),
    master_id   INTEGER     NULL REFERENCES upstream_accounts (id) ON DELETE CASCADE,
    endpoint    TEXT        NOT NULL,
    region      TEXT        NOT NULL DEFAULT '',
    ak          TEXT        NOT NULL,
    sk          TEXT        NOT NULL,
    domain_id   TEXT        NOT NULL,
    generation  TEXT        NOT NULL CHECK (generation IN ('v2', 'legacy')),
    enabled     BOOLEAN     NOT NULL DEFAULT 1,
    created_at  DATETIME    NOT NULL,
    updated_at  DATETIME    NOT NULL,
    CHECK ((kind = 'master') = (master_id IS NULL))
);
-- One row per master account: operations and the movement lock are keyed by domain id.
CREATE UNIQUE INDEX upstream_accounts_master_domain_idx ON upstream_accounts (domain_id) WHERE kind = 'master';

-- One-time invitation links: only a SHA-256 of the token is kept.
CREATE TABLE user_invitations (
    id          INTEGER     PRIMARY KEY,
    user_id     INTEGER     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT        NOT NULL UNIQUE,
    created_at  DATETIME    NOT NULL,
    expires_at  DATETIME    NOT NULL,
    used_at     DATETIME    NULL
);
CREATE INDEX user_invitations_user_id_idx ON user_invitations (user_id);

-- Second-factor recovery codes, stored as SHA-256 hashes (the codes are random and long).
CREATE TABLE recovery_codes (
    id          INTEGER     PRIMARY KEY,
    user_id     INTEGER     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash   TEXT        NOT NULL,
    created_at  DATETIME    NOT NULL,
    used_at     DATETIME    NULL,
    UNIQUE (user_id, code_hash)
);

-- Single-sign-on identities: (issuer, subject) of an OpenID provider → a local user.
CREATE TABLE user_identities (
    issuer      TEXT        NOT NULL,
    subject     TEXT        NOT NULL,
    user_id     INTEGER     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email       TEXT        NOT NULL DEFAULT '',
    created_at  DATETIME    NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_user_id_idx ON user_identities (user_id);

-- +goose Down
DROP TABLE user_identities;
DROP TABLE recovery_codes;
DROP TABLE user_invitations;
DROP TABLE upstream_accounts;
