package readweb

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
)

// defaultLowBalance is the alert level of sub-accounts without their own threshold when
// the settings set none.
var defaultLowBalance = money.New(decimal.NewFromInt(1000), money.DefaultCurrency)

// lowBalanceDefault is the default low-balance threshold of the settings, or the built-in
// one when none is set.
func (a *Area) lowBalanceDefault(ctx context.Context) money.Amount {
	if a.settings != nil {
		if st, err := a.settings.Get(ctx); err == nil && st.Balance.LowThreshold.IsPositive() {
			return st.Balance.LowThreshold
		}
	}
	return defaultLowBalance
}

// thresholdOf is the low-balance alert level that applies to a sub-account: its own, or
// the default of the settings (def).
func thresholdOf(sa store.SubAccount, def money.Amount) money.Amount {
	if sa.LowBalanceThreshold != nil {
		return *sa.LowBalanceThreshold
	}
	return def
}

// setThreshold is POST /sub-accounts/:id/threshold (form: threshold; empty restores the
// default). The change and its audit event commit together.
func (a *Area) setThreshold(c *gin.Context) {
	sa, err := a.scopedSubAccount(c, c.Param("id"))
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	tr := a.core.Translator(c)
	input := strings.TrimSpace(c.PostForm("threshold"))
	var t *money.Amount
	if input != "" {
		d, err := money.ParseNumber(input)
		switch {
		case errors.Is(err, money.ErrGrouping):
			a.thresholdError(c, sa, input, tr.T("op.err.amount_grouping"))
			return
		case err != nil:
			a.thresholdError(c, sa, input, tr.T("sa.threshold_invalid"))
			return
		case d.IsNegative():
			a.thresholdError(c, sa, input, tr.T("sa.threshold_negative"))
			return
		case d.GreaterThan(money.MaxAmount):
			a.thresholdError(c, sa, input, tr.T("sa.threshold_too_large"))
			return
		}
		amt := money.New(d, sa.Currency)
		t = &amt
	}
	old := ""
	if sa.LowBalanceThreshold != nil {
		old = sa.LowBalanceThreshold.String()
	}
	newValue := ""
	if t != nil {
		newValue = t.String()
	}
	ctx := c.Request.Context()
	err = a.db.InTx(ctx, func(tx *store.DB) error {
		if err := tx.SetLowBalanceThreshold(ctx, sa.ID, t); err != nil {
			return err
		}
		return audit.Record(ctx, tx, a.core.Meta(c), audit.Entry{
			Action: audit.SubAccountUpdate, TargetType: "sub_account", TargetID: sa.ID, Outcome: audit.Success,
			Details: map[string]any{"field": "low_balance_threshold", "old": old, "new": newValue},
		})
	})
	if errors.Is(err, store.ErrNotFound) {
		a.core.Fail(c, webcore.ErrNotFound)
		return
	}
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	a.core.Flash(c, "ok", "flash.threshold_saved")
	a.core.Redirect(c, "/sub-accounts/"+url.PathEscape(sa.ID))
}

// thresholdError shows the detail page again with the input and the reason.
func (a *Area) thresholdError(c *gin.Context, sa *store.SubAccount, input, reason string) {
	v, err := a.subAccountView(c, sa)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	v.Threshold.Input, v.Threshold.Error = input, reason
	a.core.Render(c, http.StatusUnprocessableEntity, pages.SubAccount(a.core.Page(c, "sa.detail_title"), v))
}
