package web

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/web/templates/view"
)

// Flash messages across a redirect: a form post leaves one, the page after it shows it.

const flashCookie = "purser_flash"

var flashValue = regexp.MustCompile(`^(ok|info|error)\|(flash\.[a-z0-9_.]+)$`)

// setFlash leaves a one-time message for the page after the redirect. Only message ids
// travel in the cookie, never text, so nobody can make the portal say something else.
func (s *Server) setFlash(c *gin.Context, kind, id string) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: flashCookie, Value: kind + "|" + id, Path: "/", MaxAge: 60,
		HttpOnly: true, Secure: s.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode,
	})
}

// takeFlash reads and clears the message left by setFlash.
func (s *Server) takeFlash(c *gin.Context) *view.Flash {
	ck, err := c.Request.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: flashCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode,
	})
	m := flashValue.FindStringSubmatch(ck.Value)
	if m == nil {
		return nil
	}
	tr := s.i18n.For(lang(c))
	text := tr.T(m[2])
	if strings.HasPrefix(text, "[") {
		return nil
	}
	return &view.Flash{Kind: m[1], Text: text}
}

// page is the chrome of a page, with the flash message if one is waiting.
func (s *Server) page(c *gin.Context, titleKey string) view.Chrome {
	ch := s.chrome(c, titleKey)
	ch.Flash = s.takeFlash(c)
	return ch
}
