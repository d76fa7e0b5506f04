package opsweb

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// subAccountSuggest is GET /operations/pick/sub-accounts?q=…: the sub-accounts the maker
// may name whose name or display name contains the text or whose id starts with it, as
// buttons that pick one (an HTML fragment for htmx). The box sends itself as
// sub_account_id, the form field it is.
func (a *Area) subAccountSuggest(c *gin.Context) {
	tr := a.core.Translator(c)
	q, ok := c.GetQuery("q")
	if !ok {
		q = c.Query("sub_account_id")
	}
	picks, err := a.read.PickSubAccounts(c.Request.Context(), a.core.Scope(c), strings.TrimSpace(q), a.masters.Hidden(c.Request.Context()), pickSuggestMax)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	v := view.SubAccountSuggestions{Rows: subAccountChoices(picks.Rows)}
	if len(v.Rows) == 0 {
		v.Empty = tr.T("pick.sa_no_match")
	}
	if picks.More {
		v.More = tr.T("pick.sa_more")
	}
	a.core.Render(c, http.StatusOK, pages.SubAccountSuggestions(tr, v))
}
