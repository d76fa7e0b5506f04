package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// inboxLimit bounds the operations the inbox reads; a batch's rows count once.
const inboxLimit = 500

// approvalInbox is GET /approvals: what waits for the signed-in approver, oldest first,
// never their own requests nor what they already decided. A batch shows once. After an
// "Approve selected" it says what became of each request (approvalsApprove).
func (s *Server) approvalInbox(c *gin.Context) {
	tr := s.i18n.For(lang(c))
	if s.ops == nil {
		s.render(c, http.StatusOK, pages.Approvals(s.page(c, "nav.approvals"), view.ApprovalInbox{Empty: tr.T("op.error.unavailable")}))
		return
	}
	v, err := s.inboxView(c, c.Query("select") == "all", nil)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Results = s.takeInboxResults(c, tr)
	s.render(c, http.StatusOK, pages.Approvals(s.page(c, "nav.approvals"), v))
}

// inboxView is the inbox of the signed-in approver with the rows in selected ticked
// (every one that can be approved here when all).
func (s *Server) inboxView(c *gin.Context, all bool, selected map[string]bool) (view.ApprovalInbox, error) {
	tr := s.i18n.For(lang(c))
	ops, err := s.ops.PendingFor(c.Request.Context(), actorOf(c), inboxLimit)
	if err != nil {
		return view.ApprovalInbox{}, err
	}
	v := view.ApprovalInbox{Empty: tr.T("op.inbox_empty"), More: len(ops) >= inboxLimit, Selected: map[string]bool{}}
	master := masterParam(c)
	if master != "" {
		mine := ops[:0:0]
		for _, o := range ops {
			if o.MasterAccountID == master {
				mine = append(mine, o)
			}
		}
		ops = mine
	}
	v.Masters = s.masterFilterOptions(c, master)
	v.Rows = inboxRows(tr, ops)
	if err := s.batchTotals(c, v.Rows); err != nil {
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

// pendingCount is the navigation badge of approvers: what waits for them (batch rows
// counted one by one by the service; see the report). 0 for everyone else.
func (s *Server) pendingCount(c *gin.Context, u *currentUser) int {
	if s.ops == nil || u == nil || !authz.Allowed(u.Subject, authz.ApproveOperation, authz.Target{}) {
		return 0
	}
	n, err := s.ops.CountPendingFor(c.Request.Context(), actorOf(c))
	if err != nil {
		s.log.Warn("cannot count pending approvals", "error", err, "request_id", requestID(c))
		return 0
	}
	return n
}

// unreadCount is the bell's number.
func (s *Server) unreadCount(c *gin.Context, u *currentUser) int {
	if s.ops == nil || u == nil {
		return 0
	}
	n, err := s.ops.Notifier().CountUnread(c.Request.Context(), u.ID)
	if err != nil {
		s.log.Warn("cannot count notifications", "error", err, "request_id", requestID(c))
		return 0
	}
	return n
}
