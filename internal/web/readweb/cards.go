package readweb

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The stored-value card list, GET /cards.

// cardFilter reads the card list's filters; an unknown status is "any".
func (a *Area) cardFilter(c *gin.Context) store.CardFilter {
	f := store.CardFilter{MasterAccountID: webcore.MasterParam(c), HiddenMasters: a.masters.Hidden(c.Request.Context()), Status: queryInt(c, "status", 0)}
	if f.Status != 1 && f.Status != 2 {
		f.Status = 0
	}
	return f
}

func (a *Area) cardList(c *gin.Context) {
	tr := a.core.Translator(c)
	f := a.cardFilter(c)
	status, master := f.Status, f.MasterAccountID
	f.Cursor, f.Limit = c.Query("cursor"), webcore.ListPageSize
	res, err := a.read.Cards(c.Request.Context(), a.core.Scope(c), f)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	q := url.Values{}
	setIf(q, "status", statusParam(status))
	setIf(q, "master", master)
	v := view.CardList{
		Status: statusParam(status), Total: webcore.FormatInt(res.Total),
		Statuses: []view.Option{
			{Value: "", Label: tr.T("card.any_status"), Selected: status == 0},
			{Value: "1", Label: tr.T("card.status.1"), Selected: status == 1},
			{Value: "2", Label: tr.T("card.status.2"), Selected: status == 2},
		},
		Pager:   keysetPager(tr, "/cards", q, res),
		Exports: a.exportLinks(c, "/cards/export", q),
		AsOf:    a.asOf(c, a.syncRuns(c), []string{"cards"}, nil, ""),
		Masters: a.masters.Options(c, master),
	}
	for _, r := range res.Items {
		v.Rows = append(v.Rows, cardRow(tr, r))
	}
	a.core.Render(c, http.StatusOK, pages.Cards(a.core.Page(c, "nav.cards"), v))
}

func cardRow(tr *i18n.Translator, r store.StoredValueCard) view.CardRow {
	kind := "ok"
	if r.Status == 2 {
		kind = ""
	}
	return view.CardRow{
		ID: r.CardID, Name: r.Name, FaceValue: r.FaceValue.Format(), Balance: r.Balance.Format(),
		Effective: webcore.FormatDate(r.Effective), Expire: webcore.FormatDate(r.Expire),
		Status:  view.Badge{Text: statusLabel(tr, "card.status.", r.Status), Kind: kind},
		UsedPct: usedPct(r.FaceValue.Decimal().Sub(r.Balance.Decimal()), r.FaceValue.Decimal()),
	}
}
