// Package rulesweb is the standing top-up rules' area on the web (issue 14): the list of
// rules with this month's totals against their caps, the form that drafts a rule or a
// change of one (each goes to approval as an operation), a rule's page with its top-ups
// and history, pausing and resuming a rule (also approved), and the admins' switch that
// pauses every rule at once. It declares its routes with their permissions (Routes) and
// reaches the portal's core as webcore.Core, like auditweb.
package rulesweb

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/rules"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// Deps are the area's collaborators; Rules nil answers "operations are not available".
type Deps struct {
	Core  webcore.Core
	Rules *rules.Service
	Log   *slog.Logger
	Now   func() time.Time
}

// Area serves the rules' pages.
type Area struct {
	core  webcore.Core
	rules *rules.Service
	log   *slog.Logger
	now   func() time.Time
}

// New builds the area.
func New(d Deps) (*Area, error) {
	if d.Core == nil || d.Log == nil || d.Now == nil {
		return nil, errors.New("rulesweb: Deps.Core, Log and Now are required")
	}
	return &Area{core: d.Core, rules: d.Rules, log: d.Log, now: d.Now}, nil
}

// Routes are the rules' pages. Drafting needs rules.manage; approving the drafted change
// is the operations' approval; the switch is the admins'.
func (a *Area) Routes() []webcore.Route {
	return []webcore.Route{
		{Method: "GET", Path: "/rules", Action: authz.ViewRules, Handle: a.list},
		{Method: "GET", Path: "/rules/new", Action: authz.ManageRules, Handle: a.newForm},
		{Method: "POST", Path: "/rules", Action: authz.ManageRules, Handle: a.create},
		{Method: "POST", Path: "/rules/pause-all", Action: authz.PauseAllRules, Handle: a.pauseAll},
		{Method: "POST", Path: "/rules/resume-all", Action: authz.PauseAllRules, Handle: a.resumeAll},
		{Method: "GET", Path: "/rules/:id", Action: authz.ViewRules, Handle: a.detail},
		{Method: "GET", Path: "/rules/:id/edit", Action: authz.ManageRules, Handle: a.editForm},
		{Method: "POST", Path: "/rules/:id", Action: authz.ManageRules, Handle: a.update},
		{Method: "POST", Path: "/rules/:id/pause", Action: authz.ManageRules, Handle: a.pause},
		{Method: "POST", Path: "/rules/:id/resume", Action: authz.ManageRules, Handle: a.resume},
	}
}

// ready answers "operations are not available" when no workflow is wired.
func (a *Area) ready(c *gin.Context) bool {
	if a.rules == nil {
		a.core.Fail(c, webcore.ErrOperationsUnavailable)
		return false
	}
	return true
}

// actor is the signed-in user as the use cases see them.
func (a *Area) actor(c *gin.Context) approval.Actor {
	u, _ := a.core.User(c)
	sub := a.core.Subject(c)
	if u == nil {
		return approval.Actor{Meta: a.core.Meta(c)}
	}
	return approval.Actor{UserID: u.ID, Username: u.Username, Roles: sub.Roles, Scopes: sub.Scopes, Meta: a.core.Meta(c)}
}

// errNoChange: pausing a paused rule, resuming an active one.
var errNoChange = &webcore.Error{Status: http.StatusConflict, Code: "no_change", Message: "rules.err.no_change"}

// fail is the area's error exit for the rules' use cases.
func (a *Area) fail(c *gin.Context, err error, id string) {
	switch {
	case errors.Is(err, rules.ErrNotFound):
		a.core.Fail(c, webcore.ErrNotFound)
	case errors.Is(err, rules.ErrNoChange):
		a.core.Fail(c, errNoChange)
	case errors.Is(err, rules.ErrForbidden):
		a.core.FailOperation(c, approval.ErrForbidden, rules.TargetRule, id)
	default:
		a.core.FailOperation(c, err, rules.TargetRule, id)
	}
}

func idText(id int64) string { return strconv.FormatInt(id, 10) }

func pathID(c *gin.Context) (int64, string, error) {
	id, err := webcore.PathID(c, "id")
	return id, strconv.FormatInt(id, 10), err
}
