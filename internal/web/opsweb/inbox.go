package opsweb

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// inboxLimit bounds the operations the inbox reads; a batch's rows count once.
const inboxLimit = 500

// approvalInbox is GET /approvals: what waits for the signed-in approver, oldest first,
// never their own requests nor what they already decided. A batch shows once. After an
// "Approve selected" it says what became of each request (approvalsApprove).
func (a *Area) approvalInbox(c *gin.Context) {
	tr := a.core.Translator(c)
	if a.ops == nil {
		a.core.Render(c, http.StatusOK, pages.Approvals(a.core.Page(c, "nav.approvals"), view.ApprovalInbox{Empty: tr.T("op.error.unavailable")}))
		return
	}
	v, err := a.inboxView(c, c.Query("select") == "all", nil)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	v.Results = a.takeInboxResults(c, tr)
	a.core.Render(c, http.StatusOK, pages.Approvals(a.core.Page(c, "nav.approvals"), v))
}

// inboxView is the inbox of the signed-in approver with the rows in selected ticked
// (every one that can be approved here when all).
func (a *Area) inboxView(c *gin.Context, all bool, selected map[string]bool) (view.ApprovalInbox, error) {
	tr := a.core.Translator(c)
	ops, err := a.ops.PendingFor(c.Request.Context(), a.actor(c), inboxLimit)
	if err != nil {
		return view.ApprovalInbox{}, err
	}
	v := view.ApprovalInbox{Empty: tr.T("op.inbox_empty"), More: len(ops) >= inboxLimit, Selected: map[string]bool{}}
	master := webcore.MasterParam(c)
	if master != "" {
		mine := ops[:0:0]
		for _, o := range ops {
			if o.MasterAccountID == master {
				mine = append(mine, o)
			}
		}
		ops = mine
	}
	v.Masters = a.masters.Options(c, master)
	v.Rows = inboxRows(tr, ops)
	if err := a.batchTotals(c, v.Rows); err != nil {
		return view.ApprovalInbox{}, err
	}
	v.Count = len(v.Rows)
	selectable := 0
	for _, r := range v.Rows {
		if r.IsBatch || r.SnapshotHash == "" {
			continue
		}
		selectable++
		if all || selected[r.ID] {
			v.Selected[r.ID] = true
		}
	}
	v.CanSelect = selectable > 0
	v.AllSelected = selectable > 0 && len(v.Selected) == selectable
	q := url.Values{}
	if master != "" {
		q.Set("master", master)
	}
	v.SelectNoneHref = "/approvals"
	if len(q) > 0 {
		v.SelectNoneHref += "?" + q.Encode()
	}
	q.Set("select", "all")
	v.SelectAllHref = "/approvals?" + q.Encode()
	return v, nil
}

// inboxRows groups a batch's rows into one line that links to the batch.
func inboxRows(tr *i18n.Translator, ops []approval.Operation) []view.OperationRow {
	var out []view.OperationRow
	batches := map[int64]int{} // batch id → index in out
	for _, o := range ops {
		if o.BatchID == nil {
			r := opRow(tr, o)
			r.SnapshotHash = o.SnapshotHash
			out = append(out, r)
			continue
		}
		if i, ok := batches[*o.BatchID]; ok {
			out[i].BatchCount++
			continue
		}
		r := opRow(tr, o)
		r.IsBatch, r.BatchCount = true, 1
		r.Href, r.ID = batchHref(*o.BatchID), strconv.FormatInt(*o.BatchID, 10)
		r.SubAccount, r.SubAccountHref, r.Amount = "", "", ""
		batches[*o.BatchID] = len(out)
		out = append(out, r)
	}
	return out
}
