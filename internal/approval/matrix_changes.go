package approval

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// Changes of the matrix held for a second admin: one that lowers the approvals needed is
// proposed (stored pending, audited as approval_rule.propose with before and after and
// where it lowers them), then another admin approves it with a fresh second-factor code
// (it is applied and audited as the create, update or delete it is) or rejects it; its
// author may withdraw it. A change whose rule moved on since it was proposed cannot be
// applied (ErrStale): it is rejected and proposed again.

// ErrOwnChange: the author of a held change cannot approve it (four eyes).
var ErrOwnChange = errors.New("approval: a change of the matrix needs another admin's approval")

// MatrixChange is a change of the matrix held for a second admin.
type MatrixChange struct {
	ID             int64
	Action         string // ActionRuleCreate, ActionRuleUpdate or ActionRuleDelete
	RuleID         int64
	BaseVersion    int
	Before, After  *Rule
	Lowered        *LowerPoint
	State          string // store.RuleChangePending, …Applied, …Rejected, …Withdrawn
	ProposedBy     int64
	ProposedByName string
	ProposedAt     time.Time
	DecidedByName  string
	DecidedAt      *time.Time
	Comment        string
}

// ruleRecord is a rule as a held change stores it.
type ruleRecord struct {
	ID         int64   `json:"id"`
	Version    int     `json:"version"`
	Kind       Kind    `json:"kind"`
	OrgUnitID  string  `json:"org_unit_id"`
	Min        string  `json:"min_amount,omitempty"`
	Max        string  `json:"max_amount,omitempty"`
	Levels     []Level `json:"levels"`
	Sequential bool    `json:"sequential"`
}

func recordOf(r *Rule) string {
	if r == nil {
		return ""
	}
	rec := ruleRecord{ID: r.ID, Version: r.Version, Kind: r.Kind, OrgUnitID: r.OrgUnitID, Levels: r.Levels, Sequential: r.Sequential}
	if r.Min != nil {
		rec.Min = r.Min.String()
	}
	if r.Max != nil {
		rec.Max = r.Max.String()
	}
	b, _ := json.Marshal(rec)
	return string(b)
}

func ruleOfRecord(s string) *Rule {
	var rec ruleRecord
	if s == "" || json.Unmarshal([]byte(s), &rec) != nil {
		return nil
	}
	r := &Rule{ID: rec.ID, Version: rec.Version, Kind: rec.Kind, OrgUnitID: rec.OrgUnitID, Levels: rec.Levels, Sequential: rec.Sequential}
	for _, p := range []struct {
		text string
		to   **money.Amount
	}{{rec.Min, &r.Min}, {rec.Max, &r.Max}} {
		if a, err := money.FromUpstream(p.text, money.DefaultCurrency); p.text != "" && err == nil {
			*p.to = &a
		}
	}
	return r
}

func changeFromRow(c store.ApprovalRuleChange) MatrixChange {
	out := MatrixChange{ID: c.ID, BaseVersion: c.BaseVersion, Before: ruleOfRecord(c.Before), After: ruleOfRecord(c.After),
		State: c.State, ProposedBy: c.ProposedBy, ProposedByName: c.ProposedByName, ProposedAt: c.ProposedAt.UTC(),
		DecidedByName: c.DecidedByName, DecidedAt: c.DecidedAt, Comment: c.Comment}
	if c.RuleID != nil {
		out.RuleID = *c.RuleID
	}
	out.Action = map[string]string{"create": ActionRuleCreate, "update": ActionRuleUpdate, "delete": ActionRuleDelete}[c.Action]
	if c.Lowered != "" {
		var lp LowerPoint
		if json.Unmarshal([]byte(c.Lowered), &lp) == nil {
			out.Lowered = &lp
		}
	}
	return out
}

// propose stores a change that lowers the approvals needed, pending a second admin.
func (s *Service) propose(ctx context.Context, a Actor, action string, before, after *Rule, lp *LowerPoint) (*MatrixChange, error) {
	row := &store.ApprovalRuleChange{Action: strings.TrimPrefix(action, "approval_rule."), Before: recordOf(before), After: recordOf(after),
		ProposedBy: a.UserID, ProposedByName: a.Username, ProposedAt: s.now()}
	if before != nil {
		id := before.ID
		row.RuleID, row.BaseVersion = &id, before.Version
	}
	low, _ := json.Marshal(lp)
	row.Lowered = string(low)
	err := s.db.InTx(ctx, func(tx *store.DB) error {
		if err := tx.InsertRuleChange(ctx, row); err != nil {
			return err
		}
		return audit.Record(ctx, tx, a.meta(), audit.Entry{Action: ActionRulePropose, TargetType: TargetRuleChange,
			TargetID: strconv.FormatInt(row.ID, 10), Outcome: audit.Success, Details: map[string]any{"change": row.Action,
				"rule_id": row.RuleID, "before": ruleDetails(before), "after": ruleDetails(after), "lowers": lp}})
	})
	if err != nil {
		return nil, err
	}
	out := changeFromRow(*row)
	return &out, nil
}

