package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/testkit"
)

// selectionForm posts the batch-from-selection form for subs with extra choices.
func selectionForm(kind, key string, subs []string, extra url.Values) url.Values {
	v := url.Values{"kind": {kind}, "idempotency_key": {key}, "sub_account_id": subs, "reason": {"December"}}
	for k, vs := range extra {
		v[k] = vs
	}
	return v
}

// previewRows are the sub-account ids and amounts of a bulk preview, in order.
func previewRows(t *testing.T, r response) [][2]string {
	t.Helper()
	var out [][2]string
	r.doc(t).Find(`[data-testid="bulk-row"]`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, [2]string{s.Find("code.id").Text(), strings.TrimSpace(s.Find("td.num").Eq(1).Text())})
	})
	return out
}

// TestBatchFromSelection: sub-accounts chosen on the list become a batch with the same
// amount for each or an amount per account; a recovery can take everything recoverable,
// and where an amount exceeds what is free to recover it is skipped, capped or refused
// as the person chose. A bad amount comes back on the form with every input kept.
func TestBatchFromSelection(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	subs := p.normalSubs(2)
	ids := []string{subs[0].ID, subs[1].ID}
	fay := p.as("fay")

	r := fay.get("/operations/new?kind=retrieve_funds&sub_account_id=" + ids[0] + "&sub_account_id=" + ids[1])
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/operations/bulk/selection?") {
		t.Fatalf("list selection: %d %q", r.status, r.location)
	}
	form := fay.get(r.location)
	if form.status != http.StatusOK || form.doc(t).Find(`[data-testid="sel-account"]`).Length() != 2 {
		t.Fatalf("selection form: %d", form.status)
	}
	key, _ := form.doc(t).Find(`input[name="idempotency_key"]`).Attr("value")
	free := map[string]money.Amount{}
	form.doc(t).Find(`[data-testid="sel-account"]`).Each(func(i int, s *goquery.Selection) {
		text := strings.TrimSuffix(strings.TrimSpace(s.Find(`[data-testid="sel-recoverable"]`).Text()), " CNY")
		a, err := money.ParseNumber(strings.ReplaceAll(text, ",", ""))
		if err != nil || !a.IsPositive() {
			t.Fatalf("recoverable of %s: %q", ids[i], text)
		}
		free[ids[i]] = money.New(a, "CNY")
	})

	// Transfers: the same amount for each; an amount per account.
	r = fay.post("/operations/bulk/selection/preview", selectionForm("transfer_funds", key, ids, url.Values{"mode": {"same"}, "amount": {"12.34"}}))
	if got := previewRows(t, r); r.status != http.StatusOK || len(got) != 2 || got[0] != [2]string{ids[0], "12.34"} || got[1] != [2]string{ids[1], "12.34"} {
		t.Fatalf("same amount: %d %v", r.status, got)
	}
	r = fay.post("/operations/bulk/selection/preview", selectionForm("transfer_funds", key, ids,
		url.Values{"mode": {"each"}, "amount." + ids[0]: {"1.50"}, "amount." + ids[1]: {"2,000.00"}}))
	if got := previewRows(t, r); len(got) != 2 || got[0][1] != "1.50" || got[1][1] != "2,000.00" {
		t.Fatalf("amount per account: %d %v %s", r.status, got, r.testid(t, "bulk-errors-summary"))
	}

	// Recoveries: everything recoverable.
	r = fay.post("/operations/bulk/selection/preview", selectionForm("retrieve_funds", key, ids, url.Values{"mode": {"all"}}))
	if got := previewRows(t, r); len(got) != 2 || got[0][1] != free[ids[0]].Format() || got[1][1] != free[ids[1]].Format() {
		t.Fatalf("everything recoverable: %d %v, free %v", r.status, got, free)
	}
	// More than the first has: skip it, or recover what is there, or stop on it.
	one, _ := money.Parse("1.00", "CNY")
	over := free[ids[0]].Add(one).String()
	within := "0.01"
	ask := url.Values{"mode": {"each"}, "amount." + ids[0]: {over}, "amount." + ids[1]: {within}}
	ask.Set("over", "skip")
	r = fay.post("/operations/bulk/selection/preview", selectionForm("retrieve_funds", key, ids, ask))
	if got := previewRows(t, r); len(got) != 1 || got[0][0] != ids[1] || !strings.Contains(r.testid(t, "bulk-notes"), "left out") {
		t.Fatalf("skip: %v %q", got, r.testid(t, "bulk-notes"))
	}
	ask.Set("over", "capped")
	r = fay.post("/operations/bulk/selection/preview", selectionForm("retrieve_funds", key, ids, ask))
	if got := previewRows(t, r); len(got) != 2 || got[0][1] != free[ids[0]].Format() || !strings.Contains(r.testid(t, "bulk-notes"), "all that is free") {
		t.Fatalf("capped: %v %q", got, r.testid(t, "bulk-notes"))
	}
	ask.Set("over", "")
	r = fay.post("/operations/bulk/selection/preview", selectionForm("retrieve_funds", key, ids, ask))
	if r.status != http.StatusUnprocessableEntity || r.doc(t).Find(`[data-testid="bulk-error"]`).Length() != 1 {
		t.Fatalf("refuse: %d", r.status)
	}

	// A bad amount: the form again, in Chinese, with the inputs kept; nothing created.
	fay.lang = "zh-CN"
	r = fay.post("/operations/bulk/selection/preview", selectionForm("transfer_funds", key, ids,
		url.Values{"mode": {"same"}, "amount": {"-3"}, "amount." + ids[1]: {"7.00"}}))
	if r.status != http.StatusUnprocessableEntity || r.testid(t, "sel-amount-error") == "" {
		t.Fatalf("bad amount: %d %q", r.status, r.testid(t, "sel-amount-error"))
	}
	if v, _ := r.doc(t).Find(`input[name="amount.` + ids[1] + `"]`).Attr("value"); v != "7.00" {
		t.Fatalf("per-account amount not kept: %q", v)
	}
	if v, _ := r.doc(t).Find(`[data-testid="sel-reason"]`).Attr("value"); v != "December" {
		t.Fatalf("reason not kept: %q", v)
	}
	if !strings.Contains(r.testid(t, "sel-heading"), "批量") {
		t.Fatalf("zh heading %q", r.testid(t, "sel-heading"))
	}
	fay.lang = ""

	// The preview's submit makes the batch from exactly the previewed rows.
	r = fay.post("/operations/bulk/selection/preview", selectionForm("retrieve_funds", key, ids, url.Values{"mode": {"all"}}))
	csv, _ := r.doc(t).Find(`[data-testid="bulk-submit-form"] input[name="csv"]`).Attr("value")
	done := fay.post("/operations/bulk", url.Values{"kind": {"retrieve_funds"}, "csv": {csv}, "reason": {"December"}, "idempotency_key": {key}})
	if done.status != http.StatusSeeOther || !strings.HasPrefix(done.location, "/operations/batches/") || countOps(t, p) != 2 {
		t.Fatalf("submit: %d %q %d operations", done.status, done.location, countOps(t, p))
	}
}
