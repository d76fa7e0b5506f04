package rules

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/execute"
	"github.com/purser-finance/purser/internal/store"
)

// Applier applies approved rule changes for the executor (execute.LocalRunner): in the
// transaction that records the operation's success, so a rule changes exactly when its
// change succeeds.
type Applier struct {
	opts Options
}

// NewApplier returns the Applier.
func NewApplier(o Options) *Applier { return &Applier{opts: o.withDefaults()} }

// ApplyTx applies the change op carries. A change drafted on a version of the rule that
// is no longer current is refused (the approvers signed a change of something else).
func (p *Applier) ApplyTx(ctx context.Context, tx *store.DB, op *store.Operation) (any, error) {
	o := approval.OperationFromRow(*op, nil)
	var ch Change
	if err := json.Unmarshal(o.Params.Rule, &ch); err != nil {
		return nil, &execute.Refusal{Code: "rule_unreadable", Message: "the rule in the snapshot cannot be read"}
	}
	aps, err := tx.ApprovalsOf(ctx, []int64{op.ID})
	if err != nil {
		return nil, err
	}
	var approvers []string
	for _, a := range aps[op.ID] {
		if a.Decision == approval.DecisionApprove {
			approvers = append(approvers, strconv.FormatInt(a.UserID, 10))
		}
	}
	def, _ := json.Marshal(ch.Rule)
	now := p.opts.Clock().UTC()
	row := &store.TopUpRule{ID: ch.RuleID, Name: ch.Rule.Name, MasterAccountID: ch.Rule.Master, OrgPath: joinPath(ch.Rule.Target.OrgPath),
		State: ch.Rule.State, Definition: string(def), ValidFrom: ch.Rule.ValidFrom, ValidUntil: ch.Rule.ValidUntil,
		ApproverIDs: strings.Join(approvers, ","), LastOperationID: op.ID, UpdatedAt: now}
	action := map[string]string{ChangeCreate: ActionCreate, ChangeUpdate: ActionUpdate, ChangePause: ActionPause, ChangeResume: ActionResume}[ch.Change]
	switch ch.Change {
	case ChangeCreate:
		row.Version, row.OwnerID, row.OwnerName, row.CreatedAt = 1, op.RequestedBy, op.RequestedByName, now
		if err := tx.InsertTopUpRule(ctx, row); err != nil {
			return nil, err
		}
	case ChangeUpdate, ChangePause, ChangeResume:
		row.Version = ch.BaseVersion + 1
		ok, err := tx.UpdateTopUpRule(ctx, row, ch.BaseVersion)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &execute.Refusal{Code: "rule_changed", Message: "the rule changed after this change was drafted; draft it again"}
		}
	default:
		return nil, &execute.Refusal{Code: "rule_change_unknown", Message: "unknown change " + ch.Change}
	}
	if err := audit.Record(ctx, tx, audit.System("executor"), audit.Entry{Action: action, TargetType: TargetRule,
		TargetID: strconv.FormatInt(row.ID, 10), Outcome: audit.Success, Details: map[string]any{"operation_id": op.ID,
			"version": row.Version, "state": row.State, "approvers": approvers, "rule": json.RawMessage(def)}}); err != nil {
		return nil, err
	}
	return map[string]any{"rule_id": row.ID, "version": row.Version}, nil
}

func joinPath(p []string) string {
	if len(p) == 0 {
		return ""
	}
	return "/" + strings.Join(p, "/") + "/"
}
