package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
	"github.com/purser-finance/purser/internal/users"
)

// The read side's tests run on a cache seeded through the store's write methods (the
// same ones sync uses), with an organisation tree that makes scopes visible:
//
//	root ─┬─ east ── east-ops
//	      └─ west
//
// alpha (east, low balance, history, coupon, resource), gamma (east-ops, closed),
// beta (west, a formula-looking display name) and 30 west fillers for paging.

func amt(s string) money.Amount { return money.New(decimal.RequireFromString(s), "CNY") }

// testMaster is the domain id the seeded cache rows belong to.
const testMaster = "dom-read-test"

var seedAt = time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)

func seedCache(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	orgs := []store.Organization{
		{ID: "org-root", Name: "Acme", Path: []string{"org-root"}},
		{ID: "org-east", Name: "East", ParentID: "org-root", Path: []string{"org-root", "org-east"}},
		{ID: "org-east-ops", Name: "East Ops", ParentID: "org-east", Path: []string{"org-root", "org-east", "org-east-ops"}},
		{ID: "org-west", Name: "West", ParentID: "org-root", Path: []string{"org-root", "org-west"}},
	}
	if err := db.ReplaceOrganizations(ctx, testMaster, 1, orgs, seedAt); err != nil {
		t.Fatal(err)
	}
	subs := []store.SubAccountInfo{
		{ID: "sa-alpha", Name: "alpha-prod", DisplayName: "Alpha 生产", Status: 1, OrgID: "org-east", OrgName: "East"},
		{ID: "sa-beta", Name: "beta-dev", DisplayName: `=HYPERLINK("http://evil","x")`, Status: 1, OrgID: "org-west", OrgName: "West"},
		{ID: "sa-gamma", Name: "gamma-ops", DisplayName: "Gamma", Status: 4, OrgID: "org-east-ops", OrgName: "East Ops"},
	}
	for i := range 30 {
		subs = append(subs, store.SubAccountInfo{ID: fmt.Sprintf("sa-w%02d", i), Name: fmt.Sprintf("west-team-%02d", i), Status: 1, OrgID: "org-west", OrgName: "West"})
	}
	if err := db.UpsertSubAccounts(ctx, testMaster, 1, subs, seedAt); err != nil {
		t.Fatal(err)
	}
	expire := seedAt.Add(20 * 24 * time.Hour)
	for i, debit := range []string{"900.00", "750.50", "420.25"} {
		at := seedAt.Add(time.Duration(i-2) * 24 * time.Hour)
		batch := []store.SubAccountBalances{
			{SubAccountID: "sa-alpha", Debit: amt(debit), Currency: "CNY",
				Credits: []store.CreditLine{{Available: amt("100.00"), CreditAmount: amt("500.00"), ExpireTime: &expire}},
				Coupons: []store.Coupon{{CouponID: "cp-1", SubCouponID: "scp-1", SubAccountID: "sa-alpha", PlanName: "Launch credit", Balance: amt("88.00"), Expire: &expire}}},
			{SubAccountID: "sa-beta", Debit: amt("25000.00"), Currency: "CNY"},
			{SubAccountID: "sa-gamma", Debit: amt("3000.00"), Currency: "CNY"},
		}
		for j := range 30 {
			batch = append(batch, store.SubAccountBalances{SubAccountID: fmt.Sprintf("sa-w%02d", j), Debit: amt(fmt.Sprintf("%d.00", 5000+j*10)), Currency: "CNY"})
		}
		if err := db.StoreSubAccountBalances(ctx, at, batch, 0, store.RunProgress{}); err != nil {
			t.Fatal(err)
		}
		if err := db.SnapshotTotals(ctx, testMaster, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.ReplaceResources(ctx, "sa-alpha", []store.Resource{{
		ResourceID: "res-1", AccountID: "sa-alpha", Name: "ecs-web-01", Region: "cn-north-4", ServiceType: "hws.service.type.ec2",
		ServiceTypeName: "ECS", ResourceType: "hws.resource.type.vm", ResourceTypeName: "VM", IsMain: true, Status: 2,
		Effective: &seedAt, Expire: &expire, ExpirePolicy: 3,
	}}, seedAt); err != nil {
		t.Fatal(err)
	}
	if err := db.StoreMasterBalances(ctx, testMaster, store.MasterBalances{Debit: amt("123456.78"), Credit: amt("1000.00"), Currency: "CNY",
		Credits: []store.AmountLine{{Available: amt("1000.00"), Amount: amt("1000.00"), CreditAmount: amt("2000.00")}}}, seedAt); err != nil {
		t.Fatal(err)
	}
}

// readPortal is a portal with the seeded cache and users of each kind of scope.
func readPortal(t *testing.T) *portal {
	t.Helper()
	return readPortalOn(t, testkit.SQLite(t))
}

func readPortalOn(t *testing.T, db *store.DB) *portal {
	t.Helper()
	p := newPortal(t, db, nil)
	seedCache(t, p.db)
	p.addUser("fiona", "", "finance") // no scope: everything
	for _, u := range []users.NewUser{
		{Username: "eve", Roles: []string{"finance"}, Scopes: []string{"org-east"}}, // East and East Ops below it
		{Username: "vic", Roles: []string{"viewer"}, Scopes: []string{"org-west"}},
		{Username: "audrey", Roles: []string{"auditor"}, Scopes: []string{"org-west"}}, // auditors still see all
	} {
		u.Password = testPassword
		if _, err := p.users.Create(context.Background(), u, systemMeta()); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func (p *portal) signedIn(name string) *browser {
	b := p.browser()
	b.signIn(name, "")
	return b
}

func rowIDs(t *testing.T, r response) []string {
	t.Helper()
	var ids []string
	r.doc(t).Find(`[data-testid="sa-row"]`).Each(func(_ int, s *goquery.Selection) { ids = append(ids, s.AttrOr("data-id", "")) })
	return ids
}

func TestSubAccountListSearchFilterSortPages(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) { testSubAccountListSearchFilterSortPages(t, readPortalOn(t, db)) })
}

func testSubAccountListSearchFilterSortPages(t *testing.T, p *portal) {
	b := p.signedIn("fiona")

	r := b.get("/sub-accounts")
	if r.status != 200 || r.testid(t, "page-heading") != "Sub-accounts" {
		t.Fatalf("list: %d", r.status)
	}
	if got := r.testid(t, "sa-total"); got != "33 sub-accounts" {
		t.Fatalf("total %q", got)
	}
	if ids := rowIDs(t, r); len(ids) != 25 || ids[0] != "sa-alpha" {
		t.Fatalf("first page %v", ids)
	}
	if !strings.Contains(r.testid(t, "as-of-time"), "2026-11-20") || !r.has(t, "refresh") || !r.has(t, "export-csv") {
		t.Fatal("as-of, refresh or export missing")
	}
	// Page 2 through the keyset cursor, then back to the first.
	next := r.doc(t).Find(`[data-testid="page-next"]`).AttrOr("href", "")
	r2 := b.get(next)
	if ids := rowIDs(t, r2); len(ids) != 8 || r2.has(t, "page-next") || !strings.Contains(r2.testid(t, "pager-summary"), "26–33 of 33") {
		t.Fatalf("page 2: %v %q", ids, r2.testid(t, "pager-summary"))
	}
	// Search is case-insensitive over name and display name.
	if ids := rowIDs(t, b.get("/sub-accounts?q=ALPHA")); len(ids) != 1 || ids[0] != "sa-alpha" {
		t.Fatalf("search by name: %v", ids)
	}
	if ids := rowIDs(t, b.get("/sub-accounts?q="+url.QueryEscape("生产"))); len(ids) != 1 || ids[0] != "sa-alpha" {
		t.Fatalf("search by display name: %v", ids)
	}
	// Organisation filter covers the unit and below; status filter.
	if ids := rowIDs(t, b.get("/sub-accounts?org_id=org-east")); strings.Join(ids, ",") != "sa-alpha,sa-gamma" {
		t.Fatalf("org filter: %v", ids)
	}
	if ids := rowIDs(t, b.get("/sub-accounts?status=4")); strings.Join(ids, ",") != "sa-gamma" {
		t.Fatalf("status filter: %v", ids)
	}
	// Sort by balance: the lowest first, flagged low.
	bal := b.get("/sub-accounts?sort=balance")
	if ids := rowIDs(t, bal); ids[0] != "sa-alpha" || ids[1] != "sa-gamma" {
		t.Fatalf("balance sort: %v", ids[:3])
	}
	if bal.doc(t).Find(`[data-id="sa-alpha"] [data-testid="sa-low"]`).Length() != 1 {
		t.Fatal("alpha (520.25 < 1,000.00) not flagged low")
	}
	if ids := rowIDs(t, b.get("/sub-accounts?sort=-balance")); ids[0] != "sa-beta" {
		t.Fatalf("balance desc: %v", ids[:3])
	}
	// Nothing matches: an honest empty state; junk parameters do not break the page.
	if e := b.get("/sub-accounts?q=zzz"); e.testid(t, "sa-empty") == "" {
		t.Fatal("no empty state")
	}
	if r := b.get("/sub-accounts?status=abc&sort=drop+table&cursor=%%%"); r.status != 200 {
		t.Fatalf("junk parameters: %d", r.status)
	}
	// Finance may draft operations for a selection.
	if !r.has(t, "bulk-form") || r.doc(t).Find(`[data-testid="sa-select"]`).Length() != 25 {
		t.Fatal("bulk selection missing")
	}
	// Chinese.
	b.lang = "zh-CN"
	if got := b.get("/sub-accounts").testid(t, "sa-total"); got != "共 33 个子账号" {
		t.Fatalf("zh total %q", got)
	}
}

func TestSubAccountScopes(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) { testSubAccountScopes(t, readPortalOn(t, db)) })
}

