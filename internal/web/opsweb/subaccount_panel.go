package opsweb

import (
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/web/templates/view"
)

// SubAccountPanel is the operations part of a sub-account's page (readweb's detail page,
// as its OpsPanel): the latest operations about it and the buttons that draft a
// transfer, a recovery or another kind for it.
func (a *Area) SubAccountPanel(c *gin.Context, sa *store.SubAccount) (view.SubAccountOps, error) {
	u := a.core.Subject(c)
	v := view.SubAccountOps{Enabled: a.ops != nil}
	if a.ops == nil {
		return v, nil
	}
	tr := a.core.Translator(c)
	q := "&sub_account_id=" + url.QueryEscape(sa.ID)
	v.AllHref = "/operations?view=all&sub_account_id=" + url.QueryEscape(sa.ID)
	if authz.Allowed(u, authz.CreateOperation, authz.Target{OrgPath: sa.OrgPath}) {
		v.CanCreate = true
		v.TransferHref = "/operations/new?kind=" + string(approval.KindTransferFunds) + q
		v.RecoverHref = "/operations/new?kind=" + string(approval.KindRetrieveFunds) + q
		for _, k := range approval.Kinds[2:] {
			v.Actions = append(v.Actions, view.Option{Value: "/operations/new?kind=" + string(k) + q, Label: kindLabel(tr, k)})
		}
	}
	page, err := a.ops.List(c.Request.Context(), a.actor(c), approval.Filter{SubAccountID: sa.ID, Limit: 10})
	if err != nil {
		return v, err
	}
	for _, o := range page.Items {
		v.Rows = append(v.Rows, opRow(tr, o))
	}
	return v, nil
}
