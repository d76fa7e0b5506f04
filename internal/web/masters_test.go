package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
	"github.com/purser-finance/purser/internal/upstreamacct"
	"github.com/purser-finance/purser/internal/web"
)

// secondMaster is another master account's slice of the cache: two sub-accounts, its
// own amounts, and its stored account (which names it on the pages).
const secondMaster = "dom-second-master"

func seedSecondMaster(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	if err := db.UpsertSubAccounts(ctx, secondMaster, 7, []store.SubAccountInfo{
		{ID: "sb-one", Name: "second-one", Status: 1, OrgID: "org-root", OrgName: "Acme"},
		{ID: "sb-two", Name: "second-two", Status: 1, OrgID: "org-root", OrgName: "Acme"},
	}, seedAt); err != nil {
		t.Fatal(err)
	}
	if err := db.StoreSubAccountBalances(ctx, seedAt, []store.SubAccountBalances{
		{SubAccountID: "sb-one", Debit: amt("10.00"), Currency: "CNY"}, {SubAccountID: "sb-two", Debit: amt("20.00"), Currency: "CNY"},
	}, 0, store.RunProgress{}); err != nil {
		t.Fatal(err)
	}
	if err := db.StoreMasterBalances(ctx, secondMaster, store.MasterBalances{Debit: amt("500.00"), Currency: "CNY"}, seedAt); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceMasterCoupons(ctx, secondMaster, []store.Coupon{{CouponID: "cp-second", PlanName: "Second plan", Balance: amt("5.00")}}, seedAt); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceCards(ctx, secondMaster, []store.StoredValueCard{{CardID: "card-second", Name: "Second card", Status: 1,
		FaceValue: amt("100.00"), Balance: amt("50.00")}}, seedAt); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceResources(ctx, secondMaster, []store.Resource{{ResourceID: "res-second", Name: "second-vm", IsMain: true, Status: 2}}, seedAt); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplacePackageUsages(ctx, secondMaster, []store.PackageUsage{{FreeResourceID: "free-second", ProductName: "Second package"}}, seedAt); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUpstreamAccount(ctx, &store.UpstreamAccount{Name: "Second master", Kind: store.UpstreamMaster, Endpoint: "https://bss.example.com",
		AK: "AKSECOND", SK: "sealed", DomainID: secondMaster, Generation: "v2", Enabled: true}); err != nil {
		t.Fatal(err)
	}
}

