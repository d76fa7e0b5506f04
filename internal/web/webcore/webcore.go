// Package webcore is the part of the portal's HTTP core that its areas share with package
// web: the route entry every area declares, the Core an area renders and fails through,
// the error kinds it fails with, and the pure rules every page follows (times, dates and
// numbers for people, the list page size, the query parameters every list reads, links
// that keep their filters).
//
// Design: an area (internal/web/auditweb, internal/web/readweb, ...) must not import
// package web, which mounts it. The request-scoped core — the page frame and its flash
// message, rendering, the one error exit, the translator, subject, query scope and audit
// metadata of a request — stays in web, where the middleware that fills it lives, and
// reaches an area as the Core interface; moving it here would drag the session,
// middleware and navigation along. Only what has no state lives here, so web and the
// areas use the same definitions. CSRF and authorisation are middleware: an area declares
// each route's authz action and web's router enforces it, as for its own routes.
package webcore

import (
	"errors"

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
}

// Error kinds an area fails with; Core.Fail maps them to the core's table.
var (
	ErrNotFound    = errors.New("webcore: not found")
	ErrBadRequest  = errors.New("webcore: bad request")
	ErrUnavailable = errors.New("webcore: unavailable")
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
