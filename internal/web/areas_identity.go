package web

import (
	"github.com/gin-gonic/gin"
	"github.com/gorilla/sessions"

	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/accountweb"
	"github.com/purser-finance/purser/internal/web/adminweb"
	"github.com/purser-finance/purser/web/templates/view"
)

// The admin and account areas (internal/web/adminweb, accountweb), mounted like the
// others (areas.go), and the part of the core they need beyond the audit area's: the
// flash messages, the session and its sign-in stage, and the step-up.

// mountAdmin builds the admin area. Without the maker-checker workflow the policy page
// answers "not available" and no delivery failure is shown.
func (s *Server) mountAdmin(d Deps) (*adminweb.Area, error) {
	ad := adminweb.Deps{
		Core: areaCore{s}, Users: d.Admin.Users, Accounts: d.Admin.Accounts, Settings: d.Admin.Settings, Store: d.DB,
		StepUp: d.Auth, Masters: s.masters, LastSync: s.lastSync, PublicURL: d.Config.PublicURL, Log: s.log,
	}
	if s.ops != nil {
		ad.Policies, ad.Matrix, ad.Deliveries = s.ops, s.ops, s.ops.Notifier()
	}
	return adminweb.New(ad)
}

// mountAccount builds the account area. Without the maker-checker workflow the
// notifications answer "not available".
func (s *Server) mountAccount(d Deps) (*accountweb.Area, error) {
	ad := accountweb.Deps{
		Core: areaCore{s}, Auth: d.Auth, Users: d.Admin.Users, Settings: d.Admin.Settings, SSO: d.Admin.SSO, Store: d.DB,
		Secrets: d.TOTPSecrets, Config: d.Config, Log: s.log, Now: s.now,
	}
	if s.ops != nil {
		ad.Notices = s.ops.Notifier()
	}
	return accountweb.New(ad)
}

func (s *Server) adminRoutes() []route   { return coreRoutes(s.adminWeb.Routes()) }
func (s *Server) accountRoutes() []route { return coreRoutes(s.accountWeb.Routes()) }

func (a areaCore) FailOperation(c *gin.Context, err error, targetType, targetID string) {
	a.s.opFail(c, err, targetType, targetID)
}
func (a areaCore) RecordDenied(c *gin.Context, targetType, targetID, reason string) {
	a.s.recordDenied(c, targetType, targetID, reason)
}

func (a areaCore) User(c *gin.Context) (*store.User, session.Stage) {
	if u := userOf(c); u != nil {
		return u.User, u.Stage
	}
	return nil, ""
}

func (a areaCore) Session(c *gin.Context) *sessions.Session { return sessionOf(c) }
func (a areaCore) SignIn(c *gin.Context, u *store.User, stage session.Stage, first bool) error {
	return a.s.signIn(c, u, stage, first)
}
func (a areaCore) SignOut(c *gin.Context) error                { return a.s.signOut(c) }
func (a areaCore) StepUp(c *gin.Context) (auth.StepUp, string) { return a.s.stepUp(c) }
func (a areaCore) StepUpView(c *gin.Context, errID string) view.StepUp {
	return a.s.stepUpView(c, errID)
}
