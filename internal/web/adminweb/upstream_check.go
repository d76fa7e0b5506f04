package adminweb

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// upstreamTest is POST /admin/upstream/:id/test: one read operation with the stored
// credentials, its outcome shown on the account's page (a read: no step-up; audited
// upstream_account.test by the use case).
func (a *Area) upstreamTest(c *gin.Context) {
	id, v, ok := a.upstreamFromPath(c)
	if !ok {
		return
	}
	res, err := a.accounts.TestConnection(c.Request.Context(), id, a.core.Meta(c))
	if err != nil {
		a.failUpstream(c, err)
		return
	}
	tr := a.core.Translator(c)
	t := &view.ConnectionTest{OK: res.OK, Message: tr.T(res.MessageID), Code: res.Code, RequestID: res.RequestID}
	if res.OK {
		t.Info = tr.T("identity.upstream.test_info", map[string]any{"Ms": res.Latency.Milliseconds(), "Amount": res.Available.Format(), "Currency": res.Currency})
	}
	v.Test = t
	a.core.Render(c, http.StatusOK, pages.UpstreamEdit(a.core.Page(c, "identity.upstream.edit"), v))
}
