package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

// renewable returns a main resource of the master in use, from the synced cache.
func (p *portal) renewable() string {
	p.t.Helper()
	res, _, err := p.db.ListResources(context.Background(), authz.Everything, store.ResourceFilter{MainOnly: true, Status: 2, Limit: 1})
	if err != nil || len(res) == 0 {
		p.t.Fatalf("no main resource in use in the cache: %v", err)
	}
	return res[0].ResourceID
}

// upstreamQuote is what the sandbox quotes for renewing id for months, formatted as the
// pages show it: the price to pay, and the official price.
func (p *portal) upstreamQuote(id string, months int) (amount, official string) {
	p.t.Helper()
	q, err := p.up.(bss.Renewals).QuoteRenewal(context.Background(), bss.RenewalQuoteRequest{ResourceIDs: []bss.ResourceID{bss.ResourceID(id)},
		PeriodType: bss.PeriodMonth, PeriodNum: months, IncludeRelated: true})
	if err != nil {
		p.t.Fatal(err)
	}
	t, _ := q.Total("CNY")
	return t.Amount.Format() + " CNY", t.Official.Format() + " CNY"
}

func renewForm(key, id, months string) url.Values {
	return url.Values{"kind": {"renew_resources"}, "idempotency_key": {key}, "resource_ids": {id}, "period_type": {"month"},
		"period_num": {months}, "reason": {"keep the database"}}
}

// TestRenewalQuoteOnTheDraft: "Get price" shows the form again with the upstream's quote,
// labelled with its source and time, in the reader's language, everything typed kept
// and nothing created; a bad period comes back with its reason and no price.
func TestRenewalQuoteOnTheDraft(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := opsPortal(t, db)
		id := p.renewable()
		amount, official := p.upstreamQuote(id, 3)
		want := map[string][2]string{
			"en": {"Upstream quote (ListRenewRateOnPeriod), as of ", " CST"},
			"zh": {"上游报价（ListRenewRateOnPeriod），截至 ", "(北京时间)"},
		}
		for _, lang := range []string{"en", "zh"} {
			fay := p.as("fay")
			fay.lang = lang
			key := fay.formKey("/operations/new?kind=renew_resources")
			form := fay.get("/operations/new?kind=renew_resources")
			if !form.has(t, "op-quote") || form.has(t, "renewal-quote") {
				t.Fatalf("%s: the renewal form should offer Get price and show no quote yet", lang)
			}
			before, _ := db.CountOperations(context.Background(), store.OperationFilter{})
			r := fay.post("/operations/quote", renewForm(key, id, "3"))
			if r.status != http.StatusOK {
				t.Fatalf("%s: quote: %d %s", lang, r.status, errorsOf(t, r))
			}
			title := r.testid(t, "quote-title")
			if !strings.HasPrefix(title, want[lang][0]) || !strings.HasSuffix(title, want[lang][1]) {
				t.Fatalf("%s: quote title %q", lang, title)
			}
			if got := r.testid(t, "quote-amount"); got != amount {
				t.Fatalf("%s: quoted %q, the upstream says %q", lang, got, amount)
			}
			if got := r.testid(t, "quote-official"); got != official || r.testid(t, "quote-discount") == "" {
				t.Fatalf("%s: official %q (want %q), discount %q", lang, got, official, r.testid(t, "quote-discount"))
			}
			if r.doc(t).Find(`[data-testid="quote-resource"]`).Length() != 1 || r.has(t, "quote-missing") {
				t.Fatalf("%s: per-resource lines or a missing quote", lang)
			}
			d := r.doc(t)
			if k, _ := d.Find(`[data-testid="idempotency-key"]`).Attr("value"); k != key {
				t.Fatalf("%s: the form's key changed", lang)
			}
			// The resource stays picked in the resource picker (the paste box holds only
			// ids not in the list).
			picked := d.Find(`input[name="resource_ids"][value="` + id + `"]`)
			if v, _ := d.Find(`[data-testid="input-period_num"]`).Attr("value"); v != "3" || r.testid(t, "input-reason") != "keep the database" ||
				picked.Length() != 1 || picked.AttrOr("checked", "no") == "no" {
				t.Fatalf("%s: input not kept", lang)
			}
			if after, _ := db.CountOperations(context.Background(), store.OperationFilter{}); after != before {
				t.Fatalf("%s: getting a price created an operation", lang)
			}
			bad := fay.post("/operations/quote", renewForm(key, id, "12"))
			if bad.status != http.StatusUnprocessableEntity || bad.testid(t, "error-period_num") == "" || bad.has(t, "renewal-quote") {
				t.Fatalf("%s: quote of 12 months: %d", lang, bad.status)
			}
		}
		// Only renewals are quoted; only people who may draft may ask.
		fay := p.as("fay")
		key := fay.formKey("/operations/new?kind=renew_resources")
		f := renewForm(key, id, "1")
		f.Set("kind", "auto_renew")
		if r := fay.post("/operations/quote", f); r.status != http.StatusBadRequest {
			t.Fatalf("quote of an auto-renew: %d", r.status)
		}
		if r := p.as("abby").post("/operations/quote", renewForm(key, id, "1")); r.status != http.StatusForbidden {
			t.Fatalf("quote by an approver: %d", r.status)
		}
	})
}

