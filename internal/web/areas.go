package web

import (
	"errors"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/web/auditweb"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// The areas that live in their own packages (internal/web/<area>web) are mounted here:
// each gets its collaborators and the core (areaCore), and hands back its route table,
// which joins the server's one table (table) and so the same authorisation and CSRF
// middleware as every other route.

// AuditVerifier queues the verifications started from /audit/verify (auditweb.Verifier).
type AuditVerifier = auditweb.Verifier

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
func (a areaCore) Redirect(c *gin.Context, to string) { a.s.redirect(c, to) }
func (a areaCore) Meta(c *gin.Context) audit.Meta     { return meta(c) }
func (a areaCore) RequestID(c *gin.Context) string    { return requestID(c) }

func (a areaCore) Subject(c *gin.Context) authz.Subject {
	if u := signedIn(c); u != nil {
		return u.Subject
	}
	return authz.Subject{}
}

// Fail maps the webcore error kinds onto their rows of the one error table (errors.go)
// and leaves everything else to fail as it is.
func (a areaCore) Fail(c *gin.Context, err error) {
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
