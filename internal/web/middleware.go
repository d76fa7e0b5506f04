package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// validRequestID accepts ids from a proxy in front of Purser; anything else is replaced.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestID gives every request an id, echoed in X-Request-Id, logged, shown on error
// pages and written into audit events.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if !validRequestID.MatchString(id) {
		id = uuid.NewString()
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-Id", id)
	c.Next()
}

// accessLog writes one line per request. The query string is left out: it may hold
// search terms that are nobody's business in a log.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	path := c.Request.URL.Path
	if strings.HasPrefix(path, "/invite/") {
		path = "/invite/…" // the path is the invitation's secret
	}
	s.log.Info("request",
		"method", c.Request.Method, "path", path, "route", route,
		"status", c.Writer.Status(), "duration_ms", time.Since(start).Milliseconds(),
		"request_id", requestID(c), "ip", c.ClientIP())
}

// recovery turns a panic into the error page and a log line with the request id.
func (s *Server) recovery(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if err, ok := r.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(r)
			}
			s.fail(c, fmt.Errorf("panic: %v", r))
		}
	}()
	c.Next()
}

// securityHeaders sets the headers every response carries. Scripts run only from our own
// origin or with this response's nonce; nothing may frame the portal.
func (s *Server) securityHeaders(c *gin.Context) {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	n := base64.RawStdEncoding.EncodeToString(b)
	c.Set(ctxNonce, n)
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-"+n+"'; style-src 'self'; "+
		"img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.cfg.SecureCookies() {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	if !strings.HasPrefix(c.Request.URL.Path, "/static/") {
		h.Set("Cache-Control", "no-store")
	}
	c.Next()
}

// language picks the page language: the switch's cookie, then Accept-Language.
func (s *Server) language(c *gin.Context) {
	c.Set(ctxLang, i18n.Pick(c.Request))
	c.Next()
}

// loadUser finds who is asking: a bearer token on the JSON API, the session cookie
// elsewhere. The user row is read on every request: roles, scopes and the disabled flag
// are never cached in the session.
func (s *Server) loadUser(c *gin.Context) {
	if isAPI(c) {
		s.loadTokenUser(c)
		return
	}
	c.Request = c.Request.WithContext(session.WithClientIP(c.Request.Context(), c.ClientIP()))
	// The session row and its user in one round trip (see Store.Load).
	sess, u, err := s.sessions.Load(c.Request)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(ctxSession, sess)
	uid, ok := session.UserID(sess)
	if !ok {
		c.Next()
		return
	}
	if u == nil || u.ID != uid { // the row's user is the session's: read it alone if ever not
		u, err = s.db.UserByID(c.Request.Context(), uid)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.fail(c, err)
			return
		}
	}
	if u == nil || u.Disabled {
		// The account is gone or disabled: the session ends now.
		s.sessions.Destroy(sess)
		if err := sess.Save(c.Request, c.Writer); err != nil {
			s.fail(c, err)
			return
		}
		c.Next()
		return
	}
	stage := session.StageOf(sess)
	if stage == session.StageCode && s.now().Sub(session.AuthAt(sess)) > codeStepTimeout {
		stage = "" // the code step waited too long; start over
	}
	c.Set(ctxUser, &currentUser{User: u, Stage: stage, Subject: subjectOf(u)})
	c.Next()
}

// codeStepTimeout bounds the time between a right password and its second factor.
const codeStepTimeout = 5 * time.Minute

func (s *Server) loadTokenUser(c *gin.Context) {
	raw, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(raw) == "" {
		c.Next()
		return
	}
	ctx := c.Request.Context()
	tok, err := s.db.APITokenByHash(ctx, auth.HashAPIToken(raw))
	now := s.now()
	if err == nil && (tok.RevokedAt != nil || (tok.ExpiresAt != nil && !now.Before(*tok.ExpiresAt))) {
		err = store.ErrNotFound
	}
	var u *store.User
	if err == nil {
		u, err = s.db.UserByID(ctx, tok.UserID)
		if err == nil && u.Disabled {
			err = store.ErrNotFound
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		s.deny(c, http.StatusUnauthorized, "", "invalid, expired or revoked API token")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) > time.Minute {
		if err := s.db.TouchAPIToken(ctx, tok.ID, now); err != nil {
			webcore.Degraded(c.Request.Context(), s.log, "cannot record API token use", "error", err, "request_id", requestID(c))
		}
	}
	c.Set(ctxUser, &currentUser{User: u, Stage: session.StageSigned, Subject: subjectOf(u), ViaAPI: true})
	c.Next()
}

// crossOrigin refuses state-changing requests that a browser marks as cross-site
// (Sec-Fetch-Site, or an Origin that is not ours): the CSRF defence, with SameSite
// cookies as a second layer. API clients with bearer tokens send neither header.
func (s *Server) crossOrigin(c *gin.Context) {
	if err := s.cop.Check(c.Request); err != nil {
		s.deny(c, http.StatusForbidden, "", "cross-origin request refused")
		return
	}
	c.Next()
}

// authorize enforces the route's permission through authz.Can. Handlers that act on one
// object call Can again with that object as the target (org scope, ownership).
func (s *Server) authorize(r route) gin.HandlerFunc {
	return func(c *gin.Context) {
		if r.action == authz.ViewHealth || r.action == authz.AuthenticatePublic {
			c.Next()
			return
		}
		u := userOf(c)
		switch {
		case u == nil || u.Stage == "":
			s.needSignIn(c)
			return
		case u.Stage == session.StageCode:
			s.redirect(c, "/login/totp")
			return
		case u.Stage == session.StageEnrol && !r.enrolling:
			s.redirect(c, "/profile/totp")
			return
		}
		if d := authz.Can(u.Subject, r.action, authz.Target{}); !d.Allowed {
			s.deny(c, http.StatusForbidden, r.action, d.Reason)
			return
		}
		c.Next()
	}
}

// needSignIn sends a browser to the sign-in page (coming back afterwards) and answers 401
// on the API.
func (s *Server) needSignIn(c *gin.Context) {
	if isAPI(c) {
		s.deny(c, http.StatusUnauthorized, "", "no credentials")
		return
	}
	next := ""
	if c.Request.Method == http.MethodGet {
		next = c.Request.URL.RequestURI()
	}
	target := "/login"
	if next != "" && next != "/" {
		target += "?next=" + urlQueryEscape(next)
	}
	s.redirect(c, target)
}

// deny answers 401/403 and writes access.denied: every refusal is in the audit trail.
func (s *Server) deny(c *gin.Context, status int, action authz.Action, reason string) {
	details := map[string]any{"method": c.Request.Method, "path": c.Request.URL.Path, "reason": reason}
	if action != "" {
		details["permission"] = string(action)
	}
	if err := audit.Record(c.Request.Context(), s.db, meta(c), audit.Entry{
		Action: audit.AccessDenied, TargetType: "route", TargetID: c.Request.Method + " " + c.FullPath(),
		Outcome: audit.Denied, Details: details,
	}); err != nil {
		s.log.Error("cannot audit a denial", "error", err, "request_id", requestID(c))
	}
	if status == http.StatusUnauthorized {
		s.fail(c, errUnauthorized)
		return
	}
	s.fail(c, errForbidden)
}

func isAPI(c *gin.Context) bool { return strings.HasPrefix(c.Request.URL.Path, "/api/") }

// redirect answers 303 See Other: after a POST the browser GETs the target.
func (s *Server) redirect(c *gin.Context, to string) {
	c.Redirect(http.StatusSeeOther, to)
	c.Abort()
}
