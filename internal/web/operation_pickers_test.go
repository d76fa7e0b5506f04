package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
	"github.com/purser-finance/purser/internal/users"
)

// pickerPortal is the read fixture (alpha in East, beta and thirty fillers in West, gamma
// frozen in East Ops; a second master) with the workflow, the ops cast, eve (finance,
// scoped to East), coupons of the master and resources of the master expiring in 3, 20,
// 60 and 200 days (besides a closed one and a part of another, which nothing can act on).
func pickerPortal(t *testing.T, db *store.DB) *portal {
	t.Helper()
	p := newPortalWith(t, db, nil, withRegistry(withOps(t)))
	seedCache(t, p.db)
	p.opsUsers()
	seedSecondMaster(t, db)
	if _, err := p.users.Create(context.Background(), users.NewUser{Username: "eve", Password: testPassword, Roles: []string{"finance"},
		TOTPSecret: testSecret, Scopes: []string{"org-east"}}, systemMeta()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := db.ReplaceMasterCoupons(ctx, testMaster, []store.Coupon{
		{CouponID: "cp-m1", PlanName: "Launch plan", Balance: amt("50.00")},
		{CouponID: "cp-m0", PlanName: "Spent plan", Balance: amt("0.00")},
	}, seedAt); err != nil {
		t.Fatal(err)
	}
	now := testkit.Start
	res := func(id string, days, status int, main bool) store.Resource {
		exp := now.Add(time.Duration(days) * 24 * time.Hour)
		return store.Resource{ResourceID: id, Name: "vm-" + id, Region: "cn-north-4", ServiceType: "hws.service.type.ec2", ServiceTypeName: "ECS",
			IsMain: main, Status: status, Effective: &seedAt, Expire: &exp}
	}
	if err := db.ReplaceResources(ctx, testMaster, []store.Resource{res("m-3d", 3, 2, true), res("m-20d", 20, 2, true),
		res("m-60d", 60, 4, true), res("m-200d", 200, 2, true), res("m-closed", 10, 3, true), res("m-part", 3, 2, false)}, seedAt); err != nil {
		t.Fatal(err)
	}
	return p
}

// ids lists the data-id of the elements of a test id, in page order.
func ids(t *testing.T, r response, testid string) []string {
	t.Helper()
	var out []string
	r.doc(t).Find(`[data-testid="` + testid + `"]`).Each(func(_ int, s *goquery.Selection) { out = append(out, s.AttrOr("data-id", "")) })
	return out
}

// checked lists the values of the checked inputs named name.
func checked(t *testing.T, r response, name string) []string {
	t.Helper()
	var out []string
	r.doc(t).Find(`input[name="` + name + `"][checked]`).Each(func(_ int, s *goquery.Selection) { out = append(out, s.AttrOr("value", "")) })
	return out
}

// TestSubAccountTypeAhead: the type-ahead offers the sub-accounts a maker may name —
// matched by name, by display name in Chinese, or by the start of the id — and never one
// outside the maker's scope, a frozen one, or one of a disabled master.
func TestSubAccountTypeAhead(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := pickerPortal(t, db)
		fay, eve := p.as("fay"), p.as("eve")
		suggest := func(b *browser, q string) response {
			t.Helper()
			r := b.get("/operations/pick/sub-accounts?q=" + url.QueryEscape(q))
			if r.status != http.StatusOK {
				t.Fatalf("suggest %q: %d", q, r.status)
			}
			return r
		}
		for _, c := range []struct {
			who  *browser
			q    string
			want []string
		}{
			{fay, "生产", []string{"sa-alpha"}},             // display name, Chinese
			{fay, "ALPHA-P", []string{"sa-alpha"}},        // name, any case
			{fay, "sa-be", []string{"sa-beta"}},           // the start of the id
			{fay, "gamma", nil},                           // frozen: nothing could move to it
			{fay, "second", []string{"sb-one", "sb-two"}}, // a second master, enabled
			{eve, "", []string{"sa-alpha"}},               // her scope: East (gamma is frozen)
			{eve, "beta", nil},                            // West, by name …
			{eve, "sa-beta", nil},                         // … and by id
			{eve, "west", nil},
		} {
			if got := ids(t, suggest(c.who, c.q), "sa-option"); !slices.Equal(got, c.want) {
				t.Errorf("%q: offered %v, want %v", c.q, got, c.want)
			}
		}
		// What a suggestion shows: names, unit, cash.
		r := suggest(fay, "生产")
		if got := r.testid(t, "sa-option"); !strings.Contains(got, "alpha-prod") || !strings.Contains(got, "Alpha 生产") ||
			!strings.Contains(got, "East") || !strings.Contains(got, "420.25 CNY") {
			t.Errorf("the suggestion reads %q", got)
		}
		// The box sends itself as the form's field; more matches than shown say so.
		if r := fay.get("/operations/pick/sub-accounts?sub_account_id=west-team"); len(ids(t, r, "sa-option")) != 10 || !r.has(t, "sa-more") {
			t.Errorf("west-team: %d offered, more noted %v", len(ids(t, r, "sa-option")), r.has(t, "sa-more"))
		}
		for lang, want := range map[string]string{"en": "No sub-account matches.", "zh": "没有匹配的子账号。"} {
			fay.lang = lang
			if got := suggest(fay, "nobody").testid(t, "sa-no-match"); got != want {
				t.Errorf("%s: no match reads %q", lang, got)
			}
		}
		fay.lang = ""
		setMasterEnabled(t, db, secondMaster, false)
		if got := ids(t, suggest(fay, "second"), "sa-option"); len(got) != 0 {
			t.Errorf("a disabled master's sub-accounts offered: %v", got)
		}
	})
}