func testSubAccountScopes(t *testing.T, p *portal) {
	eve := p.signedIn("eve")
	if ids := rowIDs(t, eve.get("/sub-accounts")); strings.Join(ids, ",") != "sa-alpha,sa-gamma" {
		t.Fatalf("east-scoped list: %v", ids)
	}
	// Asking for another unit does not widen the scope.
	if ids := rowIDs(t, eve.get("/sub-accounts?org_id=org-west")); len(ids) != 0 {
		t.Fatalf("scoped user saw west: %v", ids)
	}
	// The org filter offers only units in scope.
	opts := eve.get("/sub-accounts/units?org=").doc(t).Find(`[data-testid="org-option"]`)
	if opts.Length() != 2 || strings.Contains(opts.Text(), "West") {
		t.Fatalf("org options: %q", opts.Text())
	}
	// Out-of-scope detail: 404 exactly like a missing one, and access.denied.
	before := len(p.events(audit.AccessDenied))
	r := eve.get("/sub-accounts/sa-beta")
	if r.status != http.StatusNotFound || !r.has(t, "error-page") {
		t.Fatalf("out-of-scope detail: %d", r.status)
	}
	ev := p.events(audit.AccessDenied)
	if len(ev) != before+1 || ev[len(ev)-1].TargetType != "sub_account" || ev[len(ev)-1].TargetID != "sa-beta" || ev[len(ev)-1].ActorName != "eve" {
		t.Fatalf("denial not audited: %+v", ev)
	}
	if r := eve.get("/sub-accounts/sa-nope"); r.status != http.StatusNotFound || len(p.events(audit.AccessDenied)) != before+1 {
		t.Fatalf("missing sub-account: %d", r.status)
	}
	if r := eve.get("/sub-accounts/sa-gamma"); r.status != 200 {
		t.Fatalf("in-scope (below the unit): %d", r.status)
	}
	// Out-of-scope threshold change and refresh: 404 too, nothing changes.
	if r := eve.post("/sub-accounts/sa-beta/threshold", url.Values{"threshold": {"5"}}); r.status != http.StatusNotFound {
		t.Fatalf("out-of-scope threshold: %d", r.status)
	}
	if r := eve.post("/sync", url.Values{"area": {"balances"}, "sub_account_id": {"sa-beta"}}); r.status != http.StatusNotFound {
		t.Fatalf("out-of-scope refresh: %d", r.status)
	}
	// Lists filtered on an out-of-scope holder: 404 as well.
	for _, path := range []string{"/coupons?holder=sa-beta", "/coupons/export?format=csv&holder=sa-beta"} {
		if r := eve.get(path); r.status != http.StatusNotFound {
			t.Errorf("%s: %d", path, r.status)
		}
	}
	// Exports respect the scope.
	csvBody := eve.get("/sub-accounts/export?format=csv").body
	if strings.Contains(csvBody, "beta-dev") || !strings.Contains(csvBody, "alpha-prod") {
		t.Fatalf("scoped export:\n%s", csvBody)
	}
	// The dashboard counts only the scope.
	if got := strings.TrimSpace(eve.get("/").doc(t).Find(`[data-testid="card-sub-accounts"] .value`).Text()); got != "2" {
		t.Fatalf("scoped dashboard count: %q", got)
	}
	// A west viewer and a scoped auditor.
	vic := p.signedIn("vic")
	if r := vic.get("/sub-accounts/sa-alpha"); r.status != 404 {
		t.Fatalf("viewer out of scope: %d", r.status)
	}
	if r := vic.get("/sub-accounts/sa-beta"); r.status != 200 || r.has(t, "threshold-form") || r.has(t, "refresh") {
		t.Fatalf("viewer in scope: %d, must not see the threshold form or refresh", r.status)
	}
	aud := p.signedIn("audrey")
	if r := aud.get("/sub-accounts/sa-alpha"); r.status != 200 {
		t.Fatalf("auditors see everything: %d", r.status)
	}
	if ids := rowIDs(t, aud.get("/sub-accounts?q=a-")); len(ids) < 2 {
		t.Fatalf("auditor list: %v", ids)
	}
}