// RuleChanges lists the held changes, pending ones only when pendingOnly, newest first
// (admins only).
func (s *Service) RuleChanges(ctx context.Context, a Actor, pendingOnly bool) ([]MatrixChange, error) {
	if err := s.requireMatrixAdmin(a); err != nil {
		return nil, err
	}
	var states []string
	if pendingOnly {
		states = []string{store.RuleChangePending}
	}
	rows, err := s.db.RuleChanges(ctx, states, 100)
	if err != nil {
		return nil, err
	}
	out := make([]MatrixChange, len(rows))
	for i, r := range rows {
		out[i] = changeFromRow(r)
	}
	return out, nil
}

func (s *Service) pendingChange(ctx context.Context, id int64) (*MatrixChange, error) {
	row, err := s.db.RuleChangeByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if row.State != store.RuleChangePending {
		return nil, ErrWrongState
	}
	c := changeFromRow(*row)
	return &c, nil
}

// ApproveRuleChange applies held change id with a fresh second-factor code of a, an admin
// other than its author (ErrOwnChange). The rule is audited with before and after, naming
// the change and its author.
func (s *Service) ApproveRuleChange(ctx context.Context, a Actor, code string, id int64) (*MatrixChange, error) {
	if err := s.requireMatrixAdmin(a); err != nil {
		return nil, err
	}
	c, err := s.pendingChange(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.ProposedBy == a.UserID {
		return nil, ErrOwnChange
	}
	if c.After != nil {
		ve := &ValidationError{}
		if err := s.validLevels(ctx, s.db, c.After.Levels, ve); err != nil {
			return nil, err
		}
		if err := ve.orNil(); err != nil {
			return nil, err
		}
	}
	if err := s.stepUp(ctx, a, code); err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		rule, err := applyRule(ctx, tx, a.UserID, c.Action, c.Before, c.After, s.now())
		if err != nil {
			return err
		}
		var ruleID *int64
		if rule != nil {
			ruleID = &rule.ID
		}
		ok, err := tx.DecideRuleChange(ctx, id, store.RuleChangeApplied, a.UserID, a.Username, "", ruleID, s.now())
		if err != nil {
			return err
		}
		if !ok {
			return ErrWrongState
		}
		return recordRule(ctx, tx, a.meta(), c.Action, c.Before, rule, c)
	})
	if err != nil {
		return nil, err
	}
	return s.ruleChange(ctx, id)
}

// RejectRuleChange ends held change id unapplied: withdrawn when a is its author,
// rejected by another admin otherwise, with comment.
func (s *Service) RejectRuleChange(ctx context.Context, a Actor, id int64, comment string) (*MatrixChange, error) {
	if err := s.requireMatrixAdmin(a); err != nil {
		return nil, err
	}
	c, err := s.pendingChange(ctx, id)
	if err != nil {
		return nil, err
	}
	state := store.RuleChangeRejected
	if c.ProposedBy == a.UserID {
		state = store.RuleChangeWithdrawn
	}
	comment = strings.TrimSpace(comment)
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		ok, err := tx.DecideRuleChange(ctx, id, state, a.UserID, a.Username, comment, nil, s.now())
		if err != nil {
			return err
		}
		if !ok {
			return ErrWrongState
		}
		return audit.Record(ctx, tx, a.meta(), audit.Entry{Action: ActionRuleReject, TargetType: TargetRuleChange,
			TargetID: strconv.FormatInt(id, 10), Outcome: audit.Success, Details: map[string]any{"state": state, "comment": comment,
				"proposed_by": c.ProposedByName, "before": ruleDetails(c.Before), "after": ruleDetails(c.After)}})
	})
	if err != nil {
		return nil, err
	}
	return s.ruleChange(ctx, id)
}

func (s *Service) ruleChange(ctx context.Context, id int64) (*MatrixChange, error) {
	row, err := s.db.RuleChangeByID(ctx, id)
	if err != nil {
		return nil, err
	}
	c := changeFromRow(*row)
	return &c, nil
}
