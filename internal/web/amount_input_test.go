package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/testkit"
)

var groupingMessage = map[string]string{
	"en": "Thousands separators go between groups of three digits, e.g. 1,000.50.",
	"zh": "千位分隔符须每三位数字一组，例如 1,000.50。",
}

// TestAmountInputOneParser: the form, the bulk file and the API read an amount the same
// way — full-width digits as typed with a Chinese input method, separators only between
// groups of three — and refuse "1,50" or "1,2,3" with the same message instead of reading
// them as 150.00 or 123.00.
func TestAmountInputOneParser(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	sub := p.normalSubs(1)[0]
	for _, lang := range []string{"en", "zh"} {
		fay := p.as("fay")
		fay.lang = lang
		for _, in := range []string{"1,50", "1,2,3", "1,0000", ",100", "100,"} {
			key := fay.formKey("/operations/new?kind=transfer_funds")
			r := fay.post("/operations", url.Values{"kind": {"transfer_funds"}, "idempotency_key": {key}, "sub_account_id": {sub.ID},
				"amount": {in}, "balance_type": {"debit"}, "reason": {"grouping"}})
			if r.status != http.StatusUnprocessableEntity || r.testid(t, "error-amount") != groupingMessage[lang] {
				t.Fatalf("form %s %q: %d %q", lang, in, r.status, r.testid(t, "error-amount"))
			}
		}
	}
	if n := countOps(t, p); n != 0 {
		t.Fatalf("refused amounts created %d operations", n)
	}

	fay := p.as("fay")
	for in, want := range map[string]string{"1,000.50": "1000.50", "１，０００．５０": "1000.50", "１００": "100.00"} {
		id := fay.transfer(sub.ID, in)
		if got := opAmount(t, p, id); got != want {
			t.Fatalf("form %q: stored amount %q, want %q", in, got, want)
		}
	}

	tok := p.token("fay")
	body := func(amount string) string {
		return `{"kind":"transfer_funds","sub_account_id":"` + sub.ID + `","amount":"` + amount + `","balance_type":"debit","reason":"api"}`
	}
	r := p.api(tok, "POST", "/api/v1/operations", body("1,000.00"), "Idempotency-Key", "amount-api-0001")
	var op struct{ Amount string }
	if err := json.Unmarshal([]byte(r.body), &op); r.status != http.StatusCreated || err != nil || op.Amount != "1000.00" {
		t.Fatalf("API 1,000.00: %d %s", r.status, r.body)
	}
	r = p.api(tok, "POST", "/api/v1/operations", body("1,50"), "Idempotency-Key", "amount-api-0002")
	var bad struct {
		Error struct{ Fields map[string]string }
	}
	if err := json.Unmarshal([]byte(r.body), &bad); r.status != http.StatusUnprocessableEntity || err != nil || bad.Error.Fields["amount"] != groupingMessage["en"] {
		t.Fatalf("API 1,50: %d %s", r.status, r.body)
	}

	key := newKey()
	csv := "sub_account,amount,balance_type,reason\n" + sub.ID + `,"1,50",debit,a` + "\n" + sub.ID + `,"1,000.50",debit,b` + "\n"
	r = fay.post("/operations/bulk/preview", url.Values{"kind": {"transfer_funds"}, "csv": {csv}, "reason": {"monthly"}, "idempotency_key": {key}})
	errs := r.doc(t).Find(`[data-testid="bulk-error"]`)
	if r.status != http.StatusUnprocessableEntity || errs.Length() != 1 || !strings.Contains(errs.Text(), groupingMessage["en"]) {
		t.Fatalf("bulk 1,50: %d %q", r.status, errs.Text())
	}
	csv = "sub_account,amount,balance_type,reason\n" + sub.ID + `,"1,000.50",debit,b` + "\n" + sub.ID + ",１２,debit,c\n"
	r = fay.post("/operations/bulk/preview", url.Values{"kind": {"transfer_funds"}, "csv": {csv}, "reason": {"monthly"}, "idempotency_key": {key}})
	if r.status != http.StatusOK || !strings.HasPrefix(r.testid(t, "bulk-total"), "1,012.50") {
		t.Fatalf("bulk 1,000.50 + １２: %d total %q %s", r.status, r.testid(t, "bulk-total"), errorsOf(t, r))
	}
}

// opAmount reads an operation's amount over the API, as a client would see it.
func opAmount(t *testing.T, p *portal, id string) string {
	t.Helper()
	r := p.api(p.token("abby"), "GET", "/api/v1/operations/"+id, "")
	var op struct{ Amount string }
	if err := json.Unmarshal([]byte(r.body), &op); err != nil || r.status != http.StatusOK {
		t.Fatalf("GET operation %s: %d %s", id, r.status, r.body)
	}
	return op.Amount
}