// TestRenewalQuoteSignedAndOrderShown: the submitted renewal's page shows the quote inside
// the snapshot the approver signs (and the JSON API has it); once approved and executed,
// the page shows the order it created: header, line items and provisioned resources.
func TestRenewalQuoteSignedAndOrderShown(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := opsPortal(t, db)
		id := p.renewable()
		amount, _ := p.upstreamQuote(id, 2)
		fay := p.as("fay")
		op := fay.draft("renew_resources", url.Values{"resource_ids": {id}, "period_type": {"month"}, "period_num": {"2"}, "auto_pay": {"on"}})

		abby := p.as("abby")
		page := abby.get("/operations/" + op)
		if page.status != http.StatusOK || !page.has(t, "approve-form") {
			t.Fatalf("approval page: %d", page.status)
		}
		if got := page.doc(t).Find(`[data-testid="snapshot"] [data-testid="quote-amount"]`).Text(); strings.TrimSpace(got) != amount {
			t.Fatalf("the signed snapshot shows %q, quoted %q", got, amount)
		}
		if !strings.HasPrefix(page.testid(t, "quote-title"), "Upstream quote (ListRenewRateOnPeriod), as of ") {
			t.Fatalf("quote title %q", page.testid(t, "quote-title"))
		}
		if page.has(t, "renewal-orders") {
			t.Fatal("a pending renewal shows orders")
		}
		// The inbox, where several requests may be approved at once, names the price too.
		inbox := abby.get("/approvals")
		if row := inbox.doc(t).Find(`[data-testid="inbox-row"][data-id="` + op + `"]`).Text(); !strings.Contains(row, "quoted "+amount) {
			t.Fatalf("the inbox row lacks the quote %q: %q", amount, strings.Join(strings.Fields(row), " "))
		}
		abby.lang = "zh"
		if zh := abby.get("/operations/" + op); !strings.HasPrefix(zh.testid(t, "quote-title"), "上游报价（ListRenewRateOnPeriod），截至 ") ||
			zh.testid(t, "quote-amount") != amount {
			t.Fatalf("zh quote: %q %q", zh.testid(t, "quote-title"), zh.testid(t, "quote-amount"))
		}
		abby.lang = ""

		// The JSON API carries the quote in the operation's params.
		r := p.api(p.token("abby"), "GET", "/api/v1/operations/"+op, "")
		var got struct {
			Params struct {
				Quote struct {
					Source   string `json:"source"`
					QuotedAt string `json:"quoted_at"`
					Totals   []struct {
						Currency, Amount, Official, Discount string
					} `json:"totals"`
				} `json:"quote"`
			} `json:"params"`
		}
		if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.status != http.StatusOK {
			t.Fatalf("api: %d %v", r.status, err)
		}
		if q := got.Params.Quote; q.Source != "ListRenewRateOnPeriod" || q.QuotedAt == "" || len(q.Totals) != 1 ||
			q.Totals[0].Currency != "CNY" || q.Totals[0].Amount+" CNY" != strings.ReplaceAll(amount, ",", "") {
			t.Fatalf("api quote %+v, quoted %s", q, amount)
		}

		if r := abby.post("/operations/"+op+"/approve", url.Values{"code": {abby.freshCode()}, "snapshot_hash": {p.snapshotOf(op)}}); r.status != http.StatusSeeOther {
			t.Fatalf("approve: %d %s", r.status, r.testid(t, "decide-error"))
		}
		p.waitState(op, "succeeded")
		// The operation's page never waits for the upstream: with its order details taking
		// 3 s to answer, the page names the order and loads it afterwards.
		p.sb.Server().SetFaults(sandbox.Faults{LatencyMS: 3000, Paths: []string{"/v2/orders/customer-orders/details/"}})
		started := time.Now()
		page = fay.get("/operations/" + op)
		if took := time.Since(started); page.status != http.StatusOK || took > 2*time.Second || page.has(t, "renewal-orders") {
			t.Fatalf("executed renewal's page: %d in %s (orders inline: %v)", page.status, took, page.has(t, "renewal-orders"))
		}
		load := page.doc(t).Find(`[data-testid="renewal-orders-load"]`)
		if href, _ := load.Attr("hx-get"); href != "/operations/"+op+"/orders" || load.AttrOr("hx-trigger", "") != "load" {
			t.Fatalf("orders loaded from %q on %q", href, load.AttrOr("hx-trigger", ""))
		}
		// Without JavaScript the link leads to the page with the orders inline.
		if r := fay.get("/operations/" + op + "/orders"); r.status != http.StatusSeeOther || r.location != "/operations/"+op+"?orders=inline#renewal-orders" {
			t.Fatalf("orders without htmx: %d %q", r.status, r.location)
		}
		p.sb.Server().SetFaults(sandbox.Faults{})
		for i, lang := range []string{"en", "zh"} {
			fay.lang = lang
			done := fay.get("/operations/"+op+"/orders", "HX-Request", "true")
			if i == 1 {
				done = fay.get("/operations/" + op + "?orders=inline")
			}
			if !done.has(t, "renewal-orders") || done.doc(t).Find(`[data-testid="renewal-order"]`).Length() != 1 || done.has(t, "order-unavailable") {
				t.Fatalf("%s: the executed renewal's order is not shown", lang)
			}
			if done.testid(t, "order-id") == "" || done.testid(t, "order-amount") != amount || done.testid(t, "order-created") == "" {
				t.Fatalf("%s: order %q amount %q (quoted %s) created %q", lang, done.testid(t, "order-id"), done.testid(t, "order-amount"), amount, done.testid(t, "order-created"))
			}
			status := map[string]string{"en": "Completed", "zh": "已完成"}[lang]
			if done.testid(t, "order-status") != status || done.doc(t).Find(`[data-testid="order-line"]`).Length() != 1 {
				t.Fatalf("%s: status %q, %d lines", lang, done.testid(t, "order-status"), done.doc(t).Find(`[data-testid="order-line"]`).Length())
			}
			ids := done.doc(t).Find(`[data-testid="order-resource-id"]`)
			if ids.Length() < 1 || strings.TrimSpace(ids.First().Text()) != id {
				t.Fatalf("%s: provisioned resources %q, want %s first", lang, ids.Text(), id)
			}
		}
		// A slow or failing upstream: the page still renders and says why.
		p.sb.Server().SetFaults(sandbox.Faults{ErrorRate: 1, Status: 503, Paths: []string{"/v2/orders/customer-orders/details/"}})
		fay.lang = "en"
		down := fay.get("/operations/"+op+"/orders", "HX-Request", "true")
		if down.status != http.StatusOK || !strings.HasPrefix(down.testid(t, "order-unavailable"), "Order details unavailable: ") {
			t.Fatalf("order with the upstream down: %d %q", down.status, down.testid(t, "order-unavailable"))
		}
	})
}