// TestDraftNamedBySearchText: without script, a draft whose sub-account field holds a
// name comes back with the sub-accounts it matches to choose from and everything else
// kept; choosing one shows the form again with it; submitting then creates the draft for
// it. Text matching nothing, and an id outside the maker's scope, are refused as before.
func TestDraftNamedBySearchText(t *testing.T) {
	t.Parallel()
	p := pickerPortal(t, testkit.SQLite(t))
	fay := p.as("fay")
	key := fay.formKey("/operations/new?kind=transfer_funds")
	form := url.Values{"kind": {"transfer_funds"}, "idempotency_key": {key}, "sub_account_id": {"west-team-0"},
		"amount": {"12.34"}, "balance_type": {"debit"}, "reason": {"keep me"}}
	r := fay.post("/operations", form)
	if r.status != http.StatusOK || r.location != "" {
		t.Fatalf("search text: %d %q, want the form again", r.status, r.location)
	}
	if got := ids(t, r, "sa-option"); len(got) != 10 || got[0] != "sa-w00" || got[9] != "sa-w09" {
		t.Fatalf("matches %v", got)
	}
	d := r.doc(t)
	if v, _ := d.Find(`[data-testid="input-amount"]`).Attr("value"); v != "12.34" || r.testid(t, "input-reason") != "keep me" {
		t.Fatalf("input lost: amount %q, reason %q", v, r.testid(t, "input-reason"))
	}
	if v, _ := d.Find(`[data-testid="input-sub_account_id"]`).Attr("value"); v != "west-team-0" {
		t.Fatalf("the text typed is gone: %q", v)
	}
	if k, _ := d.Find(`[data-testid="idempotency-key"]`).Attr("value"); k != key {
		t.Fatal("the form's key changed")
	}
	if !strings.Contains(r.testid(t, "sa-matches"), "10 sub-accounts match “west-team-0”") {
		t.Fatalf("the matches say %q", r.testid(t, "sa-matches"))
	}
	// The choice is a button of the form: it posts the form to /operations/new with it.
	if a, _ := d.Find(`[data-testid="sa-option"][data-id="sa-w03"]`).Attr("formaction"); a != "/operations/new" {
		t.Fatalf("a match posts to %q", a)
	}
	form.Set("pick_sub_account", "sa-w03")
	r = fay.post("/operations/new", form)
	d = r.doc(t)
	if v, _ := d.Find(`[data-testid="input-sub_account_id"]`).Attr("value"); r.status != http.StatusOK || v != "sa-w03" {
		t.Fatalf("after the choice: %d, field %q", r.status, v)
	}
	if got := r.testid(t, "sa-chosen"); !strings.Contains(got, "west-team-03") || !strings.Contains(got, "5,030.00 CNY") {
		t.Fatalf("the chosen sub-account reads %q", got)
	}
	if v, _ := d.Find(`[data-testid="input-amount"]`).Attr("value"); v != "12.34" || r.testid(t, "input-reason") != "keep me" {
		t.Fatal("input lost on the choice")
	}
	form.Del("pick_sub_account")
	form.Set("sub_account_id", "sa-w03")
	created := fay.post("/operations", form)
	if created.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", created.status, errorsOf(t, created))
	}
	if got := fay.get(created.location).testid(t, "snap-sub-account"); !strings.Contains(got, "sa-w03") {
		t.Fatalf("the draft is for %q", got)
	}

	// In Chinese.
	fay.lang = "zh"
	form.Set("idempotency_key", newKey())
	form.Set("sub_account_id", "生产")
	if r := fay.post("/operations", form); r.status != http.StatusOK || !strings.Contains(r.testid(t, "sa-matches"), "匹配“生产”") {
		t.Fatalf("zh: %d %q", r.status, r.testid(t, "sa-matches"))
	}
	fay.lang = ""
	// Text matching nothing: the use case's refusal, as before.
	form.Set("sub_account_id", "nobody-at-all")
	if r := fay.post("/operations", form); r.status != http.StatusUnprocessableEntity || r.testid(t, "error-sub_account_id") == "" || r.has(t, "sa-option") {
		t.Fatalf("no match: %d %q", r.status, errorsOf(t, r))
	}
	// A scoped maker: a name outside her scope matches nothing; its id is not found.
	eve := p.as("eve")
	form.Set("idempotency_key", newKey())
	form.Set("sub_account_id", "beta")
	if r := eve.post("/operations", form); r.status != http.StatusUnprocessableEntity || r.has(t, "sa-option") {
		t.Fatalf("eve by name: %d", r.status)
	}
	form.Set("sub_account_id", "sa-beta")
	if r := eve.post("/operations", form); r.status != http.StatusNotFound {
		t.Fatalf("eve by id: %d", r.status)
	}
}

