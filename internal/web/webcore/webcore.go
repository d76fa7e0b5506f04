// Package webcore is the part of the portal's HTTP core that its areas share with package
// web: the route entry every area declares, the Core an area renders and fails through,
// the error kinds it fails with, and the few pure rules every page follows.
//
// Design: an area (internal/web/auditweb, adminweb, accountweb, ...) must not import
// package web, which mounts it. The request-scoped core — the page frame and its flash
// message, rendering, the one error exit, the translator, the user, subject and audit
// metadata of a request, and the session: signing in and out of it, the step-up kept in
// it — stays in web, where the middleware that loads it on every request lives, and
// reaches an area as the Core interface; moving it here would drag the session,
// middleware and navigation along. Only what has no state (routes, error kinds, time and
// bidi formatting, safe redirect targets, path ids, role and session labels) lives here,
// so web and the areas use the same definitions. CSRF and authorisation are middleware:
// an area declares each route's authz action and web's router enforces it, as for its
// own routes.
package webcore

import (
	"errors"
	"time"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"
	"github.com/gorilla/sessions"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/web/templates/view"
)

// Route is one entry of an area's route table. Every route names the permission it
// needs; the core refuses to register one without.
type Route struct {
	Method, Path string
	Action       authz.Action
	// Enrolling: reachable by a user who must still set up a second factor.
	Enrolling bool
	Handle    gin.HandlerFunc
}

// Core is what an area asks of the portal's core for one request.
type Core interface {
	// Translator is the request's language.
	Translator(c *gin.Context) *i18n.Translator
	// Chrome is the page frame titled by the message titleKey.
	Chrome(c *gin.Context, titleKey string) view.Chrome
	// Render writes a page; a template error becomes a clean 500.
	Render(c *gin.Context, status int, comp templ.Component)
	// Fail is the one error exit: the core's error table maps err (one of the kinds
	// below, store.ErrNotFound, or anything else as an internal error) to a status and
	// a translated message, as a page or, under /api/, as JSON.
	Fail(c *gin.Context, err error)
	// Redirect answers a form post with a redirect (htmx-aware).
	Redirect(c *gin.Context, to string)
	// Meta is the request's audit metadata, acting as the signed-in user.
	Meta(c *gin.Context) audit.Meta
	// Subject is the signed-in user's authorisation subject (zero if none).
	Subject(c *gin.Context) authz.Subject
	// RequestID is the id the logs and the error page show.
	RequestID(c *gin.Context) string

	// Page is Chrome with the flash message left by the request before, if any (taken:
	// it shows once).
	Page(c *gin.Context, titleKey string) view.Chrome
	// Flash leaves a one-time message (kind ok, info or error; a "flash." message id) for
	// the page after the redirect.
	Flash(c *gin.Context, kind, id string)
	// FailOperation is Fail for an error of the maker-checker workflow (internal/approval)
	// on a target: out of scope answers "not found", a refusal by role 403, and both are
	// recorded as access.denied on the target.
	FailOperation(c *gin.Context, err error, targetType, targetID string)

	// User is the person behind the request at whatever step of signing in they are
	// (session.StageSigned once fully signed in); nil when nobody is.
	User(c *gin.Context) (*store.User, session.Stage)
	// Session is the request's session (nil on the JSON API). An area keeps its own
	// values in it and saves it; signing in and out goes through SignIn and SignOut.
	Session(c *gin.Context) *sessions.Session
	// SignIn moves the session to stage for u, rotating its id (against fixation). first
	// marks a new sign-in (a password or the identity provider), whatever the session
	// held; otherwise it advances the one in progress (second factor, enrolment).
	SignIn(c *gin.Context, u *store.User, stage session.Stage, first bool) error
	// SignOut ends the session on the server, so the cookie is worthless even if copied.
	SignOut(c *gin.Context) error
	// StepUp is the proof that the signed-in user just passed a second-factor check: the
	// form's "code", or one within auth.StepUpWindow kept in the session. A failure is
	// audited and answered with a message id instead.
	StepUp(c *gin.Context) (auth.StepUp, string)
	// StepUpView is the step-up field of a form: whether the code may stay empty, and
	// the message errID (none when "").
	StepUpView(c *gin.Context, errID string) view.StepUp
}

// Error kinds an area fails with; Core.Fail maps them to the core's table.
var (
	ErrNotFound    = errors.New("webcore: not found")
	ErrBadRequest  = errors.New("webcore: bad request")
	ErrUnavailable = errors.New("webcore: unavailable")
	// ErrOperationsUnavailable: no maker-checker workflow is wired (a build without jobs).
	ErrOperationsUnavailable = errors.New("webcore: operations unavailable")
)

// DisplayZone is where times are shown: Huawei Cloud's China site bills in Beijing time,
// so that is what finance staff read on their statements.
var DisplayZone = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

// FormatTime renders a time for people, in one format everywhere.
func FormatTime(t time.Time, lang string) string {
	t = t.In(DisplayZone)
	if lang == "zh" {
		return t.Format("2006-01-02 15:04:05") + " (北京时间)"
	}
	return t.Format("2006-01-02 15:04:05") + " CST"
}

// Isolate wraps a value shown inside a composed line (a timeline or audit summary) in
// FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE, the plain-text form of <bdi>: a reason
// holding a right-to-left override cannot reorder the rest of the line.
func Isolate(s string) string { return "\u2068" + s + "\u2069" }
