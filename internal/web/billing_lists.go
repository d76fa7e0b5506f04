package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The billing lists: coupons, stored-value cards, resources, resource packages and the
// catalogues. All read the cache, page by offset (their sizes are modest) and keep their
// filters in the URL so that exports and bookmarks see the same rows.

// holders reads the sub-accounts that hold listed objects (readmodel.Reader.Holders).
func (s *Server) holders(ctx context.Context, ids []string) (map[string]*store.SubAccount, error) {
	return s.read.Holders(ctx, ids)
}

func holderName(tr *i18n.Translator, id string, h map[string]*store.SubAccount) (name, href string) {
	if id == "" {
		return tr.T("read.master"), ""
	}
	if sa := h[id]; sa != nil {
		n := sa.DisplayName
		if n == "" {
			n = sa.Name
		}
		return n, "/sub-accounts/" + url.PathEscape(id)
	}
	return id, ""
}

func couponRow(tr *i18n.Translator, cp store.Coupon, now time.Time, h map[string]*store.SubAccount) view.CouponRow {
	name, href := holderName(tr, cp.SubAccountID, h)
	return view.CouponRow{
		CouponID: cp.CouponID, SubCouponID: cp.SubCouponID, Holder: name, HolderHref: href, Plan: cp.PlanName,
		Balance: cp.Balance.Format(), Effective: fmtDate(cp.Effective), Expire: fmtDate(cp.Expire),
		ExpireSoon: expiresSoon(cp.Expire, now),
	}
}

func resourceRow(tr *i18n.Translator, r store.Resource, now time.Time, h map[string]*store.SubAccount) view.ResourceRow {
	acct, href := holderName(tr, r.AccountID, h)
	if h != nil && h[r.AccountID] == nil {
		acct = tr.T("read.master") // not a sub-account: the master's own resource
	}
	svc := r.ServiceTypeName
	if svc == "" {
		svc = r.ServiceType
	}
	typ := r.ResourceTypeName
	if typ == "" {
		typ = r.ResourceType
	}
	row := view.ResourceRow{
		ID: r.ResourceID, Name: r.Name, Account: acct, AccountHref: href, Region: r.Region, Service: svc, Type: typ,
		Spec: r.SpecDesc, Effective: fmtDate(r.Effective), Expire: fmtDate(r.Expire),
		Policy: expirePolicy(tr, r.ExpirePolicy), Status: resourceStatus(tr, r.Status),
		ExpireSoon: expiresSoon(r.Expire, now),
	}
	if r.Expire != nil {
		days := int(r.Expire.Sub(now).Hours() / 24)
		switch {
		case r.Expire.Before(now):
			row.ExpiresIn = tr.T("res.expired_ago", map[string]any{"Days": -days})
		default:
			row.ExpiresIn = tr.T("res.expires_in", map[string]any{"Days": days})
		}
	}
	return row
}

// --- coupons ---

func (s *Server) couponFilter(c *gin.Context) (store.CouponFilter, string) {
	f := store.CouponFilter{Q: queryText(c, "q"), MasterAccountID: masterParam(c), HiddenMasters: s.hiddenMasters(c)}
	holder := c.Query("holder")
	switch holder {
	case "", "all":
		holder = "all"
		f.AllHolders = true
	case "master":
	default:
		f.SubAccountID = holder
	}
	return f, holder
}

