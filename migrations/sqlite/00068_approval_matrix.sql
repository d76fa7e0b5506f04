-- The approval matrix (issue 15). Approver groups are named sets of users, optionally
-- limited to organisation units (a member approves through the group only for
-- operations inside one of them). Approval rules say, per kind × organisation unit ('' =
-- every unit, a unit's rule covering the units below it) × amount band [min, max), how
-- many approvals an operation needs at each level and from which group, and whether the
-- levels go in order. A change that lowers the approvals needed anywhere waits in
-- approval_rule_changes until a second admin approves it. The kind's approval_policies
-- row stays the root rule: it applies wherever no rule does.

-- +goose Up
CREATE TABLE approver_groups (
    id          INTEGER     PRIMARY KEY,
    name        TEXT        NOT NULL,
    description TEXT        NOT NULL DEFAULT '',
    version     INTEGER     NOT NULL DEFAULT 1,
    created_by  BIGINT      NULL REFERENCES users (id),
    created_at  DATETIME    NOT NULL,
    updated_by  BIGINT      NULL REFERENCES users (id),
    updated_at  DATETIME    NOT NULL
);
CREATE UNIQUE INDEX approver_groups_name_idx ON approver_groups (name COLLATE NOCASE);

CREATE TABLE approver_group_units (
    group_id    BIGINT NOT NULL REFERENCES approver_groups (id) ON DELETE CASCADE,
    org_unit_id TEXT   NOT NULL,
    PRIMARY KEY (group_id, org_unit_id)
);

CREATE TABLE approver_group_members (
    group_id BIGINT NOT NULL REFERENCES approver_groups (id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX approver_group_members_user_idx ON approver_group_members (user_id);

CREATE TABLE approval_rules (
    id          INTEGER       PRIMARY KEY,
    kind        TEXT          NOT NULL,
    org_unit_id TEXT          NOT NULL DEFAULT '',
    min_amount  TEXT          NULL,
    max_amount  TEXT          NULL,
    -- JSON [{"count":n,"group_id":g}, …] in level order; no group_id = any approver.
    levels      TEXT          NOT NULL,
    sequential  BOOLEAN       NOT NULL DEFAULT FALSE,
    version     INTEGER       NOT NULL DEFAULT 1,
    created_by  BIGINT        NULL REFERENCES users (id),
    created_at  DATETIME      NOT NULL,
    updated_by  BIGINT        NULL REFERENCES users (id),
    -- Amounts are text here: min < max is the use case's check, not a text comparison.
    updated_at  DATETIME      NOT NULL
);
-- One rule per kind, unit and band: two rules on the same cell would leave the winner to chance.
CREATE UNIQUE INDEX approval_rules_cell_idx ON approval_rules (kind, org_unit_id, COALESCE(min_amount, ''), COALESCE(max_amount, ''));

CREATE TABLE approval_rule_changes (
    id               INTEGER     PRIMARY KEY,
    action           TEXT        NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    -- The rule changed (update, delete; a create's once applied). No foreign key: an
    -- applied delete removes the rule and the change stays as the record.
    rule_id          BIGINT      NULL,
    -- The rule's version the change was proposed against: applying it to a rule changed
    -- since is refused (stale).
    base_version     INTEGER     NOT NULL DEFAULT 0,
    before           TEXT        NOT NULL DEFAULT '',
    after            TEXT        NOT NULL DEFAULT '',
    -- Where the change lowers the approvals needed (JSON), as found when proposed.
    lowered          TEXT        NOT NULL DEFAULT '',
    state            TEXT        NOT NULL CHECK (state IN ('pending', 'applied', 'rejected', 'withdrawn')),
    proposed_by      BIGINT      NOT NULL REFERENCES users (id),
    proposed_by_name TEXT        NOT NULL,
    proposed_at      DATETIME    NOT NULL,
    decided_by       BIGINT      NULL REFERENCES users (id),
    decided_by_name  TEXT        NOT NULL DEFAULT '',
    decided_at       DATETIME    NULL,
    comment          TEXT        NOT NULL DEFAULT ''
);
CREATE INDEX approval_rule_changes_state_idx ON approval_rule_changes (state, id);

-- +goose Down
DROP TABLE approval_rule_changes;
DROP TABLE approval_rules;
DROP TABLE approver_group_members;
DROP TABLE approver_group_units;
DROP TABLE approver_groups;
