package reports

import (
	"context"
	"strings"

	"github.com/purser-finance/purser/internal/export"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// decisionApprove is approval.DecisionApprove (the stored value of an approval).
const decisionApprove = "approve"

// opRows are what the operation sheets show of their operations besides the rows: the
// decisions on each and the names of the sub-accounts.
type opRows struct {
	ops       []store.Operation
	cut       bool // more than store.ReportOperationsLimit matched
	decisions map[int64][]store.ApprovalRow
	names     subNames
}

func (s *Service) opRows(ctx context.Context, ops []store.Operation) (opRows, error) {
	r := opRows{ops: ops}
	if len(r.ops) > store.ReportOperationsLimit {
		r.ops, r.cut = r.ops[:store.ReportOperationsLimit], true
	}
	ids := make([]int64, len(r.ops))
	var subs []string
	for i, o := range r.ops {
		ids[i] = o.ID
		if o.SubAccountID != "" {
			subs = append(subs, o.SubAccountID)
		}
	}
	var err error
	if r.decisions, err = s.db.ApprovalsOf(ctx, ids); err != nil {
		return r, err
	}
	r.names, err = s.db.SubAccountNamesByIDs(ctx, subs)
	return r, err
}

// subName is the sub-account's name as the cache knows it.
func (r opRows) subName(id string) string { return r.names.of(id) }

// subNames are cached sub-accounts' names by id (store.SubAccountNamesByIDs).
type subNames map[string]store.SubAccountName

// of is the sub-account's name as the cache knows it (its id when it does not).
func (names subNames) of(id string) string {
	n, ok := names[id]
	switch {
	case !ok:
		return id
	case n.DisplayName != "":
		return n.DisplayName
	}
	return n.Name
}

// deciders are the names of those who approved and of those who rejected an operation.
func (r opRows) deciders(id int64) (approved, rejected string) {
	var yes, no []string
	for _, d := range r.decisions[id] {
		if d.Decision == decisionApprove {
			yes = append(yes, d.Username)
		} else {
			no = append(no, d.Username)
		}
	}
	return strings.Join(yes, ", "), strings.Join(no, ", ")
}

// amountOf is an operation's amount as a money cell; an operation without one (a
// renewal) has an empty cell.
func amountOf(o store.Operation) export.Cell {
	if o.Amount == nil {
		return export.Text("")
	}
	d, err := money.ParseDecimal(*o.Amount)
	if err != nil {
		return export.Text(*o.Amount)
	}
	return export.Amount(money.New(d, o.Currency))
}

// cutRow says that a sheet stopped at the limit.
func cutRow(in *Input, sh export.Rows) error {
	return sh.Row(export.Text(in.T.T("reports.cut", map[string]any{"Limit": store.ReportOperationsLimit})))
}

// writeOperations lists the operations drafted in the period within scope, with their
// state now and who approved or rejected them.
func (s *Service) writeOperations(ctx context.Context, in *Input, sh export.Rows) error {
	ops, err := s.db.OperationsCreatedBetween(ctx, in.Scope, in.Period.Start, in.Period.End)
	if err != nil {
		return err
	}
	r, err := s.opRows(ctx, ops)
	if err != nil {
		return err
	}
	tr := in.T
	if err := header(sh, tr, "id", "drafted", "kind", "state", "sub_account", "sub_account_id", "amount", "currency",
		"requested_by", "reason", "approved_by", "rejected_by", "finished"); err != nil {
		return err
	}
	for _, o := range r.ops {
		yes, no := r.deciders(o.ID)
		if err := sh.Row(export.Int(o.ID), timeCell(o.CreatedAt), export.Text(label(tr, "op.kind."+o.Kind, o.Kind)),
			export.Text(label(tr, "op.state."+o.State, o.State)), export.Text(r.subName(o.SubAccountID)), export.Text(o.SubAccountID),
			amountOf(o), export.Text(o.Currency), export.Text(o.RequestedByName), export.Text(o.Reason),
			export.Text(yes), export.Text(no), timePtrCell(o.FinishedAt)); err != nil {
			return err
		}
	}
	if r.cut {
		return cutRow(in, sh)
	}
	return nil
}

// writeProblems lists the failed and unknown outcomes: operations that failed in the
// period, and those whose outcome is still unknown (sent before the period's end).
func (s *Service) writeProblems(ctx context.Context, in *Input, sh export.Rows) error {
	ops, err := s.db.OperationProblemsBetween(ctx, in.Scope, in.Period.Start, in.Period.End)
	if err != nil {
		return err
	}
	r, err := s.opRows(ctx, ops)
	if err != nil {
		return err
	}
	tr := in.T
	if err := header(sh, tr, "id", "kind", "state", "sub_account", "sub_account_id", "amount", "currency", "requested_by",
		"approved_by", "sent", "finished", "error_code", "error_message"); err != nil {
		return err
	}
	for _, o := range r.ops {
		yes, _ := r.deciders(o.ID)
		if err := sh.Row(export.Int(o.ID), export.Text(label(tr, "op.kind."+o.Kind, o.Kind)), export.Text(label(tr, "op.state."+o.State, o.State)),
			export.Text(r.subName(o.SubAccountID)), export.Text(o.SubAccountID), amountOf(o), export.Text(o.Currency),
			export.Text(o.RequestedByName), export.Text(yes), timePtrCell(o.ExecutedAt), timePtrCell(o.FinishedAt),
			export.Text(o.ErrorCode), export.Text(o.ErrorMessage)); err != nil {
			return err
		}
	}
	if r.cut {
		return cutRow(in, sh)
	}
	return nil
}
