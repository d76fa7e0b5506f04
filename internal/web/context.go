package web

import (
	"github.com/gin-gonic/gin"
	"github.com/gorilla/sessions"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/store"
)

// Keys of values that middleware leaves in the gin context. Read them through the typed
// accessors below, never directly.
const (
	ctxRequestID = "purser.request_id"
	ctxNonce     = "purser.csp_nonce"
	ctxLang      = "purser.lang"
	ctxUser      = "purser.user"
	ctxSession   = "purser.session"
)

// currentUser is the person behind a request, loaded fresh from the database on every
// request so that role changes and disabling take effect at once.
type currentUser struct {
	*store.User
	Stage   session.Stage
	Subject authz.Subject
	ViaAPI  bool // authenticated by a bearer token
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }
func nonce(c *gin.Context) string     { return c.GetString(ctxNonce) }

func lang(c *gin.Context) string {
	if l := c.GetString(ctxLang); l != "" {
		return l
	}
	return i18n.English
}

func userOf(c *gin.Context) *currentUser {
	u, _ := c.Get(ctxUser)
	cu, _ := u.(*currentUser)
	return cu
}

// signedIn returns the fully signed-in user, or nil.
func signedIn(c *gin.Context) *currentUser {
	if u := userOf(c); u != nil && u.Stage == session.StageSigned {
		return u
	}
	return nil
}

func sessionOf(c *gin.Context) *sessions.Session {
	v, _ := c.Get(ctxSession)
	s, _ := v.(*sessions.Session)
	return s
}

// meta is the audit metadata of the request, acting as the signed-in user if any.
func meta(c *gin.Context) audit.Meta {
	m := audit.Meta{IP: c.ClientIP(), UserAgent: c.Request.UserAgent(), RequestID: requestID(c)}
	if u := userOf(c); u != nil {
		m = m.WithActor(u.ID, u.Username)
	}
	return m
}

// scopeOf is what the user's reads are limited to (authz.ScopeOf); nobody signed in
// sees nothing.
func scopeOf(u *currentUser) authz.QueryScope {
	if u == nil {
		return authz.QueryScope{}
	}
	return authz.ScopeOf(u.Subject)
}

// visible reports whether an object in orgPath is inside the user's scope, for the
// pages and actions on one object (lists are scoped in SQL). A scoped user does not see
// an object whose unit is unknown: deny by default.
func visible(u *currentUser, orgPath []string) bool { return scopeOf(u).Covers(orgPath) }

func subjectOf(u *store.User) authz.Subject {
	roles := make([]authz.Role, 0, len(u.Roles))
	for _, r := range u.Roles {
		roles = append(roles, authz.Role(r))
	}
	return authz.Subject{UserID: u.ID, Roles: roles, Scopes: u.Scopes}
}
