// Package webcore is the part of the portal's HTTP core that its areas share with package
// web: the route entry every area declares, the Core an area renders and fails through,
// the error kinds it fails with (and the maker-checker workflow's refusals, which the
// core's FailOperation and the operations area both answer), and the pure rules every
// page follows (times, dates and numbers for people, the list page size, the query
// parameters every list reads, links that keep their filters, the read cache's keys per
// user).
//
// Design: an area (internal/web/auditweb, readweb, opsweb, adminweb, accountweb) must
// not import package web, which mounts it. The request-scoped core — the page frame and its flash
// message, rendering, the one error exit, the translator, the user, subject, query scope
// and audit metadata of a request, and the session: signing in and out of it, the
// step-up kept in it — stays in web, where the middleware that loads it on every request
// lives, and reaches an area as the Core interface; moving it here would drag the
// session, middleware and navigation along. Only what has no state lives here, so web and the
// areas use the same definitions. CSRF and authorisation are middleware: an area declares
// each route's authz action and web's router enforces it, as for its own routes.
package webcore

import (
	"errors"

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
	// Page is Chrome with the message Flash left for it before a redirect (taken: it
	// shows once).
	Page(c *gin.Context, titleKey string) view.Chrome
	// Flash leaves a one-time message for the page after the redirect: kind is ok, info
	// or error, id a message id ("flash.…"); only the id travels, never text.
	Flash(c *gin.Context, kind, id string)
	// Render writes a page; a template error becomes a clean 500.
	Render(c *gin.Context, status int, comp templ.Component)
	// Fail is the one error exit: the core's error table maps err (one of the kinds
	// below, an *Error or *OutOfScope, store.ErrNotFound, or anything else as an internal
	// error) to a status and a translated message, as a page or, under /api/, as JSON.
	Fail(c *gin.Context, err error)
	// Redirect answers a form post with a redirect (htmx-aware).
	Redirect(c *gin.Context, to string)
	// Meta is the request's audit metadata, acting as the signed-in user.
	Meta(c *gin.Context) audit.Meta
	// Subject is the signed-in user's authorisation subject (zero if none).
	Subject(c *gin.Context) authz.Subject
	// Scope is what the signed-in user's reads are limited to (authz.ScopeOf); nobody
	// signed in sees nothing.
	Scope(c *gin.Context) authz.QueryScope
	// RequestID is the id the logs and the error page show.
	RequestID(c *gin.Context) string

	// FailOperation is Fail for an error of the maker-checker workflow (internal/approval)
	// on a target: out of scope answers "not found", a refusal by role 403, and both are
	// recorded as access.denied on the target.
	FailOperation(c *gin.Context, err error, targetType, targetID string)
	// RecordDenied records access.denied on a target for a refusal the use case decided
	// but the area answers itself (a refusal shown on the object's page, one item of
	// many refused).
	RecordDenied(c *gin.Context, targetType, targetID, reason string)

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

// Error is a failure an area names itself: its status, the JSON API's error code and the
// message id the user reads (a bad parameter of the JSON API, say). Core.Fail answers it
// as it is, without logging it.
type Error struct {
	Status        int
	Code, Message string
}

func (e *Error) Error() string { return e.Code }

// OutOfScope is a request for an object outside the user's organisation scope. Core.Fail
// records the attempt (access.denied) and answers exactly like "not found": nothing tells
// that the object exists.
type OutOfScope struct{ TargetType, TargetID string }

func (e *OutOfScope) Error() string {
	return "webcore: " + e.TargetType + " " + e.TargetID + " is outside the scope"
}
