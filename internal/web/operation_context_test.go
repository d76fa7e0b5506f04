package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

// inside is the trimmed text of the test id within the element of test id outer.
func inside(doc *goquery.Document, outer, id string) string {
	return strings.TrimSpace(doc.Find(`[data-testid="` + outer + `"] [data-testid="` + id + `"]`).First().Text())
}

// ctxOpIDs lists the data-id of the requests a context list shows.
func ctxOpIDs(doc *goquery.Document, list string) []string {
	var out []string
	doc.Find(`[data-testid="` + list + `"] [data-testid="ctx-op"]`).Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("data-id")
		out = append(out, id)
	})
	return out
}

// The page of a pending transfer shows the approver the sub-account's balances with
// their "as of", the other requests on the sub-account and the master's other transfers,
// and the cash after this one and after all of them, in English and Chinese. Once the
// request is decided there is nothing left to weigh: the panel goes.
func TestApprovalPageShowsContext(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	subs := p.normalSubs(2)
	master := sandbox.DefaultOptions().DomainID
	debit, _ := money.Parse("1000.00", money.DefaultCurrency)
	if err := p.db.StoreMasterBalances(context.Background(), master, store.MasterBalances{Debit: debit}, time.Now()); err != nil {
		t.Fatal(err)
	}
	fay, abby := p.as("fay"), p.as("abby")
	this := fay.transfer(subs[0].ID, "100.00")
	same := fay.transfer(subs[0].ID, "50.00")
	other := fay.transfer(subs[1].ID, "200.00")
	cash := subs[0].Debit
	plus := func(s string) string {
		a, _ := money.Parse(s, money.DefaultCurrency)
		return cash.Add(a).Format()
	}
	for _, lang := range []string{"en", "zh"} {
		abby.lang = lang
		r := abby.get("/operations/" + this)
		if r.status != http.StatusOK || !r.has(t, "op-context") {
			t.Fatalf("%s: %d, context panel %v", lang, r.status, r.has(t, "op-context"))
		}
		doc := r.doc(t)
		zone := map[string]string{"en": "CST", "zh": "北京时间"}[lang]
		if got := inside(doc, "ctx-sub", "as-of-time"); !strings.Contains(got, zone) {
			t.Fatalf("%s: the sub-account's as of %q", lang, got)
		}
		if got := inside(doc, "ctx-sub", "ctx-sub-debit"); !strings.Contains(got, cash.Format()) || !strings.Contains(got, "CNY") {
			t.Fatalf("%s: cash %q, want %s CNY", lang, got, cash.Format())
		}
		if got := r.testid(t, "ctx-sub-after-this"); !strings.Contains(got, plus("100.00")) {
			t.Fatalf("%s: after this %q, want %s", lang, got, plus("100.00"))
		}
		if got := r.testid(t, "ctx-sub-after-all"); !strings.Contains(got, plus("150.00")) {
			t.Fatalf("%s: after all %q, want %s", lang, got, plus("150.00"))
		}
		label := doc.Find(`[data-testid="ctx-sub-after-all"]`).Prev().Text()
		if want := map[string]string{"en": "1 other request not settled", "zh": "其他 1 项未完成申请"}[lang]; !strings.Contains(label, want) {
			t.Fatalf("%s: after-all label %q, want %q", lang, label, want)
		}
		if got := ctxOpIDs(doc, "ctx-sub-ops"); len(got) != 1 || got[0] != same {
			t.Fatalf("%s: on the sub-account %v, want [%s]", lang, got, same)
		}
		if got := ctxOpIDs(doc, "ctx-master-ops"); len(got) != 1 || got[0] != other {
			t.Fatalf("%s: on the master %v, want [%s]", lang, got, other)
		}
		for id, want := range map[string]string{"ctx-master-now": "1,000.00", "ctx-master-after-this": "900.00", "ctx-master-after-all": "650.00"} {
			if got := r.testid(t, id); !strings.Contains(got, want) {
				t.Fatalf("%s: %s %q, want %s", lang, id, got, want)
			}
		}
		if got := inside(doc, "ctx-master", "as-of-time"); !strings.Contains(got, zone) {
			t.Fatalf("%s: the master's as of %q", lang, got)
		}
	}
	if r := abby.post("/operations/"+this+"/reject", url.Values{"comment": {"not now"}}); r.status != http.StatusSeeOther {
		t.Fatalf("reject: %d", r.status)
	}
	if r := abby.get("/operations/" + this); r.has(t, "op-context") {
		t.Fatal("a rejected request still shows its context")
	}
	// The other requests no longer count the rejected one.
	r := abby.get("/operations/" + same)
	if got := r.testid(t, "ctx-master-after-all"); !strings.Contains(got, "750.00") {
		t.Fatalf("after the rejection, master after all %q, want 750.00", got)
	}
}

// The inbox line of a batch says how many rows it has (singular and plural) and what
// they add up to, in English and Chinese.
func TestInboxShowsBatchTotal(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	subs := p.normalSubs(3)
	fay, abby := p.as("fay"), p.as("abby")
	batch := func(csv string) string {
		r := fay.post("/operations/bulk", url.Values{"kind": {"transfer_funds"}, "csv": {"sub_account,amount,balance_type,reason\n" + csv},
			"reason": {"monthly"}, "idempotency_key": {newKey()}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("batch: %d %s", r.status, errorsOf(t, r))
		}
		return strings.TrimPrefix(r.location, "/operations/batches/")
	}
	three := batch(subs[0].ID + ",1000.10,debit,a\n" + subs[1].ID + ",2.20,debit,b\n" + subs[2].ID + ",3.30,,c\n")
	one := batch(subs[0].ID + ",4.00,debit,d\n")
	for _, lang := range []string{"en", "zh"} {
		abby.lang = lang
		doc := abby.get("/approvals").doc(t)
		row := func(id string) *goquery.Selection { return doc.Find(`[data-testid="inbox-row"][data-id="` + id + `"]`) }
		if got := strings.Join(strings.Fields(row(three).Find(`[data-testid="inbox-batch-total"]`).Text()), " "); got != "1,005.60 CNY" {
			t.Fatalf("%s: batch total %q, want 1,005.60 CNY", lang, got)
		}
		if got := strings.Join(strings.Fields(row(one).Find(`[data-testid="inbox-batch-total"]`).Text()), " "); got != "4.00 CNY" {
			t.Fatalf("%s: one-row batch total %q", lang, got)
		}
		want := map[string][2]string{"en": {"batch · 3 rows", "batch · 1 row"}, "zh": {"批次 · 3 行", "批次 · 1 行"}}[lang]
		if got := strings.TrimSpace(row(three).Find(`[data-testid="inbox-batch-rows"]`).Text()); got != want[0] {
			t.Fatalf("%s: rows %q, want %q", lang, got, want[0])
		}
		if got := strings.TrimSpace(row(one).Find(`[data-testid="inbox-batch-rows"]`).Text()); got != want[1] {
			t.Fatalf("%s: rows %q, want %q", lang, got, want[1])
		}
	}
}
