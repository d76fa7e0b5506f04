package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// dashboard is the landing page. It shows who is signed in, where Purser is connected
// and the user's own recent activity; balances join it with the synced cache.
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
	v.Notice = tr.T("dashboard.sync_pending")

	events, err := s.db.ListAudit(c.Request.Context(), store.AuditFilter{ActorName: u.Username, Limit: 10})
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
	s.render(c, http.StatusOK, pages.Dashboard(s.chrome(c, "dashboard.title"), v))
}

// placeholder renders an area whose pages arrive with a later release, inside the layout
// and behind the area's permission, so navigation and access rules are already real.
func (s *Server) placeholder(titleKey string) gin.HandlerFunc {
	return func(c *gin.Context) {
		tr := s.i18n.For(lang(c))
		s.render(c, http.StatusOK, pages.Placeholder(s.chrome(c, titleKey), view.Placeholder{Area: tr.T(titleKey)}))
	}
}
