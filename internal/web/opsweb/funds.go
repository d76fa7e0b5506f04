package opsweb

import (
	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// fundsFacts are the lines a transfer or recovery form shows beside what Huawei Cloud
// showed: when it was read, what pending and approved operations reserve of it and what
// is free for a new request (the figure a draft is checked against). prefix names the
// lines' test ids ("master" or "sub").
func (a *Area) fundsFacts(c *gin.Context, tr *i18n.Translator, q approval.FundsQuery, prefix string) ([]view.Fact, error) {
	f, err := a.ops.Funds(c.Request.Context(), a.actor(c), q)
	if err != nil {
		return nil, err
	}
	asOf := tr.T("op.funds_not_read")
	if f.AsOf != nil {
		asOf = webcore.FormatTimePtr(f.AsOf, a.core.Translator(c).Lang)
	}
	facts := []view.Fact{{Label: tr.T("op.funds_as_of"), Value: asOf, Test: prefix + "-as-of"}}
	if f.AsOf == nil {
		return facts, nil
	}
	return append(facts,
		view.Fact{Label: tr.T("op.funds_reserved"), Value: f.Reserved.Format() + " CNY", Test: prefix + "-reserved"},
		view.Fact{Label: tr.T("op.funds_free"), Value: f.Free.Format() + " CNY", Test: prefix + "-free"}), nil
}
