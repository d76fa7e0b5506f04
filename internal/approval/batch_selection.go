package approval

import (
	"context"
	"errors"
	"strings"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// A batch drafted from a selection of sub-accounts (the list's checkboxes), as the
// console's Enterprise Center offers it: the rows are computed here and then go through
// the same preview, validation and approval as an uploaded file.

// SelectionMode says how the rows' amounts are set.
type SelectionMode string

const (
	SelectSameAmount  SelectionMode = "same" // one amount for every account
	SelectEachAmount  SelectionMode = "each" // an amount per account
	SelectRecoverable SelectionMode = "all"  // recoveries only: everything recoverable
)

// Where a recovery asks more than an account has free to recover (the recoverable
// amount less what pending recoveries already claim):
const (
	OverRefuse  = ""        // keep the row: the preview refuses it with the figures
	OverSkip    = "skip"    // leave the account out of the batch
	OverCapped  = "capped"  // recover what is there instead
	overNothing = "nothing" // (a note) the account has nothing to recover
)

// Selection is a request to draft a batch for the chosen sub-accounts.
type Selection struct {
	Kind          Kind
	SubAccountIDs []string
	Mode          SelectionMode
	Amount        string            // SelectSameAmount
	Amounts       map[string]string // SelectEachAmount, by sub-account id
	BalanceType   string            // debit (default) or credit
	Over          string            // recoveries: OverRefuse, OverSkip or OverCapped
}

// SelectionRow is one chosen account and what the batch will do with it.
type SelectionRow struct {
	SubAccount store.SubAccount
	// Recoverable is what the account has free to recover (recoveries only).
	Recoverable *money.Amount
	Asked       string // the amount asked for it ("" in "everything recoverable")
	Amount      string // the row's amount as the batch gets it; "" when left out
	// Note explains a computed or dropped amount: OverSkip, OverCapped or "nothing".
	Note string
}

// SelectionPlan is the batch a selection becomes: Rows go to the batch, in the order of
// the selection; Accounts lists every chosen account with its figures and note.
type SelectionPlan struct {
	Accounts []SelectionRow
	Rows     []BatchRow
}

// PlanSelection computes the rows of a batch for a selection. Only accounts in a's scope
// are considered (an id out of scope or unknown is a row error, as in a file); amounts
// are checked as a file's are when the batch is previewed.
func (s *Service) PlanSelection(ctx context.Context, a Actor, sel Selection) (SelectionPlan, error) {
	var plan SelectionPlan
	if !authz.Allowed(a.Subject(), authz.CreateOperation, authz.Target{}) {
		return plan, ErrForbidden
	}
	ve := &ValidationError{}
	switch {
	case sel.Kind != KindTransferFunds && sel.Kind != KindRetrieveFunds:
		ve.add("kind", "op.err.batch_kind", nil)
	case len(sel.SubAccountIDs) == 0:
		ve.add("sub_account_id", "op.err.selection_empty", nil)
	case len(sel.SubAccountIDs) > MaxBatchRows:
		ve.add("sub_account_id", "op.err.csv_too_many_rows", map[string]any{"max": MaxBatchRows})
	case sel.Mode == SelectRecoverable && sel.Kind != KindRetrieveFunds:
		ve.add("mode", "op.err.selection_mode", nil)
	case sel.Mode != SelectSameAmount && sel.Mode != SelectEachAmount && sel.Mode != SelectRecoverable:
		ve.add("mode", "op.err.selection_mode", nil)
	case sel.Mode == SelectSameAmount:
		if _, err := money.Parse(sel.Amount, money.DefaultCurrency); err != nil {
			ve.add("amount", amountError(err), nil)
		}
	}
	if ve.Fields != nil {
		return plan, ve
	}
	bt := balanceTypeOf(sel.BalanceType)
	seen := map[string]bool{}
	for _, id := range sel.SubAccountIDs {
		id = strings.TrimSpace(id)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		sa, err := s.db.SubAccountByID(ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound) || (err == nil && !authz.InScope(a.Subject(), sa.OrgPath)):
			// The batch's validation names it as a file row it cannot resolve.
			plan.Rows = append(plan.Rows, BatchRow{Line: len(plan.Rows) + 1, SubAccount: id, Amount: sel.amountFor(id), BalanceType: bt})
			continue
		case err != nil:
			return plan, err
		}
		row := SelectionRow{SubAccount: *sa, Asked: sel.amountFor(id), Amount: sel.amountFor(id)}
		if sel.Kind == KindRetrieveFunds {
			f, err := s.fundsOf(ctx, s.db, sel.Kind, s.masterOf(sa), sa, bt, nil)
			if err != nil {
				return plan, err
			}
			free := f.Free
			row.Recoverable = &free
			row.Amount, row.Note = recoveryAmount(sel, row.Amount, free)
		}
		plan.Accounts = append(plan.Accounts, row)
		if row.Amount != "" {
			plan.Rows = append(plan.Rows, BatchRow{Line: len(plan.Rows) + 1, SubAccount: sa.ID, Amount: row.Amount, BalanceType: bt})
		}
	}
	return plan, nil
}

func (sel Selection) amountFor(id string) string {
	switch sel.Mode {
	case SelectSameAmount:
		return strings.TrimSpace(sel.Amount)
	case SelectEachAmount:
		return strings.TrimSpace(sel.Amounts[id])
	}
	return ""
}

// recoveryAmount is a recovery row's amount given what is free to recover, with the
// note that explains a change.
func recoveryAmount(sel Selection, asked string, free money.Amount) (string, string) {
	if sel.Mode == SelectRecoverable {
		if !free.IsPositive() {
			return "", overNothing
		}
		return free.String(), ""
	}
	want, err := money.Parse(asked, money.DefaultCurrency)
	if err != nil || want.Cmp(free) <= 0 {
		return asked, "" // a bad amount is the preview's to explain
	}
	switch sel.Over {
	case OverSkip:
		return "", OverSkip
	case OverCapped:
		if !free.IsPositive() {
			return "", overNothing
		}
		return free.String(), OverCapped
	}
	return asked, ""
}
