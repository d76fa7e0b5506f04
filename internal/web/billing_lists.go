package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The billing lists: coupons, stored-value cards, resources, resource packages and the
// catalogues. All read the cache, page by offset (their sizes are modest) and keep their
// filters in the URL so that exports and bookmarks see the same rows.

// holders reads the sub-accounts that hold listed objects, for names and links. Ids that
// are not sub-accounts (the master's domain id) are absent from the map.
func (s *Server) holders(ctx context.Context, ids []string) (map[string]*store.SubAccount, error) {
	out := map[string]*store.SubAccount{}
	for _, id := range ids {
		if id == "" {
			continue
		}
		if _, done := out[id]; done {
			continue
		}
		sa, err := s.db.SubAccountByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			out[id] = nil
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = sa
	}
	return out, nil
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

func (s *Server) couponFilter(c *gin.Context, u *currentUser) (store.CouponFilter, string) {
	f := store.CouponFilter{Q: queryText(c, "q"), Scopes: scopesOf(u), MasterAccountID: masterParam(c), HiddenMasters: s.hiddenMasters(c)}
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
	f, holder := s.couponFilter(c, u)
	if f.SubAccountID != "" {
		if _, ok := s.scopedSubAccount(c, f.SubAccountID); !ok {
			return
		}
	}
	page := max(queryInt(c, "page", 1), 1)
	f.Offset, f.Limit = (page-1)*listPageSize, listPageSize
	rows, total, err := s.db.ListCoupons(ctx, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.SubAccountID)
	}
	h, err := s.holders(ctx, ids)
	if err != nil {
		s.fail(c, err)
		return
	}
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

func (s *Server) cardList(c *gin.Context) {
	tr := s.i18n.For(lang(c))
	status := queryInt(c, "status", 0)
	if status != 1 && status != 2 {
		status = 0
	}
	page := max(queryInt(c, "page", 1), 1)
	master := masterParam(c)
	rows, total, err := s.db.ListCardsOf(c.Request.Context(), master, status, (page-1)*listPageSize, listPageSize, s.hiddenMasters(c)...)
	if err != nil {
		s.fail(c, err)
		return
	}
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

// --- resources ---

// expiringChoices are the "expiring within N days" filter's values.
var expiringChoices = []int{7, 30, 60, 90}

func (s *Server) resourceFilter(c *gin.Context, now time.Time) (store.ResourceFilter, url.Values) {
	f := store.ResourceFilter{
		Q: queryText(c, "q"), ServiceType: strings.TrimSpace(c.Query("service")), Region: strings.TrimSpace(c.Query("region")),
		MasterAccountID: masterParam(c), HiddenMasters: s.hiddenMasters(c),
	}
	f.AccountID = strings.TrimSpace(c.Query("account")) // the owning account (a master or a sub-account)
	q := url.Values{}
	setIf(q, "q", f.Q)
	setIf(q, "master", f.MasterAccountID)
	setIf(q, "account", f.AccountID)
	setIf(q, "service", f.ServiceType)
	setIf(q, "region", f.Region)
	if st := queryInt(c, "status", 0); slices.Contains(resourceStatuses, st) {
		f.Status = st
		q.Set("status", strconv.Itoa(st))
	}
	if d := queryInt(c, "expiring", 0); d > 0 && d <= 3650 {
		until := now.Add(time.Duration(d) * 24 * time.Hour)
		f.ExpiringUntil = &until
		q.Set("expiring", strconv.Itoa(d))
	}
	return f, q
}

// inScopeResources drops, for a scoped user, resources of sub-accounts outside the scope
// (and of the master account, which belongs to no unit).
func inScopeResources(u *currentUser, rows []store.Resource, h map[string]*store.SubAccount) []store.Resource {
	if len(scopesOf(u)) == 0 {
		return rows
	}
	out := rows[:0]
	for _, r := range rows {
		if sa := h[r.AccountID]; sa != nil && visible(u, sa.OrgPath) {
			out = append(out, r)
		}
	}
	return out
}

// resourceAccountOptions is the account filter of the resources page: each account owning
// cached resources (the masters, and sub-accounts synced with their own credentials) that
// the user may see; nil when there is only one to choose.
func resourceAccountOptions(tr *i18n.Translator, u *currentUser, accounts []string, h map[string]*store.SubAccount,
	masterNames map[string]string, selected string) []view.Option {
	opts := []view.Option{{Value: "", Label: tr.T("res.any_account"), Selected: selected == ""}}
	for _, id := range accounts {
		label := masterNames[id]
		if sa := h[id]; sa != nil {
			if !visible(u, sa.OrgPath) {
				continue
			}
			label, _ = holderName(tr, id, h)
		} else {
			if len(scopesOf(u)) > 0 {
				continue // a master's own resources belong to no unit
			}
			if label == "" {
				label = tr.T("read.master")
			}
		}
		opts = append(opts, view.Option{Value: id, Label: label, Selected: id == selected})
	}
	if len(opts) < 3 {
		return nil
	}
	return opts
}

func (s *Server) resourceList(c *gin.Context) {
	u := signedIn(c)
	tr := s.i18n.For(lang(c))
	ctx := c.Request.Context()
	now := s.now()
	f, q := s.resourceFilter(c, now)
	page := max(queryInt(c, "page", 1), 1)
	f.Offset, f.Limit = (page-1)*listPageSize, listPageSize
	rows, total, err := s.db.ListResources(ctx, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	services, regions, err := s.db.ResourceFacets(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	accounts, err := s.db.ResourceAccounts(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	ids := make([]string, 0, len(rows)+len(accounts))
	for _, r := range rows {
		ids = append(ids, r.AccountID)
	}
	h, err := s.holders(ctx, append(ids, accounts...))
	if err != nil {
		s.fail(c, err)
		return
	}
	rows = inScopeResources(u, rows, h)
	masterNames := map[string]string{}
	if ms, err := s.knownMasters(ctx); err == nil && len(ms) > 1 {
		for _, m := range ms {
			masterNames[m.DomainID] = m.Name
		}
	}
	v := view.ResourceList{
		Q: f.Q, Service: f.ServiceType, Region: f.Region, Status: q.Get("status"), Expiring: q.Get("expiring"),
		Total:   fmtInt(total),
		Pager:   offsetPager(tr, "/resources", q, page, listPageSize, total),
		Exports: exportLinks(c, "/resources/export", q),
		AsOf:    s.asOf(c, s.syncRuns(c), []string{"resources"}, nil, ""),
		Masters: s.masterFilterOptions(c, f.MasterAccountID),
	}
	if len(scopesOf(u)) > 0 {
		v.Note = tr.T("res.scoped_note")
	}
	v.Services = append(v.Services, view.Option{Value: "", Label: tr.T("res.any_service"), Selected: f.ServiceType == ""})
	for _, sv := range services {
		v.Services = append(v.Services, view.Option{Value: sv, Label: sv, Selected: sv == f.ServiceType})
	}
	v.Regions = append(v.Regions, view.Option{Value: "", Label: tr.T("res.any_region"), Selected: f.Region == ""})
	for _, rg := range regions {
		v.Regions = append(v.Regions, view.Option{Value: rg, Label: rg, Selected: rg == f.Region})
	}
	v.Statuses = append(v.Statuses, view.Option{Value: "", Label: tr.T("res.any_status"), Selected: f.Status == 0})
	for _, st := range resourceStatuses {
		v.Statuses = append(v.Statuses, view.Option{Value: strconv.Itoa(st), Label: statusLabel(tr, "res.status.", st), Selected: st == f.Status})
	}
	v.ExpiringChoices = append(v.ExpiringChoices, view.Option{Value: "", Label: tr.T("res.any_expiry"), Selected: v.Expiring == ""})
	for _, d := range expiringChoices {
		ds := strconv.Itoa(d)
		v.ExpiringChoices = append(v.ExpiringChoices, view.Option{Value: ds, Label: tr.T("res.within_days", map[string]any{"Days": d}), Selected: ds == v.Expiring})
	}
	v.Accounts = resourceAccountOptions(tr, u, accounts, h, masterNames, f.AccountID)
	for _, r := range rows {
		row := resourceRow(tr, r, now, h)
		if n := masterNames[r.AccountID]; n != "" && h[r.AccountID] == nil {
			row.Account = n // several masters: say which one
		}
		v.Rows = append(v.Rows, row)
	}
	s.render(c, http.StatusOK, pages.Resources(s.page(c, "nav.resources"), v))
}

// --- resource packages ---

func (s *Server) packageList(c *gin.Context) {
	tr := s.i18n.For(lang(c))
	q := queryText(c, "q")
	page := max(queryInt(c, "page", 1), 1)
	master := masterParam(c)
	rows, total, err := s.db.ListPackageUsagesOf(c.Request.Context(), master, q, (page-1)*listPageSize, listPageSize, s.hiddenMasters(c)...)
	if err != nil {
		s.fail(c, err)
		return
	}
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

func (s *Server) catalogList(c *gin.Context) {
	tr := s.i18n.For(lang(c))
	kind := c.Query("kind")
	if !slices.Contains(catalogKinds, kind) {
		kind = "service_type"
	}
	parent := strings.TrimSpace(c.Query("parent"))
	q := queryText(c, "q")
	page := max(queryInt(c, "page", 1), 1)
	rows, total, err := s.db.ListCatalog(c.Request.Context(), kind, catalogLang(tr.Lang), parent, q, (page-1)*listPageSize, listPageSize)
	if err != nil {
		s.fail(c, err)
		return
	}
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