func TestSubAccountDetail(t *testing.T) {
	t.Parallel()
	p := readPortal(t)
	b := p.signedIn("fiona")
	r := b.get("/sub-accounts/sa-alpha")
	if r.status != 200 {
		t.Fatalf("detail: %d", r.status)
	}
	for id, want := range map[string]string{
		"sa-name": "alpha-prod", "sa-org": "Acme / East", "card-debit": "420.25", "card-credit": "100.00",
		"card-total": "520.25", "threshold-effective": "1,000.00",
	} {
		if got := r.testid(t, id); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if !r.has(t, "sa-low") || !r.has(t, "credits") || !r.has(t, "coupons") || !r.has(t, "resources") {
		t.Fatal("low flag, credits, coupons or resources missing")
	}
	if got := r.testid(t, "expire-policy"); got != "Renews automatically" {
		t.Fatalf("expire policy in words: %q", got)
	}
	// The chart and its table fallback carry the same three snapshots.
	d := r.doc(t)
	if d.Find(`[data-testid="balance-chart"] svg.chart polyline`).Length() != 3 {
		t.Fatal("chart lines missing")
	}
	if d.Find(`[data-testid="balance-chart"] svg[role="img"] title`).Length() == 0 {
		t.Fatal("chart without an accessible name")
	}
	rows := d.Find(`[data-testid="balance-chart-table"] tbody tr`)
	if rows.Length() != 3 || !strings.Contains(rows.Last().Text(), "520.25") || !strings.Contains(rows.First().Text(), "1,000.00") {
		t.Fatalf("chart table: %d rows %q", rows.Length(), rows.Text())
	}
	if !r.has(t, "operations-empty") || !r.has(t, "events-empty") {
		t.Fatal("empty states for operations and events missing")
	}
	if strings.Contains(r.body, "style=") {
		t.Fatal("inline style attribute: blocked by the CSP")
	}
	b.lang = "zh"
	if got := b.get("/sub-accounts/sa-alpha").testid(t, "expire-policy"); got != "自动续费" {
		t.Fatalf("zh policy %q", got)
	}
}

func TestThreshold(t *testing.T) {
	t.Parallel()
	p := readPortal(t)
	b := p.signedIn("fiona")
	// Bad input: 422, the input kept, a translated reason, nothing saved.
	for _, bad := range []string{"abc", "-5", "1.234", "1e9", "9999999999999", "1,50", "1,2,3", "3,0000"} {
		r := b.post("/sub-accounts/sa-beta/threshold", url.Values{"threshold": {bad}})
		if r.status != http.StatusUnprocessableEntity || r.testid(t, "threshold-error") == "" ||
			r.doc(t).Find(`[data-testid="threshold-input"]`).AttrOr("value", "") != bad {
			t.Fatalf("%q: %d %q", bad, r.status, r.testid(t, "threshold-error"))
		}
	}
	if len(p.events(audit.SubAccountUpdate)) != 0 {
		t.Fatal("a refused input was audited as a change")
	}
	// Set: the sub-account becomes low, the change is audited and shown on the page.
	r := b.post("/sub-accounts/sa-beta/threshold", url.Values{"threshold": {"30,000.50"}})
	if r.status != http.StatusSeeOther || r.location != "/sub-accounts/sa-beta" {
		t.Fatalf("save: %d %q", r.status, r.location)
	}
	d := b.get(r.location)
	if d.testid(t, "flash") != "Low-balance threshold saved." || !strings.Contains(d.testid(t, "threshold-effective"), "30,000.50") || !d.has(t, "sa-low") {
		t.Fatalf("after save: flash %q, threshold %q", d.testid(t, "flash"), d.testid(t, "threshold-effective"))
	}
	if b.get(r.location).has(t, "flash") {
		t.Fatal("the flash message shows twice")
	}
	ev := p.events(audit.SubAccountUpdate)
	if len(ev) != 1 || ev[0].TargetID != "sa-beta" || !strings.Contains(string(ev[0].Details), `"new":"30000.50"`) || ev[0].ActorName != "fiona" {
		t.Fatalf("audit %+v", ev)
	}
	if !strings.Contains(d.testid(t, "sa-events"), "Sub-account settings changed") {
		t.Fatal("the detail page does not list the event")
	}
	// Empty restores the default.
	b.post("/sub-accounts/sa-beta/threshold", url.Values{"threshold": {""}})
	if got := b.get("/sub-accounts/sa-beta").testid(t, "threshold-effective"); got != "1,000.00" {
		t.Fatalf("default restored: %q", got)
	}
	// Viewers may not.
	v := p.signedIn("vic")
	if r := v.post("/sub-accounts/sa-beta/threshold", url.Values{"threshold": {"1"}}); r.status != http.StatusForbidden {
		t.Fatalf("viewer: %d", r.status)
	}
}

func TestDashboardFigures(t *testing.T) {
	t.Parallel()
	p := readPortal(t)
	r := p.signedIn("fiona").get("/")
	for id, want := range map[string]string{
		"card-master-debit": "123,456.78", "card-master-credit": "1,000.00", "card-sub-accounts": "33",
		"low-total": "1", "expiring-total": "1",
	} {
		if got := r.testid(t, id); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	// 520.25 + 25,000 + 3,000 + Σ(5000+10j, j<30) = 28,520.25 + 154,350 = 182,870.25
	if got := r.testid(t, "card-recoverable"); !strings.Contains(got, "182,870.25") {
		t.Errorf("recoverable %q", got)
	}
	if !strings.Contains(r.testid(t, "low-balance"), "alpha-prod") || !strings.Contains(r.testid(t, "expiring"), "ecs-web-01") {
		t.Fatal("attention lists")
	}
	if r.doc(t).Find(`[data-testid="totals-chart-table"] tbody tr`).Length() != 3 {
		t.Fatal("totals chart table")
	}
	if r.has(t, "dashboard-notice") || !r.has(t, "recent-operations") || r.has(t, "pending-approvals") {
		t.Fatal("notice / empty operations / approvals (finance is not an approver)")
	}
	// A scoped user sees no enterprise-wide chart.
	if p.signedIn("eve").get("/").has(t, "totals-chart-table") {
		t.Fatal("scoped user saw the enterprise total chart")
	}
}

func TestExports(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) { testExports(t, readPortalOn(t, db)) })
}

