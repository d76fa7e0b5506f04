-- SQLite twin of postgres/00071_delegations.sql: times DATETIME UTC text. The columns
-- added to approvals carry no REFERENCES clause: SQLite cannot drop a column that takes
-- part in a foreign key, and the down migration drops them.
-- Delegation of approvals (issue 15): an approver lets another approver approve on their
-- behalf for a period (holidays). The delegate's approvals name the delegator
-- (approvals.on_behalf_of); the rule is internal/approval/delegation.go. A delegation
-- ends at ends_at or when revoked; start_audited_at and end_audited_at record that its
-- start and its end were written to the audit trail, each exactly once (a conditional
-- UPDATE claims the write).

-- +goose Up
CREATE TABLE delegations (
    id               INTEGER  PRIMARY KEY,
    from_user_id     BIGINT   NOT NULL REFERENCES users (id),
    to_user_id       BIGINT   NOT NULL REFERENCES users (id),
    starts_at        DATETIME NOT NULL,
    ends_at          DATETIME NOT NULL,
    reason           TEXT     NOT NULL DEFAULT '',
    created_by       BIGINT   NOT NULL REFERENCES users (id),
    created_at       DATETIME NOT NULL,
    revoked_at       DATETIME NULL,
    revoked_by       BIGINT   NULL REFERENCES users (id),
    start_audited_at DATETIME NULL,
    end_audited_at   DATETIME NULL,
    CHECK (from_user_id <> to_user_id),
    CHECK (ends_at > starts_at)
);
CREATE INDEX delegations_to_idx ON delegations (to_user_id, ends_at);
CREATE INDEX delegations_from_idx ON delegations (from_user_id, ends_at);

ALTER TABLE approvals ADD COLUMN on_behalf_of BIGINT NULL;
ALTER TABLE approvals ADD COLUMN on_behalf_of_name TEXT NOT NULL DEFAULT '';
ALTER TABLE approvals ADD COLUMN delegation_id BIGINT NULL;

-- +goose Down
ALTER TABLE approvals DROP COLUMN delegation_id;
ALTER TABLE approvals DROP COLUMN on_behalf_of_name;
ALTER TABLE approvals DROP COLUMN on_behalf_of;
DROP TABLE delegations;