// Every read page and the JSON API filter by master account (?master=), and the selector
// appears only when there is more than one master.
func TestMasterFilter(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := readPortalOn(t, db)
		b := p.signedIn("fiona")
		// One master: no selector, no per-master panel.
		if r := b.get("/sub-accounts"); r.has(t, "filter-master") {
			t.Fatal("master selector shown with one master")
		}
		if r := b.get("/"); r.has(t, "master-filter") || r.has(t, "master-amounts") {
			t.Fatal("dashboard master selector or panel shown with one master")
		}

		seedSecondMaster(t, db)
		r := b.get("/sub-accounts")
		if !r.has(t, "filter-master") || !strings.Contains(r.testid(t, "filter-master"), "Second master") {
			t.Fatalf("no master selector with two masters: %q", r.testid(t, "filter-master"))
		}
		if got := r.testid(t, "sa-total"); got != "35 sub-accounts" {
			t.Fatalf("every master: %q", got)
		}
		// Rows of several masters name theirs; filtered to one, the column goes.
		if cells := r.doc(t).Find("[data-testid=sa-master-cell]"); cells.Length() != 25 || !strings.Contains(cells.Text(), "Second master") || !strings.Contains(cells.Text(), testMaster) {
			t.Fatalf("master column: %d cells %q", cells.Length(), cells.Text())
		}
		if all := b.get("/sub-accounts?sort=name&master=" + secondMaster); all.has(t, "sa-master-cell") {
			t.Fatal("master column shown while filtered to one master")
		}
		r = b.get("/sub-accounts?master=" + secondMaster)
		if ids := rowIDs(t, r); strings.Join(ids, ",") != "sb-one,sb-two" || r.testid(t, "sa-total") != "2 sub-accounts" {
			t.Fatalf("filtered to the second master: %v %q", ids, r.testid(t, "sa-total"))
		}
		if ids := rowIDs(t, b.get("/sub-accounts?master="+testMaster+"&q=second")); len(ids) != 0 {
			t.Fatalf("first master's rows matching 'second': %v", ids)
		}
		if r := b.get("/sub-accounts/export?format=csv&master=" + secondMaster); r.status != 200 || !strings.Contains(r.body, "sb-two") || strings.Contains(r.body, "sa-alpha") {
			t.Fatalf("export filtered by master: %d %s", r.status, r.body)
		}

		// The billing lists and their exports.
		for _, l := range []struct{ path, mine, other string }{
			{"/coupons", "Second plan", "Launch credit"}, {"/resources", "second-vm", "ecs-web-01"},
			{"/cards", "Second card", ""}, {"/packages", "Second package", ""},
		} {
			all := b.get(l.path)
			if !all.has(t, "filter-master") || !strings.Contains(all.body, l.mine) {
				t.Fatalf("%s: no master selector or missing %q", l.path, l.mine)
			}
			one := b.get(l.path + "?master=" + secondMaster)
			if one.status != 200 || !strings.Contains(one.body, l.mine) || (l.other != "" && strings.Contains(one.body, l.other)) {
				t.Fatalf("%s filtered to the second master: %d", l.path, one.status)
			}
			if l.other != "" {
				if first := b.get(l.path + "?master=" + testMaster); strings.Contains(first.body, l.mine) || !strings.Contains(first.body, l.other) {
					t.Fatalf("%s filtered to the first master shows the second's rows", l.path)
				}
			}
			if ex := b.get(l.path + "/export?format=csv&master=" + testMaster); ex.status != 200 || strings.Contains(ex.body, l.mine) {
				t.Fatalf("%s export of the first master: %d %s", l.path, ex.status, ex.body)
			}
		}

		// Dashboard: each master's amounts, and the figures of the one selected.
		r = b.get("/")
		if n := r.doc(t).Find(`[data-testid="master-row"]`).Length(); n != 2 || !strings.Contains(r.testid(t, "card-master-debit"), "123,956.78") {
			t.Fatalf("dashboard: %d master rows, master debit %q", n, r.testid(t, "card-master-debit"))
		}
		r = b.get("/?master=" + secondMaster)
		if !strings.Contains(r.testid(t, "card-master-debit"), "500.00") || !strings.Contains(r.testid(t, "card-sub-accounts"), "2") ||
			!strings.Contains(r.testid(t, "card-recoverable"), "30.00") {
			t.Fatalf("dashboard of the second master: %q %q %q", r.testid(t, "card-master-debit"), r.testid(t, "card-sub-accounts"), r.testid(t, "card-recoverable"))
		}

		// JSON API.
		tok, err := p.users.CreateToken(context.Background(), "fiona", "t", nil, systemMeta())
		if err != nil {
			t.Fatal(err)
		}
		call := func(path string) response {
			req, _ := http.NewRequest(http.MethodGet, p.http.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			return p.browser().do(req)
		}
		var list struct {
			Items []struct {
				ID     string `json:"id"`
				Master string `json:"master_account_id"`
			} `json:"items"`
			Total int `json:"total"`
		}
		r = call("/api/v1/sub-accounts?limit=500&master=" + secondMaster)
		if err := json.Unmarshal([]byte(r.body), &list); err != nil || r.status != 200 || list.Total != 2 || len(list.Items) != 2 ||
			list.Items[0].Master != secondMaster {
			t.Fatalf("API filtered by master: %d %s", r.status, r.body)
		}
		var mb struct {
			Debit   struct{ Available string } `json:"debit"`
			Masters []struct {
				ID    string `json:"master_account_id"`
				Debit string `json:"debit"`
			} `json:"masters"`
		}
		r = call("/api/v1/master/balances")
		if err := json.Unmarshal([]byte(r.body), &mb); err != nil || mb.Debit.Available != "123956.78" || len(mb.Masters) != 2 {
			t.Fatalf("API master balances: %s", r.body)
		}
		r = call("/api/v1/master/balances?master=" + secondMaster)
		if err := json.Unmarshal([]byte(r.body), &mb); err != nil || mb.Debit.Available != "500.00" || len(mb.Masters) != 1 {
			t.Fatalf("API one master's balances: %s", r.body)
		}
	})
}

