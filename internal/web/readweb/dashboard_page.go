package readweb

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// dashboardPage is GET /, the landing page. It shows who is signed in, where Purser is
// connected and the user's own recent activity beside the balances panel
// (DashboardPanel); the operations area's panel joins it (OpsDashboard).
func (a *Area) dashboardPage(c *gin.Context) {
	u, _ := a.core.User(c)
	tr := a.core.Translator(c)
	name := u.DisplayName
	if name == "" {
		name = u.Username
	}
	v := view.Dashboard{Greeting: tr.T("dashboard.greeting", map[string]any{"Name": name})}

	upstream := tr.T("dashboard.upstream_sandbox")
	if !a.upstream.Sandbox {
		if parsed, err := url.Parse(a.upstream.URL); err == nil {
			upstream = parsed.Host
		}
	}
	last := tr.T("dashboard.first_sign_in")
	if prev, _ := a.core.Session(c).Values[session.KeyPrevLogin].(int64); prev > 0 {
		last = webcore.FormatTime(time.Unix(prev, 0), tr.Lang)
	}
	v.Cards = []view.Card{
		{Label: tr.T("dashboard.upstream"), Value: upstream, Test: "upstream"},
		{Label: tr.T("dashboard.last_sign_in"), Value: last, Test: "last-sign-in"},
	}
	read, err := a.DashboardPanel(c)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	v.Read = read
	if v.Ops, err = a.opsDashboard(c); err != nil {
		a.core.Fail(c, err)
		return
	}
	if a.topUps != nil {
		if v.TopUps, err = a.topUps(c); err != nil {
			a.core.Fail(c, err)
			return
		}
	}
	if !read.Synced {
		v.Notice = tr.T("dashboard.sync_pending")
	}

	events, err := readmodel.Cached(a.read.Cache(), "events\x00"+webcore.ActorKey(u)+"\x00"+u.Username, func() ([]store.AuditEvent, error) {
		return a.db.ListAudit(c.Request.Context(), store.AuditFilter{ActorName: u.Username, Limit: 10})
	})
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	for _, e := range events {
		v.RecentEvents = append(v.RecentEvents, view.EventRow{
			Time: webcore.FormatTime(e.Time, tr.Lang), Action: tr.T("action." + e.Action), Outcome: tr.T("outcome." + e.Outcome),
			Target: e.TargetType + " " + e.TargetID,
		})
	}
	a.core.Render(c, http.StatusOK, pages.Dashboard(a.core.Page(c, "dashboard.title"), v))
}