func testExports(t *testing.T, p *portal) {
	b := p.signedIn("fiona")
	r := b.get("/sub-accounts/export?format=csv&q=beta")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(r.header.Get("Content-Disposition"), `filename="sub-accounts-`) {
		t.Fatalf("csv: %d %v", r.status, r.header)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\uFEFF"))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv rows %v %v", rows, err)
	}
	if rows[1][2] != `'=HYPERLINK("http://evil","x")` {
		t.Fatalf("formula not neutralised: %q", rows[1][2])
	}
	if rows[1][5] != "25000.00" {
		t.Fatalf("amount %q, want a plain number", rows[1][5])
	}
	ev := p.events(audit.ExportDownload)
	if len(ev) != 1 || ev[0].TargetID != "sub-accounts" || !strings.Contains(string(ev[0].Details), `"rows":1`) ||
		!strings.Contains(string(ev[0].Details), `"q":"beta"`) || !strings.Contains(string(ev[0].Details), `"format":"csv"`) {
		t.Fatalf("export audit %+v", ev)
	}

	x := b.get("/sub-accounts/export?format=xlsx&sort=-balance")
	f, err := excelize.OpenReader(bytes.NewReader([]byte(x.body)))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	if v, _ := f.GetCellValue(sheet, "B2"); v != "beta-dev" {
		t.Fatalf("xlsx B2 %q", v)
	}
	if ct, _ := f.GetCellType(sheet, "F2"); ct != excelize.CellTypeNumber && ct != excelize.CellTypeUnset {
		t.Fatalf("amount cell type %v", ct)
	}
	if v, _ := f.GetCellValue(sheet, "F2", excelize.Options{RawCellValue: true}); v != "25000" {
		t.Fatalf("amount raw %q", v)
	}
	if all, _ := f.GetRows(sheet); len(all) != 34 {
		t.Fatalf("xlsx rows %d", len(all))
	}
	// The other lists export too, each audited once.
	for _, path := range []string{"/coupons/export?format=csv", "/cards/export?format=xlsx", "/resources/export?format=csv&expiring=30",
		"/packages/export?format=csv", "/catalog/export?format=csv"} {
		if r := b.get(path); r.status != 200 {
			t.Errorf("%s: %d", path, r.status)
		}
	}
	if n := len(p.events(audit.ExportDownload)); n != 7 {
		t.Fatalf("%d export events, want 7", n)
	}
	if r := b.get("/sub-accounts/export?format=pdf"); r.status != http.StatusBadRequest {
		t.Fatalf("bad format: %d", r.status)
	}
	if r := p.signedIn("vic").get("/sub-accounts/export?format=csv"); r.status != http.StatusForbidden {
		t.Fatalf("viewer export: %d", r.status)
	}
}