// TestRenewalDraftWithoutQuote: with the upstream's pricing down, "Get price" says so, the
// renewal can still be submitted, and its approvers read "No quote" and why.
func TestRenewalDraftWithoutQuote(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	id := p.renewable()
	p.sb.Server().SetFaults(sandbox.Faults{ErrorRate: 1, Status: 503, Paths: []string{"/v2/bills/ratings/"}})
	fay := p.as("fay")
	key := fay.formKey("/operations/new?kind=renew_resources")
	r := fay.post("/operations/quote", renewForm(key, id, "1"))
	if r.status != http.StatusOK || !strings.HasPrefix(r.testid(t, "quote-missing"), "No quote: Huawei Cloud") || r.has(t, "quote-amount") {
		t.Fatalf("quote with the upstream down: %d %q", r.status, r.testid(t, "quote-missing"))
	}
	op := fay.draft("renew_resources", renewForm(key, id, "1"))
	for lang, want := range map[string]string{"en": "No quote: Huawei Cloud", "zh": "无报价："} {
		abby := p.as("abby")
		abby.lang = lang
		page := abby.get("/operations/" + op)
		if got := page.doc(t).Find(`[data-testid="snapshot"] [data-testid="quote-missing"]`).Text(); !strings.HasPrefix(strings.TrimSpace(got), want) ||
			!page.has(t, "approve-form") {
			t.Fatalf("%s: the approver reads %q", lang, got)
		}
	}
}
