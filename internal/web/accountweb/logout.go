package accountweb

import (
	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
)

// logout is POST /logout: audited, then the session ends on the server (Core.SignOut),
// so the cookie is worthless even if copied.
func (a *Area) logout(c *gin.Context) {
	if u, _ := a.core.User(c); u != nil {
		if err := audit.Record(c.Request.Context(), a.db, a.core.Meta(c), audit.Entry{
			Action: audit.AuthLogout, TargetType: "user", TargetID: itoa(u.ID), Outcome: audit.Success,
		}); err != nil {
			a.core.Fail(c, err)
			return
		}
	}
	if err := a.core.SignOut(c); err != nil {
		a.core.Fail(c, err)
		return
	}
	a.core.Redirect(c, "/login?m=signed_out")
}
