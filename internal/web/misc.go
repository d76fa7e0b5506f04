package web

import (
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/static"
)

// staticFile serves embedded assets. Versioned URLs (?v=hash) are immutable for a year.
func (s *Server) staticFile(c *gin.Context) {
	name := strings.TrimPrefix(path.Clean(c.Param("file")), "/")
	b, err := fs.ReadFile(static.FS, name)
	if err != nil {
		s.fail(c, errNotFound)
		return
	}
	if c.Query("v") != "" && c.Query("v") == s.assets[name] {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "public, max-age=300")
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	c.Data(http.StatusOK, ctype, b)
}

func (s *Server) favicon(c *gin.Context) {
	c.Redirect(http.StatusMovedPermanently, s.asset("favicon.svg"))
}

// setLanguage remembers the language chosen with the switch for a year.
func (s *Server) setLanguage(c *gin.Context) {
	l := c.PostForm("lang")
	if !i18n.Valid(l) {
		s.fail(c, errBadRequest)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: i18n.CookieName, Value: l, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true, Secure: s.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode,
	})
	// A signed-in user's choice is also remembered on the server: their e-mail
	// notifications are written in it. A failure costs only that, not the switch.
	if u := signedIn(c); u != nil && u.Language != l {
		if err := s.db.SetUserLanguage(c.Request.Context(), u.ID, l); err != nil {
			webcore.Degraded(c.Request.Context(), s.log, "cannot remember the user's language", "error", err, "request_id", requestID(c))
		}
	}
	s.redirect(c, safeNext(c.PostForm("next")))
}

// apiMe answers who the bearer token belongs to: the smallest useful API call, and the
// check that a new token works.
func (s *Server) apiMe(c *gin.Context) {
	u := userOf(c)
	c.JSON(http.StatusOK, gin.H{
		"id": u.ID, "username": u.Username, "display_name": u.DisplayName, "roles": u.Roles, "org_scopes": u.Scopes,
	})
}
