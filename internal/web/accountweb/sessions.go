package accountweb

import (
	"errors"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/users"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// profileEndSession is POST /profile/sessions/end: one of the own sessions; ending this
// one signs out.
func (a *Area) profileEndSession(c *gin.Context) {
	u, _ := a.core.User(c)
	id := strings.TrimSpace(c.PostForm("session_id"))
	if id == "" || len(id) > 128 {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	if err := a.users.EndSession(c.Request.Context(), u.ID, id, a.core.Meta(c)); err != nil {
		if errors.Is(err, users.ErrNotFound) {
			err = webcore.ErrNotFound
		}
		a.core.Fail(c, err)
		return
	}
	if id == session.ID(a.core.Session(c)) {
		a.core.Redirect(c, "/login?m=signed_out")
		return
	}
	a.core.Flash(c, "ok", "flash.id_session_ended")
	a.core.Redirect(c, "/profile")
}

// profileEndOthers is POST /profile/sessions/end-others: every own session but this one.
func (a *Area) profileEndOthers(c *gin.Context) {
	u, _ := a.core.User(c)
	if _, err := a.users.EndSessions(c.Request.Context(), u.ID, session.ID(a.core.Session(c)), a.core.Meta(c)); err != nil {
		a.core.Fail(c, err)
		return
	}
	a.core.Flash(c, "ok", "flash.id_sessions_ended")
	a.core.Redirect(c, "/profile")
}
