package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// dashboard is the landing page. It shows who is signed in, where Purser is connected
// and the user's own recent activity; the read area's balances panel and the operations
// panel join it.
func (s *Server) dashboard(c *gin.Context) {
	u := signedIn(c)
	tr := s.i18n.For(lang(c))
	name := u.DisplayName
	if name == "" {
		name = u.Username
	}
	v := view.Dashboard{Greeting: tr.T("dashboard.greeting", map[string]any{"Name": name})}

	upstream := tr.T("dashboard.upstream_sandbox")
	if !s.cfg.Sandbox() {
		if parsed, err := url.Parse(s.cfg.Upstream); err == nil {
			upstream = parsed.Host
		}
	}
	last := tr.T("dashboard.first_sign_in")
	if prev, _ := sessionOf(c).Values[session.KeyPrevLogin].(int64); prev > 0 {
		last = formatTime(time.Unix(prev, 0), tr.Lang)
	}
	v.Cards = []view.Card{
		{Label: tr.T("dashboard.upstream"), Value: upstream, Test: "upstream"},
		{Label: tr.T("dashboard.last_sign_in"), Value: last, Test: "last-sign-in"},
	}
	read, err := s.readArea.DashboardPanel(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Read = read
	if v.Ops, err = s.opsDashboard(c); err != nil {
		s.fail(c, err)
		return
	}
	if v.TopUps, err = s.rulesWeb.DashboardPanel(c); err != nil {
		s.fail(c, err)
		return
	}
	if !read.Synced {
		v.Notice = tr.T("dashboard.sync_pending")
	}

	events, err := cachedRead(s, "events\x00"+actorKey(u)+"\x00"+u.Username, func() ([]store.AuditEvent, error) {
		return s.db.ListAudit(c.Request.Context(), store.AuditFilter{ActorName: u.Username, Limit: 10})
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, e := range events {
		v.RecentEvents = append(v.RecentEvents, view.EventRow{
			Time: formatTime(e.Time, tr.Lang), Action: tr.T("action." + e.Action), Outcome: tr.T("outcome." + e.Outcome),
			Target: e.TargetType + " " + e.TargetID,
		})
	}
	s.render(c, http.StatusOK, pages.Dashboard(s.page(c, "dashboard.title"), v))
}

// placeholder renders an area whose pages arrive with a later release, inside the layout
// and behind the area's permission, so navigation and access rules are already real.
func (s *Server) placeholder(titleKey string) gin.HandlerFunc {
	return func(c *gin.Context) {
		tr := s.i18n.For(lang(c))
		s.render(c, http.StatusOK, pages.Placeholder(s.chrome(c, titleKey), view.Placeholder{Area: tr.T(titleKey)}))
	}
}

// opsDashboard is the dashboard's operations panel: what waits for an approver and the
// latest operations the user may see.
func (s *Server) opsDashboard(c *gin.Context) (view.OpsDashboard, error) {
	u := signedIn(c)
	v := view.OpsDashboard{Enabled: s.ops != nil}
	if s.ops == nil {
		return v, nil
	}
	tr := s.i18n.For(lang(c))
	v.ShowApprovals = authz.Allowed(u.Subject, authz.ApproveOperation, authz.Target{})
	v.Pending = s.pendingCountCached(c, u)
	v.CanCreate = authz.Allowed(u.Subject, authz.CreateOperation, authz.Target{})
	page, err := cachedRead(s, "ops\x00"+actorKey(u), func() (approval.Page, error) {
		return s.ops.List(c.Request.Context(), actorOf(c), approval.Filter{Limit: 6})
	})
	if err != nil {
		return v, err
	}
	for _, o := range page.Items {
		v.Recent = append(v.Recent, opRow(tr, o))
	}
	return v, nil
}
