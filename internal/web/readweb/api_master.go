package readweb

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// apiMasterBalances is GET /api/v1/master/balances.
func (a *Area) apiMasterBalances(c *gin.Context) {
	ctx := c.Request.Context()
	all, err := a.read.Masters(ctx, webcore.MasterParam(c), a.masters.Hidden(ctx))
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	mb := readmodel.SumMasters(all)
	masters := make([]gin.H, 0, len(all))
	for _, m := range all {
		masters = append(masters, gin.H{"master_account_id": m.MasterAccountID, "debit": apiAmount(m.Debit), "credit": apiAmount(m.Credit),
			"currency": m.Currency, "synced_at": rfc3339(m.SyncedAt), "stale": m.Stale})
	}
	cur := mb.Currency
	if cur == "" {
		cur = money.DefaultCurrency
	}
	credits := make([]gin.H, 0, len(mb.Credits))
	for _, l := range mb.Credits {
		credits = append(credits, gin.H{"available": apiAmount(l.Available), "amount": apiAmount(l.Amount),
			"credit_amount": apiAmount(l.CreditAmount), "expire_time": rfc3339(l.ExpireTime)})
	}
	c.JSON(http.StatusOK, gin.H{
		"debit":     gin.H{"available": apiAmount(mb.Debit), "currency": cur},
		"credit":    gin.H{"available": apiAmount(mb.Credit), "currency": cur, "lines": credits},
		"synced_at": rfc3339(mb.SyncedAt),
		"stale":     mb.Stale,
		"masters":   masters,
	})
}
