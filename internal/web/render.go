package web

import (
	"bytes"
	"net/http"
	"sync"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/web/templates/view"
)

// render writes a templ component. It renders into a buffer first, so that a template
// error becomes a clean 500 instead of half a page. A render stopped because the client
// went away (templ checks the request's context in every component) is no error of ours.
func (s *Server) render(c *gin.Context, status int, comp templ.Component) {
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer putRenderBuffer(buf)
	if err := comp.Render(c.Request.Context(), buf); err != nil {
		if clientGone(c, err) {
			s.hungUp(c, "render", err)
			return
		}
		s.log.Error("render failed", "error", err, "request_id", requestID(c))
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("Internal error / 内部错误: "+requestID(c)))
		c.Abort()
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// renderBuffers keeps page buffers between requests: a list page is 10–120 KB, and growing
// a fresh buffer to that size on every request showed in the profiles.
var renderBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 64<<10)) }}

// putRenderBuffer returns buf to the pool unless it grew unusually large (an export-sized
// page would otherwise stay in memory for good).
func putRenderBuffer(buf *bytes.Buffer) {
	if buf.Cap() > 1<<20 {
		return
	}
	buf.Reset()
	renderBuffers.Put(buf)
}

// navArea is one area of the side navigation and the permission that shows it.
type navArea struct {
	key, href, test string
	action          authz.Action
}

var navAreas = []navArea{
	{"nav.dashboard", "/", "dashboard", authz.ViewDashboard},
	{"nav.sub_accounts", "/sub-accounts", "sub-accounts", authz.ViewSubAccounts},
	{"nav.coupons", "/coupons", "coupons", authz.ViewBilling},
	{"nav.cards", "/cards", "cards", authz.ViewBilling},
	{"nav.resources", "/resources", "resources", authz.ViewBilling},
	{"nav.packages", "/packages", "packages", authz.ViewBilling},
	{"nav.catalog", "/catalog", "catalog", authz.ViewBilling},
	{"nav.operations", "/operations", "operations", authz.ViewOperations},
	{"nav.approvals", "/approvals", "approvals", authz.ViewApprovals},
	{"nav.rules", "/rules", "rules", authz.ViewRules},
	{"nav.audit", "/audit", "audit", authz.ViewAudit},
	{"nav.reports", "/reports", "reports", authz.ManageOwnProfile},
	{"nav.admin", "/admin", "admin", authz.ViewAdmin},
}

// chrome builds the page frame: translated title, the user, the navigation they may see.
func (s *Server) chrome(c *gin.Context, titleKey string) view.Chrome {
	tr := s.i18n.For(lang(c))
	ch := view.Chrome{
		T: tr, Lang: tr.Lang, Title: tr.T(titleKey), Path: c.Request.URL.Path, Nonce: nonce(c),
		Sandbox: s.cfg.Sandbox(), Asset: s.asset, Version: s.version, NextPath: safeNext(c.Request.URL.RequestURI()),
	}
	for _, l := range i18n.Supported {
		ch.Langs = append(ch.Langs, view.Lang{Code: l.Code, Name: l.Name, Current: l.Code == tr.Lang})
	}
	if u := signedIn(c); u != nil {
		vu := &view.User{Username: u.Username, DisplayName: u.DisplayName}
		if vu.DisplayName == "" {
			vu.DisplayName = u.Username
		}
		for _, r := range u.Roles {
			vu.Roles = append(vu.Roles, tr.T("role."+r))
		}
		ch.User = vu
		for _, a := range navAreas {
			if authz.Allowed(u.Subject, a.action, authz.Target{}) {
				item := view.NavItem{Label: tr.T(a.key), Href: a.href, Test: a.test}
				if a.href == "/approvals" {
					item.Count = s.opsArea.PendingCount(c)
				}
				ch.Nav = append(ch.Nav, item)
			}
		}
		ch.Bell = s.ops != nil
		ch.Unread = s.unreadCountCached(c, u)
	}
	return ch
}

// asset returns the versioned URL of a static file.
func (s *Server) asset(name string) string {
	return "/static/" + name + "?v=" + s.assets[name]
}
