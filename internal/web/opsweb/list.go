package opsweb

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// opViews are the tabs of /operations: which states each shows.
var opViews = []struct {
	key    string
	states []approval.State
}{
	{"open", []approval.State{approval.StateDraft, approval.StatePending, approval.StateApproved, approval.StateExecuting, approval.StateUnknown}},
	{"mine", nil},
	{"history", []approval.State{approval.StateSucceeded, approval.StateFailed, approval.StateRejected, approval.StateCancelled, approval.StateExpired}},
	{"all", nil},
}

// operationList is GET /operations: tabs (open requests, mine, history, all), filters by
// state, kind, requester and sub-account, keyset pages.
func (a *Area) operationList(c *gin.Context) {
	u := a.core.Subject(c)
	tr := a.core.Translator(c)
	if a.ops == nil {
		a.core.Render(c, http.StatusOK, pages.Operations(a.core.Page(c, "nav.operations"), view.OperationList{Empty: tr.T("op.error.unavailable")}))
		return
	}
	q := c.Request.URL.Query()
	v := view.OperationList{
		View: c.DefaultQuery("view", "open"), State: c.Query("state"), Kind: c.Query("kind"),
		Requester: webcore.QueryText(c, "requester"), SubAccount: webcore.QueryText(c, "sub_account_id"),
	}
	f := approval.Filter{Kind: approval.Kind(v.Kind), SubAccountID: v.SubAccount, Cursor: c.Query("cursor"), Limit: webcore.ListPageSize,
		MasterAccountID: webcore.MasterParam(c)}
	v.Masters = a.masters.Options(c, f.MasterAccountID)
	if v.Kind != "" && !f.Kind.Valid() {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	known := false
	for _, ov := range opViews {
		if ov.key == v.View {
			known = true
			f.States = ov.states
		}
		v.Tabs = append(v.Tabs, view.Tab{Label: tr.T("op.view." + ov.key), Href: webcore.WithQuery("/operations", webcore.MasterValues(f.MasterAccountID), "view", ov.key),
			Test: "tab-" + ov.key, Current: ov.key == v.View})
	}
	if !known {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	if v.View == "mine" {
		f.RequestedBy = u.UserID
	}
	if v.State != "" {
		st := approval.State(v.State)
		if !validState(st) {
			a.core.Fail(c, webcore.ErrBadRequest)
			return
		}
		f.States = []approval.State{st}
	}
	if v.Requester != "" && v.View != "mine" {
		ru, err := a.db.UserByUsername(c.Request.Context(), v.Requester)
		switch {
		case errors.Is(err, store.ErrNotFound):
			f.RequestedBy = -1 // nobody: an empty list
		case err != nil:
			a.core.Fail(c, err)
			return
		default:
			f.RequestedBy = ru.ID
		}
	}
	page, err := a.ops.List(c.Request.Context(), a.actor(c), f)
	var ve *approval.ValidationError
	if errors.As(err, &ve) {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	for _, o := range page.Items {
		v.Rows = append(v.Rows, opRow(tr, o))
	}
	v.States = []view.Option{{Value: "", Label: tr.T("op.any_state"), Selected: v.State == ""}}
	for _, st := range approval.States {
		v.States = append(v.States, view.Option{Value: string(st), Label: tr.T("op.state." + string(st)), Selected: v.State == string(st)})
	}
	v.Kinds = kindOptions(tr, v.Kind, true)
	v.Empty = tr.T("op.list_empty")
	if c.Query("cursor") != "" {
		v.Pager.First = webcore.WithQuery("/operations", q, "cursor", "")
	}
	if page.NextCursor != "" {
		v.Pager.Next = webcore.WithQuery("/operations", q, "cursor", page.NextCursor)
	}
	v.Pager.Summary = tr.T("op.showing", map[string]any{"Count": len(v.Rows)})
	if authz.Allowed(u, authz.CreateOperation, authz.Target{}) {
		v.CanCreate = true
		for _, k := range approval.Kinds {
			v.NewKinds = append(v.NewKinds, view.Option{Value: "/operations/new?kind=" + string(k), Label: kindLabel(tr, k)})
		}
	}
	a.core.Render(c, http.StatusOK, pages.Operations(a.core.Page(c, "nav.operations"), v))
}
