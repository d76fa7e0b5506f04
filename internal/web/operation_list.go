package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
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
func (s *Server) operationList(c *gin.Context) {
	u := signedIn(c)
	tr := s.i18n.For(lang(c))
	if s.ops == nil {
		s.render(c, http.StatusOK, pages.Operations(s.page(c, "nav.operations"), view.OperationList{Empty: tr.T("op.error.unavailable")}))
		return
	}
	q := c.Request.URL.Query()
	v := view.OperationList{
		View: c.DefaultQuery("view", "open"), State: c.Query("state"), Kind: c.Query("kind"),
		Requester: queryText(c, "requester"), SubAccount: queryText(c, "sub_account_id"),
	}
	f := approval.Filter{Kind: approval.Kind(v.Kind), SubAccountID: v.SubAccount, Cursor: c.Query("cursor"), Limit: listPageSize,
		MasterAccountID: masterParam(c)}
	v.Masters = s.masterFilterOptions(c, f.MasterAccountID)
	if v.Kind != "" && !f.Kind.Valid() {
		s.fail(c, errBadRequest)
		return
	}
	known := false
	for _, ov := range opViews {
		if ov.key == v.View {
			known = true
			f.States = ov.states
		}
		v.Tabs = append(v.Tabs, view.Tab{Label: tr.T("op.view." + ov.key), Href: withQuery("/operations", masterValues(f.MasterAccountID), "view", ov.key),
			Test: "tab-" + ov.key, Current: ov.key == v.View})
	}
	if !known {
		s.fail(c, errBadRequest)
		return
	}
	if v.View == "mine" {
		f.RequestedBy = u.ID
	}
	if v.State != "" {
		st := approval.State(v.State)
		if !validState(st) {
			s.fail(c, errBadRequest)
			return
		}
		f.States = []approval.State{st}
	}
	if v.Requester != "" && v.View != "mine" {
		ru, err := s.db.UserByUsername(c.Request.Context(), v.Requester)
		switch {
		case errors.Is(err, store.ErrNotFound):
			f.RequestedBy = -1 // nobody: an empty list
		case err != nil:
			s.fail(c, err)
			return
		default:
			f.RequestedBy = ru.ID
		}
	}
	page, err := s.ops.List(c.Request.Context(), actorOf(c), f)
	var ve *approval.ValidationError
	if errors.As(err, &ve) {
		s.fail(c, errBadRequest)
		return
	}
	if err != nil {
		s.fail(c, err)
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
		v.Pager.First = withQuery("/operations", q, "cursor", "")
	}
	if page.NextCursor != "" {
		v.Pager.Next = withQuery("/operations", q, "cursor", page.NextCursor)
	}
	v.Pager.Summary = tr.T("op.showing", map[string]any{"Count": len(v.Rows)})
	if authz.Allowed(u.Subject, authz.CreateOperation, authz.Target{}) {
		v.CanCreate = true
		for _, k := range approval.Kinds {
			v.NewKinds = append(v.NewKinds, view.Option{Value: "/operations/new?kind=" + string(k), Label: kindLabel(tr, k)})
		}
	}
	s.render(c, http.StatusOK, pages.Operations(s.page(c, "nav.operations"), v))
}

func validState(st approval.State) bool {
	for _, x := range approval.States {
		if x == st {
			return true
		}
	}
	return false
}

// trimmed reads a form value, trimmed.
func trimmed(c *gin.Context, name string) string { return strings.TrimSpace(c.PostForm(name)) }
