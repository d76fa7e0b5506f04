package opsweb

import (
	"bytes"
	"encoding/csv"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
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

// bulkSelectionPreview is POST /operations/bulk/selection/preview: the selection becomes
// rows and is previewed as a file would be; a bad choice comes back on the form with
// every input kept (422). Nothing is created.
func (a *Area) bulkSelectionPreview(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	sel := selectionFrom(c)
	key, reason := trimmed(c, "idempotency_key"), trimmed(c, "reason")
	if (sel.Kind != approval.KindTransferFunds && sel.Kind != approval.KindRetrieveFunds) || !validIdemKey(key) {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	plan, err := a.ops.PlanSelection(c.Request.Context(), a.actor(c), sel)
	var ve *approval.ValidationError
	if errors.As(err, &ve) {
		v, ferr := a.selectionView(c, sel, ve, reason, key)
		if ferr != nil {
			a.core.FailOperation(c, ferr, approval.TargetBatch, "")
			return
		}
		a.core.Render(c, http.StatusUnprocessableEntity, pages.SelectionForm(a.core.Page(c, "op.sel_title"), v))
		return
	}
	if err != nil {
		a.core.FailOperation(c, err, approval.TargetBatch, "")
		return
	}
	text := selectionCSV(plan.Rows)
	in := bulkUpload{kind: sel.Kind, csv: text, reason: reason, key: key, data: []byte(text)}
	a.renderBulkPreview(c, in, selectionNotes(a.core.Translator(c), plan))
}

// selectionFrom reads the selection form; each account's own amount is "amount.<id>".
func selectionFrom(c *gin.Context) approval.Selection {
	sel := approval.Selection{Kind: approval.Kind(trimmed(c, "kind")), SubAccountIDs: c.PostFormArray("sub_account_id"),
		Mode: approval.SelectionMode(trimmed(c, "mode")), Amount: trimmed(c, "amount"), BalanceType: trimmed(c, "balance_type"),
		Over: trimmed(c, "over"), Amounts: map[string]string{}}
	for _, id := range sel.SubAccountIDs {
		sel.Amounts[id] = strings.TrimSpace(c.PostForm("amount." + id))
	}
	return sel
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

// selectionCSV writes rows in the bulk file's format.
func selectionCSV(rows []approval.BatchRow) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(strings.Split(bulkHeader, ","))
	for _, r := range rows {
		_ = w.Write([]string{r.SubAccount, r.Amount, r.BalanceType, r.Reason})
	}
	w.Flush()
	return b.String()
}

// selectionNotes say, per account, where an amount was computed or left out.
func selectionNotes(tr *i18n.Translator, plan approval.SelectionPlan) []string {
	var out []string
	for _, a := range plan.Accounts {
		if a.Note == "" {
			continue
		}
		data := map[string]any{"Name": a.SubAccount.Name, "Asked": money.TextOf(a.Asked, a.SubAccount.Currency)}
		if a.Recoverable != nil {
			data["Free"] = a.Recoverable.Text()
		}
		out = append(out, tr.T("op.sel_note."+a.Note, data))
	}
	return out
}
