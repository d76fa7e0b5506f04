package web

import (
	"context"
	"errors"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/auditweb"
	"github.com/purser-finance/purser/internal/web/opsweb"
	"github.com/purser-finance/purser/internal/web/readweb"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// The areas that live in their own packages (internal/web/<area>web) are mounted here:
// each gets its collaborators and the core (areaCore), and hands back its route table,
// which joins the server's one table (table) and so the same authorisation and CSRF
// middleware as every other route.

// AuditVerifier queues the verifications started from /audit/verify (auditweb.Verifier).
type AuditVerifier = auditweb.Verifier

// SyncTrigger queues a sync of the cache (readweb.SyncTrigger): the refresh buttons and
// POST /api/v1/sync.
type SyncTrigger = readweb.SyncTrigger

// mountAudit builds the audit area.
func (s *Server) mountAudit(d Deps) (*auditweb.Area, error) {
	signer, err := audit.NewSigner(d.Config.SecretKey)
	if err != nil {
		return nil, err
	}
	return auditweb.New(auditweb.Deps{
		Core: areaCore{s}, Store: d.DB, Targets: s.read, Verifier: d.AuditVerifier,
		Signer: signer, Log: s.log, Now: s.now,
	})
}

func (s *Server) auditRoutes() []route { return coreRoutes(s.audit.Routes()) }

// mountRead builds the read area. What the portal knows of its masters stays in the core
// (masters.go; the operations and admin pages name masters too) and reaches the area as
// areaMasters; the operations panels of a sub-account's page and of the dashboard are the
// operations area's, and the dashboard's automatic top-ups the rules area's, both mounted
// before it.
func (s *Server) mountRead(d Deps) (*readweb.Area, error) {
	var st readweb.Settings
	if d.Admin.Settings != nil {
		st = d.Admin.Settings
	}
	return readweb.New(readweb.Deps{
		Core: areaCore{s}, Reader: s.read, Store: d.DB, Masters: areaMasters{s}, Sync: d.Sync, Settings: st,
		OpsPanel: s.opsArea.SubAccountPanel, OpsDashboard: s.opsArea.DashboardPanel, TopUpsDashboard: s.rulesWeb.DashboardPanel,
		Upstream: readweb.Upstream{Sandbox: s.cfg.Sandbox(), URL: s.cfg.Upstream}, Log: s.log, Now: s.now,
	})
}

func (s *Server) readRoutes() []route { return coreRoutes(s.readArea.Routes()) }

// mountOps builds the operations area. Without the maker-checker workflow (a build
// without jobs) its pages and API answer "not available".
func (s *Server) mountOps() (*opsweb.Area, error) {
	od := opsweb.Deps{
		Core: areaCore{s}, Reader: s.read, Store: s.db, Masters: areaMasters{s}, SecureCookies: s.cfg.SecureCookies(),
		Log: s.log, Now: s.now,
	}
	if s.ops != nil {
		od.Ops = s.ops
	}
	return opsweb.New(od)
}

func (s *Server) opsRoutes() []route { return coreRoutes(s.opsArea.Routes()) }

// coreRoutes turns an area's route table into the server's.
func coreRoutes(rs []webcore.Route) []route {
	out := make([]route, 0, len(rs))
	for _, r := range rs {
		out = append(out, route{method: r.Method, path: r.Path, action: r.Action, enrolling: r.Enrolling, handle: r.Handle})
	}
	return out
}

// areaCore is the server as the areas see it (webcore.Core). It is a separate type so
// that these methods do not become the Server's exported API.
type areaCore struct{ s *Server }

func (a areaCore) Translator(c *gin.Context) *i18n.Translator { return a.s.i18n.For(lang(c)) }
func (a areaCore) Chrome(c *gin.Context, titleKey string) view.Chrome {
	return a.s.chrome(c, titleKey)
}
func (a areaCore) Render(c *gin.Context, status int, comp templ.Component) {
	a.s.render(c, status, comp)
}
func (a areaCore) Page(c *gin.Context, titleKey string) view.Chrome { return a.s.page(c, titleKey) }
func (a areaCore) Flash(c *gin.Context, kind, id string)            { a.s.setFlash(c, kind, id) }
func (a areaCore) Redirect(c *gin.Context, to string)               { a.s.redirect(c, to) }
func (a areaCore) Meta(c *gin.Context) audit.Meta                   { return meta(c) }
func (a areaCore) RequestID(c *gin.Context) string                  { return requestID(c) }
func (a areaCore) Scope(c *gin.Context) authz.QueryScope            { return scopeOf(signedIn(c)) }

func (a areaCore) Subject(c *gin.Context) authz.Subject {
	if u := signedIn(c); u != nil {
		return u.Subject
	}
	return authz.Subject{}
}

// Fail maps the webcore error kinds and an area's own *webcore.Error onto the one error
// table (errors.go), hides an object out of scope as web's pages do (hideOutOfScope), and
// leaves everything else to fail as it is.
func (a areaCore) Fail(c *gin.Context, err error) {
	var oos *webcore.OutOfScope
	if errors.As(err, &oos) {
		a.s.hideOutOfScope(c, oos.TargetType, oos.TargetID)
		return
	}
	var own *webcore.Error
	if errors.As(err, &own) {
		err = &httpError{status: own.Status, code: own.Code, message: own.Message}
	}
	for _, k := range []struct {
		kind error
		he   *httpError
	}{{webcore.ErrNotFound, errNotFound}, {webcore.ErrBadRequest, errBadRequest}, {webcore.ErrUnavailable, errUnavailable},
		{webcore.ErrOperationsUnavailable, errOpsUnavailable}} {
		if errors.Is(err, k.kind) {
			err = k.he
			break
		}
	}
	a.s.fail(c, err)
}

// areaMasters is the core's knowledge of the master accounts (masters.go) as the read
// area sees it (readweb.Masters).
type areaMasters struct{ s *Server }

func (m areaMasters) Known(ctx context.Context) ([]readweb.Master, error) {
	return m.s.knownMasters(ctx)
}
func (m areaMasters) Hidden(ctx context.Context) []string { return m.s.hiddenOf(ctx) }
func (m areaMasters) Options(c *gin.Context, selected string) []view.Option {
	return m.s.masterFilterOptions(c, selected)
}
func (m areaMasters) Label(ctx context.Context, master string) (string, bool) {
	return m.s.masterLabel(ctx, master)
}
func (m areaMasters) LastSync(ctx context.Context, master string) *store.SyncRun {
	return m.s.lastSync(ctx, master)
}
