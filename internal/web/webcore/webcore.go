// Package webcore is the part of the portal's HTTP core that its areas share with package
// web: the route entry every area declares, the Core an area renders and fails through,
// the error kinds it fails with, and the few pure formatting rules every page follows.
//
// Design: an area (internal/web/auditweb, ...) must not import package web, which mounts
// it. The request-scoped core — the page frame, rendering, the one error exit, the
// translator, subject and audit metadata of a request — stays in web, where the
// middleware that fills it lives, and reaches an area as the Core interface; moving it
// here would drag the session, middleware and navigation along. Only what has no state
// (routes, error kinds, time and bidi formatting) lives here, so web and the areas use
// the same definitions. CSRF and authorisation are middleware: an area declares each
// route's authz action and web's router enforces it, as for its own routes.
package webcore

import (
	"errors"
	"time"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
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
}

// Error kinds an area fails with; Core.Fail maps them to the core's table.
var (
	ErrNotFound    = errors.New("webcore: not found")
	ErrBadRequest  = errors.New("webcore: bad request")
	ErrUnavailable = errors.New("webcore: unavailable")
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
