package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"

	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// httpError is an error with the status and the message id a user sees.
type httpError struct {
	status  int
	code    string // JSON API error code
	message string // i18n message id
}

func (e *httpError) Error() string { return e.code }

var (
	errNotFound         = &httpError{http.StatusNotFound, "not_found", "error.not_found"}
	errMethodNotAllowed = &httpError{http.StatusMethodNotAllowed, "method_not_allowed", "error.method_not_allowed"}
	errUnauthorized     = &httpError{http.StatusUnauthorized, "unauthorized", "error.unauthorized"}
	errForbidden        = &httpError{http.StatusForbidden, "forbidden", "error.forbidden"}
	errBadRequest       = &httpError{http.StatusBadRequest, "bad_request", "error.bad_request"}
	errUnavailable      = &httpError{http.StatusServiceUnavailable, "unavailable", "error.unavailable"}
	errInternal         = &httpError{http.StatusInternalServerError, "internal", "error.internal"}
	errOpsUnavailable   = &httpError{http.StatusServiceUnavailable, "operations_unavailable", "op.error.unavailable"}
)

// fail is the one error exit: it maps err to a status and a safe, translated message,
// logs unexpected errors once with the request id, and renders the error page (JSON under
// /api/). err.Error() never reaches the user.
func (s *Server) fail(c *gin.Context, err error) {
	var he *httpError
	switch {
	case clientGone(c, err):
		s.hungUp(c, "handler", err)
		return
	case errors.As(err, &he):
	case errors.Is(err, store.ErrNotFound):
		he = errNotFound // whatever was asked for by id does not exist (or is not yours to see)
	case errors.Is(err, context.DeadlineExceeded):
		he = errUnavailable
		s.log.Warn("request timed out", "error", err, "request_id", requestID(c))
	default:
		he = errInternal
		s.log.Error("request failed", "error", err, "request_id", requestID(c), "path", c.Request.URL.Path)
	}
	tr := s.i18n.For(lang(c))
	if isAPI(c) {
		c.AbortWithStatusJSON(he.status, gin.H{"error": gin.H{"code": he.code, "message": tr.T(he.message)}})
		return
	}
	ch := s.chrome(c, "error.title")
	if signedIn(c) == nil {
		ch.User, ch.Nav = nil, nil
	}
	s.render(c, he.status, pages.Error(ch, view.ErrorPage{
		Status: he.status, Heading: tr.T("error.title"), Message: tr.T(he.message), RequestID: requestID(c),
	}))
	c.Abort()
}

// statusClientClosed is nginx's 499 "client closed request": what the access log and
// /metrics record for a request whose client went away before its answer was ready.
const statusClientClosed = 499

// clientGone reports whether err ended the request because its client went away: the
// request's context is cancelled when the connection closes. Whatever error the read or
// render that noticed it returned counts (SQLite's driver answers "interrupted" rather
// than wrapping context.Canceled), and so does a context.Canceled of the handler's own.
func clientGone(c *gin.Context, err error) bool {
	return errors.Is(err, context.Canceled) || webcore.ClientGone(c.Request.Context())
}

// hungUp ends a request whose client went away. Nothing is written (nobody reads it);
// the status is 499, so the access log says what happened at info and /metrics counts
// no server error; where it was noticed goes to the debug log.
func (s *Server) hungUp(c *gin.Context, where string, err error) {
	s.log.Debug("client closed the request", "where", where, "error", err, "request_id", requestID(c))
	c.Status(statusClientClosed)
	c.Abort()
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// pathID reads a positive integer id from the path (webcore.PathID); anything else is a
// 404.
func pathID(c *gin.Context, name string) (int64, error) {
	id, err := webcore.PathID(c, name)
	if err != nil {
		return 0, errNotFound
	}
	return id, nil
}

// apiError answers the API's error shape.
func (s *Server) apiError(c *gin.Context, status int, code, messageID string) {
	tr := s.i18n.For(lang(c))
	c.AbortWithStatusJSON(status, gin.H{"error": gin.H{"code": code, "message": tr.T(messageID)}})
}

// hideOutOfScope answers 404 for an object outside the user's organisation scope and
// records the attempt.
func (s *Server) hideOutOfScope(c *gin.Context, targetType, id string) {
	s.recordDenied(c, targetType, id, "target outside organisation scope")
	s.fail(c, errNotFound)
}

// recordDenied writes access.denied for a refusal decided by a use case.
func (s *Server) recordDenied(c *gin.Context, targetType, targetID, reason string) {
	if err := audit.Record(c.Request.Context(), s.db, meta(c), audit.Entry{
		Action: audit.AccessDenied, TargetType: targetType, TargetID: targetID, Outcome: audit.Denied,
		Details: map[string]any{"method": c.Request.Method, "path": c.Request.URL.Path, "reason": reason},
	}); err != nil {
		s.log.Error("cannot audit a denial", "error", err, "request_id", requestID(c))
	}
}

// opFail is the error exit for the maker-checker workflow's errors (Core.FailOperation).
// Out of scope answers like "not found" and a refusal by role answers 403; both are
// recorded as access.denied (the service does not write them). Self-approval is already
// recorded by the service. The workflow's refusals read as webcore.OperationError says;
// anything else fails as the areas' errors do.
func (s *Server) opFail(c *gin.Context, err error, targetType string, targetID string) {
	switch {
	case errors.Is(err, approval.ErrOutOfScope):
		s.hideOutOfScope(c, targetType, targetID)
		return
	case errors.Is(err, approval.ErrForbidden):
		s.recordDenied(c, targetType, targetID, "not allowed for this operation")
	}
	if oe := webcore.OperationError(err); oe != nil {
		err = oe
	}
	areaCore{s}.Fail(c, err)
}
