package adminweb

import (
	"github.com/gin-gonic/gin"
)

// The changes of an upstream account, each behind a step-up; a refusal shows the form
// again (upstreamRefused).

// upstreamCreate is POST /admin/upstream.
func (a *Area) upstreamCreate(c *gin.Context) {
	in, v := upstreamInput(c)
	up, stepErr := a.core.StepUp(c)
	if stepErr != "" {
		a.upstreamRefused(c, v, 0, nil, stepErr)
		return
	}
	acct, err := a.accounts.Create(c.Request.Context(), in, a.core.Meta(c), up)
	if err != nil {
		a.upstreamRefused(c, v, 0, err, "")
		return
	}
	a.core.Flash(c, "ok", "flash.id_upstream_saved")
	a.core.Redirect(c, "/admin/upstream/"+itoa(acct.ID))
}

// upstreamSave is POST /admin/upstream/:id. The kind is fixed; an empty SK keeps the
// stored one.
func (a *Area) upstreamSave(c *gin.Context) {
	id, cur, ok := a.upstreamFromPath(c)
	if !ok {
		return
	}
	in, v := upstreamInput(c)
	v.ID, v.HasSecret = cur.ID, cur.HasSecret
	in.Kind, v.Kind = cur.Kind, cur.Kind
	up, stepErr := a.core.StepUp(c)
	if stepErr != "" {
		a.upstreamRefused(c, v, id, nil, stepErr)
		return
	}
	if _, err := a.accounts.Update(c.Request.Context(), id, in, a.core.Meta(c), up); err != nil {
		a.upstreamRefused(c, v, id, err, "")
		return
	}
	a.core.Flash(c, "ok", "flash.id_upstream_saved")
	a.core.Redirect(c, "/admin/upstream/"+itoa(id))
}

// upstreamDelete is POST /admin/upstream/:id/delete.
func (a *Area) upstreamDelete(c *gin.Context) {
	id, v, ok := a.upstreamFromPath(c)
	if !ok {
		return
	}
	up, stepErr := a.core.StepUp(c)
	if stepErr != "" {
		a.upstreamRefused(c, v, id, nil, stepErr)
		return
	}
	if err := a.accounts.Delete(c.Request.Context(), id, a.core.Meta(c), up); err != nil {
		a.upstreamRefused(c, v, id, err, "")
		return
	}
	a.core.Flash(c, "ok", "flash.id_upstream_deleted")
	a.core.Redirect(c, "/admin/upstream")
}
