-- Foundation schema (SQLite twin of postgres/00001_foundation.sql).
-- Times are DATETIME columns holding UTC text written by the driver
-- ("2006-01-02 15:04:05.999999-07:00" with +00:00), which sorts and compares
-- correctly as text because every value uses the same format and zone.

-- +goose Up

CREATE TABLE users (
    id            INTEGER  PRIMARY KEY,
    -- Stored lower-cased by the application (case-insensitive uniqueness
    -- that behaves the same as on Postgres, unlike SQLite's ASCII lower()).
    username      TEXT     NOT NULL UNIQUE,
    display_name  TEXT     NOT NULL DEFAULT '',
    password_hash TEXT     NOT NULL DEFAULT '',
    totp_secret   TEXT     NOT NULL DEFAULT '',
    disabled      BOOLEAN  NOT NULL DEFAULT 0,
    last_login_at DATETIME NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT    NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE user_scopes (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id  TEXT    NOT NULL,
    PRIMARY KEY (user_id, org_id)
);

CREATE TABLE sessions (
    id           TEXT     PRIMARY KEY,
    user_id      INTEGER  NULL REFERENCES users (id) ON DELETE CASCADE,
    data         BLOB     NOT NULL DEFAULT x'',
    ip           TEXT     NOT NULL DEFAULT '',
    user_agent   TEXT     NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    last_seen_at DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL
);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER  PRIMARY KEY,
    user_id      INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT     NOT NULL DEFAULT '',
    token_hash   TEXT     NOT NULL UNIQUE,
    prefix       TEXT     NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    expires_at   DATETIME NULL,
    last_used_at DATETIME NULL,
    revoked_at   DATETIME NULL
);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

CREATE TABLE login_throttle (
    throttle_key TEXT     PRIMARY KEY,
    failures     INTEGER  NOT NULL,
    window_start DATETIME NOT NULL,
    locked_until DATETIME NULL
);

-- Append-only audit trail; ids assigned as head + 1 inside the IMMEDIATE
-- write transaction that also reads the head (see internal/store/audit.go).
CREATE TABLE audit_events (
    id          INTEGER  PRIMARY KEY CHECK (id > 0),
    time        DATETIME NOT NULL,
    actor_id    INTEGER  NULL,
    actor_name  TEXT     NOT NULL,
    ip          TEXT     NOT NULL DEFAULT '',
    user_agent  TEXT     NOT NULL DEFAULT '',
    request_id  TEXT     NOT NULL DEFAULT '',
    action      TEXT     NOT NULL,
    target_type TEXT     NOT NULL DEFAULT '',
    target_id   TEXT     NOT NULL DEFAULT '',
    outcome     TEXT     NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    details     TEXT     NOT NULL CHECK (json_valid(details)),
    prev_hash   TEXT     NOT NULL,
    hash        TEXT     NOT NULL
);
CREATE UNIQUE INDEX audit_events_prev_hash_idx ON audit_events (prev_hash);
CREATE INDEX audit_events_action_idx ON audit_events (action, id);
CREATE INDEX audit_events_actor_name_idx ON audit_events (actor_name, id);
CREATE INDEX audit_events_target_idx ON audit_events (target_type, target_id, id);
CREATE INDEX audit_events_time_idx ON audit_events (time);

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update
BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete
BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_events;
DROP TABLE login_throttle;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE user_scopes;
DROP TABLE user_roles;
DROP TABLE users;