// TestCouponPicker: an allocation offers the master's coupons (a used-up one shown but
// not a choice), a recovery the sub-account's own; the pick posts the ids the use case
// checks, and a refused draft keeps it.
func TestCouponPicker(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := pickerPortal(t, db)
		fay := p.as("fay")
		alloc := fay.get("/operations/new?kind=transfer_coupon&sub_account_id=sa-alpha")
		if got := ids(t, alloc, "coupon-option"); !slices.Equal(got, []string{"cp-m0", "cp-m1"}) && !slices.Equal(got, []string{"cp-m1", "cp-m0"}) {
			t.Fatalf("allocation offers %v, want the master's cp-m1 and cp-m0 (not the second master's, not alpha's own)", got)
		}
		d := alloc.doc(t)
		if _, off := d.Find(`input[name="coupon_pick"][value="cp-m0"]`).Attr("disabled"); !off {
			t.Fatal("a used-up coupon is a choice")
		}
		if got := d.Find(`[data-testid="coupon-option"][data-id="cp-m1"]`).Text(); !strings.Contains(got, "Launch plan") || !strings.Contains(got, "50.00 CNY") {
			t.Fatalf("the coupon reads %q", got)
		}
		recovery := fay.get("/operations/new?kind=retrieve_coupon&sub_account_id=sa-alpha")
		if got := ids(t, recovery, "coupon-option"); !slices.Equal(got, []string{"cp-1/scp-1"}) {
			t.Fatalf("recovery offers %v, want alpha's cp-1/scp-1", got)
		}
		for lang, want := range map[string]string{"en": "Choose the sub-account first", "zh": "请先选择子账号"} {
			fay.lang = lang
			if got := fay.get("/operations/new?kind=retrieve_coupon").testid(t, "coupon-empty"); !strings.Contains(got, want) {
				t.Fatalf("%s: recovery without a sub-account says %q", lang, got)
			}
		}
		fay.lang = ""

		// A refused allocation keeps the pick.
		form := url.Values{"kind": {"transfer_coupon"}, "idempotency_key": {newKey()}, "sub_account_id": {"sa-alpha"},
			"coupon_pick": {"cp-m1"}, "amount": {"80.00"}, "reason": {"launch"}}
		r := fay.post("/operations", form)
		if r.status != http.StatusUnprocessableEntity || r.testid(t, "error-amount") == "" || !slices.Equal(checked(t, r, "coupon_pick"), []string{"cp-m1"}) {
			t.Fatalf("over the balance: %d, picked %v, %s", r.status, checked(t, r, "coupon_pick"), errorsOf(t, r))
		}
		form.Set("amount", "20.00")
		if id := fay.draft("transfer_coupon", form); fay.get("/operations/"+id).testid(t, "snap-coupon-id") != "cp-m1" {
			t.Fatal("the allocation is not for cp-m1")
		}
		page := fay.get("/operations/" + fay.draft("retrieve_coupon", url.Values{"sub_account_id": {"sa-alpha"}, "coupon_pick": {"cp-1/scp-1"}}))
		if page.testid(t, "snap-coupon-id") != "cp-1" || page.testid(t, "snap-sub-coupon-id") != "scp-1" {
			t.Fatalf("the recovery is for %q / %q", page.testid(t, "snap-coupon-id"), page.testid(t, "snap-sub-coupon-id"))
		}
		// Before a sub-account is chosen an allocation offers every configured master's
		// coupons; a disabled master's are gone.
		if got := ids(t, fay.get("/operations/new?kind=transfer_coupon"), "coupon-option"); !slices.Contains(got, "cp-second") {
			t.Fatalf("every master's coupons: %v", got)
		}
		setMasterEnabled(t, db, secondMaster, false)
		if got := ids(t, fay.get("/operations/new?kind=transfer_coupon"), "coupon-option"); slices.Contains(got, "cp-second") {
			t.Fatalf("a disabled master's coupon offered: %v", got)
		}
	})
}

