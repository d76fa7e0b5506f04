package readweb

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The catalogues, GET /catalog: service types, resource types, usage types, each with
// its children one click down.

// catalogKinds in drill-down order; each kind's children are of the next kind.
var catalogKinds = []string{"service_type", "resource_type", "usage_type", "service_resource"}

// catalogChild is the kind listed under an entry of kind k ("" for leaves).
func catalogChild(k string) string {
	switch k {
	case "service_type":
		return "resource_type"
	case "resource_type":
		return "usage_type"
	}
	return ""
}

func catalogLang(l string) string {
	if l == i18n.Chinese {
		return "zh_CN"
	}
	return "en_US"
}

// catalogFilter reads the catalogue's filters; an unknown kind is the service types.
func catalogFilter(c *gin.Context, tr *i18n.Translator, parent string) store.CatalogFilter {
	f := store.CatalogFilter{Kind: c.Query("kind"), Lang: catalogLang(tr.Lang), Parent: parent, Q: webcore.QueryText(c, "q")}
	if !slices.Contains(catalogKinds, f.Kind) {
		f.Kind = "service_type"
	}
	return f
}

func (a *Area) catalogList(c *gin.Context) {
	tr := a.core.Translator(c)
	f := catalogFilter(c, tr, strings.TrimSpace(c.Query("parent")))
	kind, parent, q := f.Kind, f.Parent, f.Q
	f.Cursor, f.Limit = c.Query("cursor"), webcore.ListPageSize
	res, err := a.read.Catalog(c.Request.Context(), f)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	qs := url.Values{}
	if kind != "service_type" {
		qs.Set("kind", kind)
	}
	setIf(qs, "parent", parent)
	setIf(qs, "q", q)
	v := view.CatalogList{
		Kind: kind, Parent: parent, Q: q, Total: webcore.FormatInt(res.Total),
		Pager:   keysetPager(tr, "/catalog", qs, res),
		Exports: a.exportLinks(c, "/catalog/export", qs),
		AsOf:    a.asOf(c, a.syncRuns(c), []string{"catalog"}, nil, ""),
	}
	for _, k := range catalogKinds {
		v.Kinds = append(v.Kinds, view.Option{Value: k, Label: tr.T("catalog.kind." + k), Selected: k == kind})
	}
	v.Crumbs = []view.Crumb{{Label: tr.T("catalog.kind.service_type"), Href: "/catalog"}}
	if parent != "" {
		v.Crumbs = append(v.Crumbs, view.Crumb{Label: parent})
	}
	child := catalogChild(kind)
	if child != "" {
		v.ChildLabel = tr.T("catalog.kind." + child)
	}
	for _, e := range res.Items {
		row := view.CatalogRow{Key: e.Code + "/" + e.Parent, Code: e.Code, Name: e.Name, Description: e.Description, Parent: e.Parent, Extra: e.Extra}
		if child != "" {
			row.ChildHref = "/catalog?" + url.Values{"kind": {child}, "parent": {e.Code}}.Encode()
		}
		v.Rows = append(v.Rows, row)
	}
	a.core.Render(c, http.StatusOK, pages.Catalog(a.core.Page(c, "nav.catalog"), v))
}