func (s *Server) couponList(c *gin.Context) {
	u := signedIn(c)
	tr := s.i18n.For(lang(c))
	ctx := c.Request.Context()
	f, holder := s.couponFilter(c)
	if f.SubAccountID != "" {
		if _, ok := s.scopedSubAccount(c, f.SubAccountID); !ok {
			return
		}
	}
	page := max(queryInt(c, "page", 1), 1)
	f.Offset, f.Limit = (page-1)*listPageSize, listPageSize
	res, err := s.read.Coupons(ctx, scopeOf(u), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, total, h := res.Rows, res.Total, res.Holders
	q := url.Values{}
	setIf(q, "q", f.Q)
	setIf(q, "master", f.MasterAccountID)
	if holder != "all" {
		q.Set("holder", holder)
	}
	v := view.CouponList{
		Q: f.Q, Holder: holder, Total: fmtInt(total),
		Holders: []view.Option{
			{Value: "all", Label: tr.T("coupon.holder_all"), Selected: holder == "all"},
			{Value: "master", Label: tr.T("coupon.holder_master"), Selected: holder == "master"},
		},
		Pager:   offsetPager(tr, "/coupons", q, page, listPageSize, total),
		Exports: exportLinks(c, "/coupons/export", q),
		AsOf:    s.asOf(c, s.syncRuns(c), []string{"coupons"}, nil, ""),
		Masters: s.masterFilterOptions(c, f.MasterAccountID),
	}
	if f.SubAccountID != "" {
		name, _ := holderName(tr, f.SubAccountID, h)
		v.Holders = append(v.Holders, view.Option{Value: f.SubAccountID, Label: name, Selected: true})
	}
	now := s.now()
	for _, r := range rows {
		v.Rows = append(v.Rows, couponRow(tr, r, now, h))
	}
	s.render(c, http.StatusOK, pages.Coupons(s.page(c, "nav.coupons"), v))
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

// --- stored-value cards ---

// cardFilter reads the card list's filters; an unknown status is "any".
func (s *Server) cardFilter(c *gin.Context) readmodel.CardFilter {
	f := readmodel.CardFilter{Master: masterParam(c), HiddenMasters: s.hiddenMasters(c), Status: queryInt(c, "status", 0)}
	if f.Status != 1 && f.Status != 2 {
		f.Status = 0
	}
	return f
}

func (s *Server) cardList(c *gin.Context) {
	tr := s.i18n.For(lang(c))
	f := s.cardFilter(c)
	status, master := f.Status, f.Master
	page := max(queryInt(c, "page", 1), 1)
	f.Offset, f.Limit = (page-1)*listPageSize, listPageSize
	res, err := s.read.Cards(c.Request.Context(), scopeOf(signedIn(c)), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, total := res.Rows, res.Total
	q := url.Values{}
	setIf(q, "status", statusParam(status))
	setIf(q, "master", master)
	v := view.CardList{
		Status: statusParam(status), Total: fmtInt(total),
		Statuses: []view.Option{
			{Value: "", Label: tr.T("card.any_status"), Selected: status == 0},
			{Value: "1", Label: tr.T("card.status.1"), Selected: status == 1},
			{Value: "2", Label: tr.T("card.status.2"), Selected: status == 2},
		},
		Pager:   offsetPager(tr, "/cards", q, page, listPageSize, total),
		Exports: exportLinks(c, "/cards/export", q),
		AsOf:    s.asOf(c, s.syncRuns(c), []string{"cards"}, nil, ""),
		Masters: s.masterFilterOptions(c, master),
	}
	for _, r := range rows {
		v.Rows = append(v.Rows, cardRow(tr, r))
	}
	s.render(c, http.StatusOK, pages.Cards(s.page(c, "nav.cards"), v))
}

func cardRow(tr *i18n.Translator, r store.StoredValueCard) view.CardRow {
	kind := "ok"
	if r.Status == 2 {
		kind = ""
	}
	return view.CardRow{
		ID: r.CardID, Name: r.Name, FaceValue: r.FaceValue.Format(), Balance: r.Balance.Format(),
		Effective: fmtDate(r.Effective), Expire: fmtDate(r.Expire),
		Status:  view.Badge{Text: statusLabel(tr, "card.status.", r.Status), Kind: kind},
		UsedPct: usedPct(r.FaceValue.Decimal().Sub(r.Balance.Decimal()), r.FaceValue.Decimal()),
	}
}

// usedPct is used/total as a whole percentage in 0–100.
func usedPct(used, total decimal.Decimal) int {
	if !total.IsPositive() {
		return 0
	}
	p := used.Mul(decimal.NewFromInt(100)).Div(total).Round(0).IntPart()
	return int(min(max(p, 0), 100))
}

// --- resource packages ---

func (s *Server) packageFilter(c *gin.Context) readmodel.PackageFilter {
	return readmodel.PackageFilter{Master: masterParam(c), HiddenMasters: s.hiddenMasters(c), Q: queryText(c, "q")}
}

func (s *Server) packageList(c *gin.Context) {
	tr := s.i18n.For(lang(c))
	f := s.packageFilter(c)
	q, master := f.Q, f.Master
	page := max(queryInt(c, "page", 1), 1)
	f.Offset, f.Limit = (page-1)*listPageSize, listPageSize
	res, err := s.read.Packages(c.Request.Context(), scopeOf(signedIn(c)), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, total := res.Rows, res.Total
	qs := url.Values{}
	setIf(qs, "q", q)
	setIf(qs, "master", master)
	v := view.PackageList{
		Q: q, Total: fmtInt(total),
		Pager:   offsetPager(tr, "/packages", qs, page, listPageSize, total),
		Exports: exportLinks(c, "/packages/export", qs),
		AsOf:    s.asOf(c, s.syncRuns(c), []string{"packages"}, nil, ""),
		Masters: s.masterFilterOptions(c, master),
	}
	for _, p := range rows {
		v.Rows = append(v.Rows, packageRow(tr, p))
	}
	s.render(c, http.StatusOK, pages.Packages(s.page(c, "nav.packages"), v))
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
		Product: p.ProductName, Service: svc, Region: p.Region, UsageType: p.UsageTypeName,
		Original: p.Original.String(), Remaining: p.Remaining.String(), Used: used.String(),
		UsedPct: usedPct(used, p.Original), Effective: fmtDate(p.Effective), Expire: fmtDate(p.Expire),
		Status: view.Badge{Text: statusLabel(tr, "pkg.status.", p.Status), Kind: kind},
	}
}

// --- catalogues ---

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
func catalogFilter(c *gin.Context, tr *i18n.Translator, parent string) readmodel.CatalogFilter {
	f := readmodel.CatalogFilter{Kind: c.Query("kind"), Lang: catalogLang(tr.Lang), Parent: parent, Q: queryText(c, "q")}
	if !slices.Contains(catalogKinds, f.Kind) {
		f.Kind = "service_type"
	}
	return f
}

func (s *Server) catalogList(c *gin.Context) {
	tr := s.i18n.For(lang(c))
	f := catalogFilter(c, tr, strings.TrimSpace(c.Query("parent")))
	kind, parent, q := f.Kind, f.Parent, f.Q
	page := max(queryInt(c, "page", 1), 1)
	f.Offset, f.Limit = (page-1)*listPageSize, listPageSize
	res, err := s.read.Catalog(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, total := res.Rows, res.Total
	qs := url.Values{}
	if kind != "service_type" {
		qs.Set("kind", kind)
	}
	setIf(qs, "parent", parent)
	setIf(qs, "q", q)
	v := view.CatalogList{
		Kind: kind, Parent: parent, Q: q, Total: fmtInt(total),
		Pager:   offsetPager(tr, "/catalog", qs, page, listPageSize, total),
		Exports: exportLinks(c, "/catalog/export", qs),
		AsOf:    s.asOf(c, s.syncRuns(c), []string{"catalog"}, nil, ""),
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
	for _, e := range rows {
		row := view.CatalogRow{Code: e.Code, Name: e.Name, Description: e.Description, Parent: e.Parent, Extra: e.Extra}
		if child != "" {
			row.ChildHref = "/catalog?" + url.Values{"kind": {child}, "parent": {e.Code}}.Encode()
		}
		v.Rows = append(v.Rows, row)
	}
	s.render(c, http.StatusOK, pages.Catalog(s.page(c, "nav.catalog"), v))
}