func TestBillingPages(t *testing.T) {
	t.Parallel()
	p := readPortal(t)
	b := p.signedIn("fiona")
	c := b.get("/coupons")
	if c.status != 200 || !strings.Contains(c.testid(t, "coupons"), "Launch credit") || !strings.Contains(c.testid(t, "coupons"), "Alpha 生产") {
		t.Fatalf("coupons: %d %q", c.status, c.testid(t, "coupons"))
	}
	res := b.get("/resources?expiring=30&service=hws.service.type.ec2")
	if res.status != 200 || res.doc(t).Find(`[data-testid="resource-row"]`).Length() != 1 || !strings.Contains(res.testid(t, "expires-in"), "In 14 days") {
		t.Fatalf("resources: %d %q", res.status, res.testid(t, "resources"))
	}
	if r := b.get("/resources?expiring=7"); r.doc(t).Find(`[data-testid="resource-row"]`).Length() != 0 {
		t.Fatal("expiring within 7 days should be empty")
	}
	for _, path := range []string{"/cards", "/packages", "/catalog", "/catalog?kind=usage_type&parent=x&q=y"} {
		r := b.get(path)
		if r.status != 200 || !r.has(t, "page-heading") || !r.has(t, "list-empty") {
			t.Errorf("%s: %d", path, r.status)
		}
	}
	// A scoped user's coupon list holds only coupons in scope.
	if got := p.signedIn("vic").get("/coupons").body; strings.Contains(got, "Launch credit") {
		t.Fatal("west viewer saw an east coupon")
	}
	if got := p.signedIn("vic").get("/resources").body; strings.Contains(got, "ecs-web-01") {
		t.Fatal("west viewer saw an east resource")
	}
}
