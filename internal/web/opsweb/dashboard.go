package opsweb

import (
	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// DashboardPanel is the dashboard's operations panel: what waits for an approver and the
// latest operations the user may see. The dashboard itself is the read area's landing
// page, which this panel joins.
func (a *Area) DashboardPanel(c *gin.Context) (view.OpsDashboard, error) {
	u := a.core.Subject(c)
	v := view.OpsDashboard{Enabled: a.ops != nil}
	if a.ops == nil {
		return v, nil
	}
	tr := a.core.Translator(c)
	v.ShowApprovals = authz.Allowed(u, authz.ApproveOperation, authz.Target{})
	v.Pending = a.PendingCount(c)
	v.CanCreate = authz.Allowed(u, authz.CreateOperation, authz.Target{})
	page, err := readmodel.Cached(a.read.Cache(), "ops\x00"+a.actorKey(c), func() (approval.Page, error) {
		return a.ops.List(c.Request.Context(), a.actor(c), approval.Filter{Limit: 6})
	})
	if err != nil {
		return v, err
	}
	for _, o := range page.Items {
		v.Recent = append(v.Recent, opRow(tr, o))
	}
	return v, nil
}

// PendingCount is what waits for the signed-in approver (batch rows counted one by one by
// the service): the navigation's badge on every page, and the dashboard's panel. 0 for
// everyone else. It is kept per user as they are on this request; a failed count shows as
// 0 and is not kept.
func (a *Area) PendingCount(c *gin.Context) int {
	if a.ops == nil || !authz.Allowed(a.core.Subject(c), authz.ApproveOperation, authz.Target{}) {
		return 0
	}
	n, err := readmodel.Cached(a.read.Cache(), "pending\x00"+a.actorKey(c), func() (int, error) {
		return a.ops.CountPendingFor(c.Request.Context(), a.actor(c))
	})
	if err != nil {
		webcore.Degraded(c.Request.Context(), a.log, "cannot count pending approvals", "error", err, "request_id", a.core.RequestID(c))
		return 0
	}
	return n
}

// actorKey names the request's user in the read cache's keys (webcore.ActorKey).
func (a *Area) actorKey(c *gin.Context) string {
	u, _ := a.core.User(c)
	return webcore.ActorKey(u)
}