// The operations list and its JSON API filter by master account too.
func TestOperationsMasterFilter(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	ctx := context.Background()
	fay, err := p.db.UserByUsername(ctx, "fay")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for i, m := range []string{"dom-op-a", "dom-op-b"} {
		op := &store.Operation{Kind: "transfer_funds", State: "pending", Params: `{"sub_account_id":"x","amount":"1.00"}`, Currency: "CNY",
			SubAccountID: "sub-" + m, MasterAccountID: m, TransID: fmt.Sprintf("%032x", i+1), RequestedBy: fay.ID, RequestedByName: "fay",
			Reason: "test", RequiredApprovals: 1, ExpiresAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now}
		if err := p.db.InsertOperation(ctx, op); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := p.users.CreateToken(ctx, "adam", "t", nil, systemMeta())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, p.http.URL+"/api/v1/operations?master=dom-op-b", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	r := p.browser().do(req)
	if r.status != 200 || !strings.Contains(r.body, "sub-dom-op-b") || strings.Contains(r.body, "sub-dom-op-a") {
		t.Fatalf("API operations of master b: %d %s", r.status, r.body)
	}
	page := p.as("adam").get("/operations?view=all&master=dom-op-a")
	if page.status != 200 || !strings.Contains(page.body, "sub-dom-op-a") || strings.Contains(page.body, "sub-dom-op-b") {
		t.Fatalf("operations page of master a: %d", page.status)
	}
	inbox := p.as("abby").get("/approvals")
	if !strings.Contains(inbox.body, "sub-dom-op-a") || !strings.Contains(inbox.body, "sub-dom-op-b") {
		t.Fatalf("approvals inbox without a filter: %d", inbox.status)
	}
	inbox = p.as("abby").get("/approvals?master=dom-op-b")
	if inbox.status != 200 || strings.Contains(inbox.body, "sub-dom-op-a") || !strings.Contains(inbox.body, "sub-dom-op-b") {
		t.Fatalf("approvals inbox of master b: %d", inbox.status)
	}
}

// withRegistry installs a registry of masters as the portal's upstream, as cmd/portal
// does: the sandbox registered in process (under the read tests' master and the sandbox's
// own domain id) and the masters stored under /admin/upstream.
func withRegistry(next func(*web.Deps, bss.Upstream)) func(*web.Deps, bss.Upstream) {
	return func(d *web.Deps, up bss.Upstream) {
		if next != nil {
			next(d, up)
		}
		reg := upstreamacct.NewRegistry(&upstreamacct.Service{DB: d.DB})
		reg.Register(testMaster, "Read test master", up)
		reg.Register(sandbox.DefaultOptions().DomainID, "Sandbox", up)
		d.Upstream, d.Masters = reg, reg
	}
}

// setMasterEnabled disables or enables a stored master account.
func setMasterEnabled(t *testing.T, db *store.DB, domainID string, on bool) {
	t.Helper()
	accts, err := db.ListUpstreamAccounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accts {
		if a.Kind == store.UpstreamMaster && a.DomainID == domainID {
			full, err := db.UpstreamAccountByID(context.Background(), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			full.Enabled = on
			if err := db.UpdateUpstreamAccount(context.Background(), full); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no stored master %s", domainID)
}

// A disabled master's cached rows stay in the database but are no longer shown as live:
// lists, exports, dashboard totals and the JSON API leave them out, the selector no longer
// offers it, and a draft on its sub-accounts is refused with a translated reason.
func TestDisabledMasterHidden(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := newPortalWith(t, db, nil, withRegistry(withOps(t)))
		seedCache(t, p.db)
		p.opsUsers()
		seedSecondMaster(t, db)
		b := p.as("fay")
		if got := b.get("/sub-accounts").testid(t, "sa-total"); got != "35 sub-accounts" {
			t.Fatalf("both masters enabled: %q", got)
		}

		setMasterEnabled(t, db, secondMaster, false)
		r := b.get("/sub-accounts")
		if got := r.testid(t, "sa-total"); got != "33 sub-accounts" || r.has(t, "filter-master") {
			t.Fatalf("second master disabled: %q, selector shown %v", got, r.has(t, "filter-master"))
		}
		if ids := rowIDs(t, b.get("/sub-accounts?master="+secondMaster)); len(ids) != 0 {
			t.Fatalf("the disabled master's sub-accounts asked for by name: %v", ids)
		}
		if ex := b.get("/sub-accounts/export?format=csv"); ex.status != 200 || strings.Contains(ex.body, "sb-one") || !strings.Contains(ex.body, "sa-alpha") {
			t.Fatalf("export: %d %s", ex.status, ex.body)
		}
		for path, gone := range map[string]string{"/coupons": "Second plan", "/resources": "second-vm", "/cards": "Second card", "/packages": "Second package"} {
			if r := b.get(path); r.status != 200 || strings.Contains(r.body, gone) {
				t.Fatalf("%s still shows %q: %d", path, gone, r.status)
			}
			if ex := b.get(path + "/export?format=csv"); ex.status != 200 || strings.Contains(ex.body, gone) {
				t.Fatalf("%s export still has %q: %d", path, gone, ex.status)
			}
		}
		r = b.get("/")
		if got := r.testid(t, "card-master-debit"); !strings.Contains(got, "123,456.78") || r.has(t, "master-amounts") {
			t.Fatalf("dashboard: master debit %q (want the enabled master's only), per-master panel %v", got, r.has(t, "master-amounts"))
		}
		if got := r.testid(t, "card-sub-accounts"); !strings.Contains(got, "33") {
			t.Fatalf("dashboard sub-accounts: %q", got)
		}

		tok, err := p.users.CreateToken(context.Background(), "fay", "t", nil, systemMeta())
		if err != nil {
			t.Fatal(err)
		}
		call := func(path string) response {
			req, _ := http.NewRequest(http.MethodGet, p.http.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			return p.browser().do(req)
		}
		if r := call("/api/v1/sub-accounts?limit=500"); r.status != 200 || strings.Contains(r.body, "sb-one") || !strings.Contains(r.body, "sa-alpha") {
			t.Fatalf("API sub-accounts: %d", r.status)
		}
		var bal struct {
			Debit struct {
				Available string `json:"available"`
			} `json:"debit"`
			Masters []json.RawMessage `json:"masters"`
		}
		if r := call("/api/v1/master/balances"); r.status != 200 || json.Unmarshal([]byte(r.body), &bal) != nil || bal.Debit.Available != "123456.78" || len(bal.Masters) != 1 {
			t.Fatalf("API master balances: %d %s", r.status, r.body)
		}

		// Its sub-account's page says so and offers no new operation …
		r = b.get("/sub-accounts/sb-one")
		if r.status != 200 || !r.has(t, "sa-master-gone") || strings.Contains(r.body, "/operations/new?kind=transfer_funds&amp;sub_account_id=sb-one") {
			t.Fatalf("the disabled master's sub-account page: %d, marked %v", r.status, r.has(t, "sa-master-gone"))
		}
		if !strings.Contains(b.get("/sub-accounts/sa-alpha").body, "/operations/new?kind=transfer_funds&amp;sub_account_id=sa-alpha") {
			t.Fatal("a live master's sub-account page offers no transfer (the check above proves nothing)")
		}
		// … and a draft on it is refused, in the reader's language.
		for lang, want := range map[string]string{"en": "no longer configured", "zh": "已不再配置"} {
			b.lang = lang
			key := b.formKey("/operations/new?kind=transfer_funds")
			r := b.post("/operations", url.Values{"kind": {"transfer_funds"}, "idempotency_key": {key}, "sub_account_id": {"sb-one"},
				"amount": {"1.00"}, "balance_type": {"debit"}, "reason": {"top up"}})
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.testid(t, "error-sub_account_id"), want) {
				t.Fatalf("%s: draft on the disabled master's sub-account: %d %q", lang, r.status, errorsOf(t, r))
			}
		}

		// A bulk file too (the batch's own fast path for debit rows).
		b.lang = "en"
		csv := "sub_account,amount,balance_type,reason\nsb-one,1.00,debit,a\nsa-alpha,1.00,debit,b\n"
		r = b.post("/operations/bulk/preview", url.Values{"kind": {"transfer_funds"}, "csv": {csv}, "reason": {"monthly"}, "idempotency_key": {newKey()}})
		if errs := r.doc(t).Find(`[data-testid="bulk-error"]`); r.status != http.StatusUnprocessableEntity || errs.Length() != 1 || !strings.Contains(errs.Text(), "no longer configured") {
			t.Fatalf("bulk row on the disabled master: %d %q", r.status, errs.Text())
		}

		// Enabled again: everything is back.
		setMasterEnabled(t, db, secondMaster, true)
		b.lang = "en"
		if got := b.get("/sub-accounts").testid(t, "sa-total"); got != "35 sub-accounts" {
			t.Fatalf("re-enabled: %q", got)
		}
	})
}

// With a master filter, a page's Refresh syncs that master only, and sync.request says
// which; without one it syncs every master; an unknown master is refused.
func TestRefreshOneMaster(t *testing.T) {
	t.Parallel()
	fs := &fakeSync{}
	p := newPortalWithSync(t, fs)
	seedSecondMaster(t, p.db)
	b := p.signedIn("fiona")
	r := b.get("/sub-accounts?master=" + secondMaster)
	if v, _ := r.doc(t).Find(`[data-testid="refresh-master"]`).Attr("value"); v != secondMaster {
		t.Fatalf("refresh form of the filtered list carries master %q", v)
	}
	if r := b.get("/sub-accounts"); r.has(t, "refresh-master") {
		t.Fatal("refresh form without a filter names a master")
	}
	if r := b.post("/sync", url.Values{"area": {"sub_accounts"}, "master": {secondMaster}, "next": {"/sub-accounts?master=" + secondMaster}}); r.status != http.StatusSeeOther {
		t.Fatalf("refresh of one master: %d", r.status)
	}
	if r := b.post("/sync", url.Values{"area": {"full"}, "next": {"/"}}); r.status != http.StatusSeeOther {
		t.Fatalf("refresh of every master: %d", r.status)
	}
	if r := b.post("/sync", url.Values{"area": {"full"}, "master": {"dom-nobody"}}); r.status != http.StatusBadRequest {
		t.Fatalf("refresh of an unknown master: %d", r.status)
	}
	// The JSON API likewise.
	tok, err := p.users.CreateToken(context.Background(), "fiona", "t", nil, systemMeta())
	if err != nil {
		t.Fatal(err)
	}
	for body, want := range map[string]int{`{"area":"coupons","master":"` + secondMaster + `"}`: http.StatusAccepted, `{"master":"dom-nobody"}`: http.StatusBadRequest} {
		req, _ := http.NewRequest(http.MethodPost, p.http.URL+"/api/v1/sync", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if r := b.do(req); r.status != want {
			t.Fatalf("API %s: %d %s", body, r.status, r.body)
		}
	}
	fs.mu.Lock()
	calls := strings.Join(fs.calls, ";")
	fs.mu.Unlock()
	if calls != "sub_accounts||manual:fiona|master="+secondMaster+";full||manual:fiona;coupons||manual:fiona|master="+secondMaster {
		t.Fatalf("calls %s", calls)
	}
	evs, err := p.db.ListAudit(context.Background(), store.AuditFilter{Action: "sync.request"})
	if err != nil || len(evs) != 3 {
		t.Fatalf("sync.request events: %d %v", len(evs), err)
	}
	if !strings.Contains(string(evs[2].Details), `"master":"`+secondMaster+`"`) || strings.Contains(string(evs[1].Details), "master") ||
		!strings.Contains(string(evs[0].Details), `"master":"`+secondMaster+`"`) {
		t.Fatalf("audit details: %s / %s / %s", evs[2].Details, evs[1].Details, evs[0].Details)
	}
}

// With several masters the sub-account page names its master and that master's last
// sync, the operation page names the operation's master, and /admin/upstream shows each
// master's last sync (when, status, error); with one master the detail pages say nothing.
func TestMasterOnDetailPages(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := opsPortal(t, db)
		ctx := context.Background()
		fay := p.as("fay")
		sub := p.normalSubs(1)[0]
		if r := fay.get("/sub-accounts/" + sub.ID); r.status != 200 || r.has(t, "sa-master") {
			t.Fatalf("one master: master named on the sub-account page (%d)", r.status)
		}

		seedSecondMaster(t, db)
		run, err := db.BeginSyncRun(ctx, secondMaster, "balances", "", "schedule", "test", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.FinishSyncRun(ctx, run.ID, "failed", store.RunProgress{}, "APIGW.0301 signature rejected"); err != nil {
			t.Fatal(err)
		}
		for lang, want := range map[string]string{"en": "Master last synced", "zh": "主账号上次同步"} {
			fay.lang = lang
			r := fay.get("/sub-accounts/sb-one")
			if r.testid(t, "sa-master-name") != "Second master" || r.testid(t, "sa-master-synced") == "" || !strings.Contains(r.testid(t, "sa-master"), want) {
				t.Fatalf("%s: sub-account page of the second master: %q", lang, r.testid(t, "sa-master"))
			}
		}
		fay.lang = "en"
		if got := fay.get("/sub-accounts/sb-one").testid(t, "sa-master-synced"); got == "Not synced yet" {
			t.Fatalf("the second master's last sync not shown: %q", got)
		}
		if got := fay.get("/sub-accounts/"+sub.ID).testid(t, "sa-master-synced"); got == "" || got == "Not synced yet" {
			t.Fatalf("the sandbox master was synced by the test's cache fill: %q", got)
		}

		// The operation page.
		fayU, err := db.UserByUsername(ctx, "fay")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		op := &store.Operation{Kind: "transfer_funds", State: "pending", Params: `{"sub_account_id":"sb-one","amount":"1.00"}`, Currency: "CNY",
			SubAccountID: "sb-one", MasterAccountID: secondMaster, TransID: fmt.Sprintf("%032x", 77), RequestedBy: fayU.ID, RequestedByName: "fay",
			Reason: "test", RequiredApprovals: 1, ExpiresAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now}
		if err := db.InsertOperation(ctx, op); err != nil {
			t.Fatal(err)
		}
		if got := p.as("adam").get(fmt.Sprintf("/operations/%d", op.ID)).testid(t, "op-master"); got != "Second master" {
			t.Fatalf("operation page master: %q", got)
		}

		// /admin/upstream: the second master's failed run.
		r := p.adminBrowser().get("/admin/upstream")
		cell := r.testid(t, "upstream-last-sync")
		if r.status != 200 || !strings.Contains(cell, "failed") || !strings.Contains(cell, "APIGW.0301") {
			t.Fatalf("admin upstream last sync: %d %q", r.status, cell)
		}
	})
}

// /admin/upstream shows the masters registered in process (the demo sandbox) read-only
// beside the stored ones, so that a demo portal does not claim to be connected to nothing.
func TestUpstreamListShowsInProcessMasters(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := newPortalWith(t, db, nil, withRegistry(nil))
		r := p.adminBrowser().get("/admin/upstream")
		if r.status != 200 || r.has(t, "upstream-empty") {
			t.Fatalf("admin upstream: %d, empty notice shown %v", r.status, r.has(t, "upstream-empty"))
		}
		got := r.doc(t).Find("[data-testid=upstream-in-process]")
		if got.Length() != 2 || !strings.Contains(r.body, "Read test master") || !strings.Contains(r.body, "In process (demo sandbox), not stored") {
			t.Fatalf("in-process masters: %d rows", got.Length())
		}
		if strings.Contains(r.body, sandbox.DefaultOptions().SK) {
			t.Fatal("the sandbox's secret key is rendered")
		}
	})
}