// TestResourcePicker: a resource operation lists the account's main resources that can
// be acted on, soonest expiry first, narrowed by expiry; picks survive the filter, "select
// all shown" and "clear" work without script, pasted ids stay pasted, and the draft is
// for the resources picked. A scoped maker sees only her scope's accounts.
func TestResourcePicker(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := pickerPortal(t, db)
		fay := p.as("fay")
		base := "/operations/new?kind=renew_resources&account_id=" + testMaster
		r := fay.get(base)
		if got := ids(t, r, "resource-option"); !slices.Equal(got, []string{"m-3d", "m-20d", "m-60d", "m-200d"}) {
			t.Fatalf("listed %v", got)
		}
		var accounts []string
		r.doc(t).Find(`[data-testid="resource-account"] option`).Each(func(_ int, s *goquery.Selection) { accounts = append(accounts, s.AttrOr("value", "")) })
		if !slices.Contains(accounts, testMaster) || !slices.Contains(accounts, "sa-alpha") || !slices.Contains(accounts, secondMaster) {
			t.Fatalf("accounts %v", accounts)
		}
		if got := r.doc(t).Find(`[data-testid="resource-option"][data-id="m-60d"]`).Text(); !strings.Contains(got, "ECS") ||
			!strings.Contains(got, "cn-north-4") || !strings.Contains(got, testkit.Start.Add(60*24*time.Hour).Format("2006-01-02")) || !strings.Contains(got, "Frozen") {
			t.Fatalf("a row reads %q", got)
		}
		for days, want := range map[string][]string{"7": {"m-3d"}, "30": {"m-3d", "m-20d"}, "90": {"m-3d", "m-20d", "m-60d"}, "": {"m-3d", "m-20d", "m-60d", "m-200d"}} {
			if got := ids(t, fay.get(base+"&expiring="+days), "resource-option"); !slices.Equal(got, want) {
				t.Errorf("within %q days: %v, want %v", days, got, want)
			}
		}
		// A pick the filter hides travels along, and says so.
		r = fay.get(base + "&expiring=30&resource_ids=m-200d")
		if v, ok := r.doc(t).Find(`input[type="hidden"][name="resource_ids"]`).Attr("value"); !ok || v != "m-200d" || !r.has(t, "resource-kept") {
			t.Fatalf("a hidden pick: %q %v", v, r.has(t, "resource-kept"))
		}

		// Select all shown, then clear, posting the form as the buttons do.
		form := url.Values{"kind": {"renew_resources"}, "idempotency_key": {newKey()}, "account_id": {testMaster}, "expiring": {"30"},
			"resource_ids": {"m-200d"}, "period_type": {"month"}, "period_num": {"1"}, "reason": {"renew"}, "pick_resources": {"all"}}
		r = fay.post("/operations/new", form)
		if got := checked(t, r, "resource_ids"); r.status != http.StatusOK || !slices.Equal(got, []string{"m-3d", "m-20d"}) {
			t.Fatalf("select all shown: %d %v", r.status, got)
		}
		form.Set("pick_resources", "none")
		if r = fay.post("/operations/new", form); len(checked(t, r, "resource_ids")) != 0 || r.has(t, "resource-kept") {
			t.Fatalf("clear: %v", checked(t, r, "resource_ids"))
		}

		// A refused draft keeps the picks and the pasted ids.
		form.Del("pick_resources")
		form["resource_ids"] = []string{"m-3d", "m-20d", "nope-1"}
		r = fay.post("/operations", form)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.testid(t, "error-resource_ids"), "nope-1") {
			t.Fatalf("unknown id: %d %s", r.status, errorsOf(t, r))
		}
		if got := checked(t, r, "resource_ids"); !slices.Equal(got, []string{"m-3d", "m-20d"}) || r.testid(t, "input-resource_ids") != "nope-1" {
			t.Fatalf("kept %v, pasted %q", got, r.testid(t, "input-resource_ids"))
		}
		if _, open := r.doc(t).Find(`[data-testid="resource-paste"]`).Attr("open"); !open {
			t.Fatal("the paste box is closed over the ids it holds")
		}
		form["resource_ids"] = []string{"m-3d", "m-20d"}
		page := fay.get("/operations/" + fay.draft("renew_resources", form))
		if got := strings.Fields(page.testid(t, "snap-resource-ids")); !slices.Equal(got, []string{"m-3d", "m-20d"}) {
			t.Fatalf("the renewal is for %v", got)
		}

		// eve: East only — alpha's resources, no master's, no West's; in Chinese.
		eve := p.as("eve")
		eve.lang = "zh"
		r = eve.get("/operations/new?kind=to_on_demand&account_id=" + testMaster)
		if got := ids(t, r, "resource-option"); !slices.Equal(got, []string{"res-1"}) || r.has(t, "resource-account") ||
			!strings.Contains(r.testid(t, "resource-shown"), "显示 1 / 1 个 · 每次最多 100 个") {
			t.Fatalf("eve: %v, account choice %v, %q", got, r.has(t, "resource-account"), r.testid(t, "resource-shown"))
		}
		setMasterEnabled(t, db, secondMaster, false)
		r = fay.get(base)
		if r.doc(t).Find(`[data-testid="resource-account"] option[value="`+secondMaster+`"]`).Length() != 0 {
			t.Fatal("a disabled master's resources offered")
		}
	})
}
