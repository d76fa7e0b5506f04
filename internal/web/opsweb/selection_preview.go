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
)

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
