package opsweb

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// A batch from the sub-accounts selected on the list: the person says how the amounts
// are set, approval.PlanSelection computes the rows, and the rows go through the same
// preview and submit as an uploaded file (as CSV text, so the batch is made from the very
// rows that were checked).

// bulkSelection is GET /operations/bulk/selection?kind=…&sub_account_id=…: the chosen
// accounts with their balances (and what each has free to recover) and the amount modes.
func (a *Area) bulkSelection(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	kind := approval.Kind(c.DefaultQuery("kind", string(approval.KindTransferFunds)))
	if kind != approval.KindTransferFunds && kind != approval.KindRetrieveFunds {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	sel := approval.Selection{Kind: kind, SubAccountIDs: c.QueryArray("sub_account_id"), Mode: approval.SelectSameAmount,
		BalanceType: c.Query("balance_type")}
	v, err := a.selectionView(c, sel, nil, "", newIdemKey())
	if err != nil {
		a.core.FailOperation(c, err, approval.TargetBatch, "")
		return
	}
	a.core.Render(c, http.StatusOK, pages.SelectionForm(a.core.Page(c, "op.sel_title"), v))
}

// selectionView is the form for sel: the accounts' figures come from a plan of their
// own amounts, which every mode can show.
func (a *Area) selectionView(c *gin.Context, sel approval.Selection, ve *approval.ValidationError, reason, key string) (view.SelectionForm, error) {
	tr := a.core.Translator(c)
	v := view.SelectionForm{Kind: string(sel.Kind), KindLabel: kindLabel(tr, sel.Kind), Recovery: sel.Kind == approval.KindRetrieveFunds,
		Mode: string(sel.Mode), Amount: sel.Amount, BalanceType: sel.BalanceType, Over: sel.Over, Reason: reason, IdemKey: key}
	if v.Mode == "" {
		v.Mode = string(approval.SelectSameAmount)
	}
	figures := sel
	figures.Mode = approval.SelectEachAmount
	plan, err := a.ops.PlanSelection(c.Request.Context(), a.actor(c), figures)
	var own *approval.ValidationError
	switch {
	case errors.As(err, &own):
		ve = own // nothing chosen, or too many: the selection itself is wrong
	case err != nil:
		return v, err
	}
	for _, acc := range plan.Accounts {
		row := view.SelectionAccount{ID: acc.SubAccount.ID, Name: acc.SubAccount.Name, DisplayName: acc.SubAccount.DisplayName,
			Balance: acc.SubAccount.Debit.Text(), Amount: sel.Amounts[acc.SubAccount.ID]}
		if sel.BalanceType == approval.BalanceCredit {
			row.Balance = acc.SubAccount.Credit.Text()
		}
		if acc.Recoverable != nil {
			row.Recoverable = acc.Recoverable.Text()
		}
		v.Accounts = append(v.Accounts, row)
	}
	if ve != nil {
		for _, f := range sortedFields(ve) {
			if f == "amount" {
				v.AmountErr = fieldMessage(tr, ve, f)
				continue
			}
			v.Errors = append(v.Errors, fieldMessage(tr, ve, f))
		}
	}
	return v, nil
}
