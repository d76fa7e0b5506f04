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

// The resource package list, GET /packages.

func (a *Area) packageFilter(c *gin.Context) store.PackageFilter {
	return store.PackageFilter{MasterAccountID: webcore.MasterParam(c), HiddenMasters: a.masters.Hidden(c.Request.Context()), Q: webcore.QueryText(c, "q")}
}

func (a *Area) packageList(c *gin.Context) {
	tr := a.core.Translator(c)
	f := a.packageFilter(c)
	q, master := f.Q, f.MasterAccountID
	f.Cursor, f.Limit = c.Query("cursor"), webcore.ListPageSize
	res, err := a.read.Packages(c.Request.Context(), a.core.Scope(c), f)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	qs := url.Values{}
	setIf(qs, "q", q)
	setIf(qs, "master", master)
	v := view.PackageList{
		Q: q, Total: webcore.FormatInt(res.Total),
		Pager:   keysetPager(tr, "/packages", qs, res),
		Exports: a.exportLinks(c, "/packages/export", qs),
		AsOf:    a.asOf(c, a.syncRuns(c), []string{"packages"}, nil, ""),
		Masters: a.masters.Options(c, master),
	}
	for _, p := range res.Items {
		v.Rows = append(v.Rows, packageRow(tr, p))
	}
	a.core.Render(c, http.StatusOK, pages.Packages(a.core.Page(c, "nav.packages"), v))
}

func packageRow(tr *i18n.Translator, p store.PackageUsage) view.PackageRow {
	svc := p.ServiceTypeName
	if svc == "" {
		svc = p.ServiceType
	}
	used := p.Original.Sub(p.Remaining)
	kind := ""
	switch p.Status {
	case 1:
		kind = "ok"
	case 3:
		kind = "warn"
	}
	return view.PackageRow{
		ID: p.FreeResourceID, Product: p.ProductName, Service: svc, Region: p.Region, UsageType: p.UsageTypeName,
		Original: p.Original.String(), Remaining: p.Remaining.String(), Used: used.String(),
		UsedPct: usedPct(used, p.Original), Effective: webcore.FormatDate(p.Effective), Expire: webcore.FormatDate(p.Expire),
		Status: view.Badge{Text: statusLabel(tr, "pkg.status.", p.Status), Kind: kind},
	}
}
