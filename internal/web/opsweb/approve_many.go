package opsweb

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// Approving many operations with one second-factor code: the inbox's "Approve selected"
// and POST /api/v1/approvals. approval.Service.ApproveMany checks the code once and
// decides each operation on its own; these handlers parse, report each outcome and
// record the denials the service leaves to the web layer (scope, role), as the single
// approve does.

// inboxResultCookie carries the outcomes of an "Approve selected" across its redirect:
// ids with a state or an error code, never text (the page translates them).
const inboxResultCookie = "purser_inbox_result"

var inboxResultItem = regexp.MustCompile(`^([0-9]{1,19}):([se])\.([a-z_]{1,32})$`)

// errItemInternal is an item that failed for a reason of the portal's own (logged).
var errItemInternal = &webcore.Error{Status: http.StatusInternalServerError, Code: "internal", Message: "error.internal"}

// itemErrors are the refusals an item can end with, by code (what the cookie may name).
var itemErrors = func() map[string]*webcore.Error {
	m := map[string]*webcore.Error{}
	// The approval matrix refuses an item too: its approver is in none of the groups the
	// route needs, or waits for an earlier level.
	for _, he := range []*webcore.Error{webcore.OpNotFound, webcore.OpSelfApproval, webcore.OpWrongState, webcore.OpAlreadyDecided, webcore.OpSnapshotChanged,
		webcore.OpForbidden, webcore.OpNotEligible, webcore.OpLevelNotReached, errItemInternal} {
		m[he.Code] = he
	}
	return m
}()

// itemHTTPError is the answer for one refused item. Out of scope reads as not found, as
// GET /operations/:id does.
func (a *Area) itemHTTPError(c *gin.Context, err error) *webcore.Error {
	if errors.Is(err, approval.ErrOutOfScope) {
		return webcore.OpNotFound
	}
	if he := webcore.OperationError(err); he != nil && itemErrors[he.Code] != nil {
		return he
	}
	a.log.Error("approving one of many failed", "error", err, "request_id", a.core.RequestID(c))
	return errItemInternal
}

// auditItemDenials writes access.denied for the items refused by scope or role; the
// service records a self-approval itself.
func (a *Area) auditItemDenials(c *gin.Context, res []approval.ApproveResult) {
	for _, r := range res {
		switch {
		case errors.Is(r.Err, approval.ErrOutOfScope):
			a.core.RecordDenied(c, approval.TargetOperation, idString(r.ID), "target outside organisation scope")
		case errors.Is(r.Err, approval.ErrForbidden):
			a.core.RecordDenied(c, approval.TargetOperation, idString(r.ID), "not allowed for this operation")
		}
	}
}

// itemsTarget names the operations of a refused request in a denial's audit event.
func itemsTarget(items []approval.ApproveItem) string {
	ids := make([]string, 0, len(items))
	for _, it := range items {
		ids = append(ids, idString(it.ID))
	}
	if t := strings.Join(ids, ","); t != "" && len(t) <= 200 {
		return t
	}
	return "many"
}

// approvalsApprove is POST /approvals (op: the ticked ids, snapshot_hash_<id> for each,
// code, comment): "Approve selected". The inbox always sends each row's snapshot hash, so
// a ticked id without one is a malformed request. A refusal of the whole request (wrong
// code, nothing ticked) shows the inbox again with the ticks and the comment kept;
// otherwise the inbox after the redirect lists each request's outcome.
func (a *Area) approvalsApprove(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	raw := c.PostFormArray("op")
	items := make([]approval.ApproveItem, 0, len(raw))
	selected := map[string]bool{}
	for _, r := range raw {
		id, err := strconv.ParseInt(r, 10, 64)
		hash := trimmed(c, "snapshot_hash_"+r)
		if err != nil || id <= 0 || hash == "" {
			a.core.Fail(c, webcore.ErrBadRequest)
			return
		}
		items = append(items, approval.ApproveItem{ID: id, SnapshotHash: hash})
		selected[r] = true
	}
	res, err := a.ops.ApproveMany(c.Request.Context(), a.actor(c), trimmed(c, "code"), comment(c), items)
	if err != nil {
		he := webcore.OperationError(err)
		if he == nil || errors.Is(err, approval.ErrForbidden) {
			a.core.FailOperation(c, err, approval.TargetOperation, itemsTarget(items))
			return
		}
		v, verr := a.inboxView(c, false, selected)
		if verr != nil {
			a.core.Fail(c, verr)
			return
		}
		tr := a.core.Translator(c)
		v.Error, v.Comment = tr.T(he.Message), comment(c)
		var ve *approval.ValidationError
		if errors.As(err, &ve) {
			v.Error = fieldMessage(tr, ve, "operations")
		}
		a.core.Render(c, he.Status, pages.Approvals(a.core.Page(c, "nav.approvals"), v))
		return
	}
	a.auditItemDenials(c, res)
	parts := make([]string, 0, len(res))
	for _, r := range res {
		if r.Err != nil {
			parts = append(parts, idString(r.ID)+":e."+a.itemHTTPError(c, r.Err).Code)
		} else {
			parts = append(parts, idString(r.ID)+":s."+string(r.Operation.State))
		}
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: inboxResultCookie, Value: strings.Join(parts, "-"), Path: "/approvals", MaxAge: 60,
		HttpOnly: true, Secure: a.secureCookies, SameSite: http.SameSiteLaxMode})
	a.core.Redirect(c, "/approvals")
}

// takeInboxResults reads and clears the outcomes left by approvalsApprove.
func (a *Area) takeInboxResults(c *gin.Context, tr *i18n.Translator) []view.InboxResult {
	ck, err := c.Request.Cookie(inboxResultCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: inboxResultCookie, Value: "", Path: "/approvals", MaxAge: -1,
		HttpOnly: true, Secure: a.secureCookies, SameSite: http.SameSiteLaxMode})
	var out []view.InboxResult
	for _, p := range strings.Split(ck.Value, "-") {
		m := inboxResultItem.FindStringSubmatch(p)
		if m == nil {
			continue
		}
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			continue
		}
		r := view.InboxResult{ID: m[1], Href: opHref(id), OK: m[2] == "s"}
		switch {
		case r.OK && m[3] == string(approval.StatePending):
			r.Text = tr.T("op.inbox_result_pending")
		case r.OK && validState(approval.State(m[3])):
			r.Text = tr.T("op.inbox_result_approved")
		case !r.OK && itemErrors[m[3]] != nil:
			r.Text = tr.T(itemErrors[m[3]].Message)
		default:
			continue
		}
		out = append(out, r)
	}
	return out
}
