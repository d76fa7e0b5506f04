package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

// The transfer form shows what Huawei Cloud showed (with its "as of"), what pending and
// approved operations reserve of it and what is free; a draft over the free amount is
// refused with those figures, in English and Chinese.
func TestTransferFormShowsFreeAmount(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	subs := p.normalSubs(2)
	master := sandbox.DefaultOptions().DomainID
	debit, _ := money.Parse("1000.00", money.DefaultCurrency)
	if err := p.db.StoreMasterBalances(context.Background(), master, store.MasterBalances{Debit: debit}, time.Now()); err != nil {
		t.Fatal(err)
	}
	fay := p.as("fay")
	fay.transfer(subs[0].ID, "600.00")
	for _, lang := range []string{"en", "zh"} {
		fay.lang = lang
		form := fay.get("/operations/new?kind=transfer_funds&sub_account_id=" + url.QueryEscape(subs[1].ID))
		if form.status != http.StatusOK {
			t.Fatalf("%s: form %d", lang, form.status)
		}
		if got := form.testid(t, "master-debit"); !strings.Contains(got, "1,000.00") {
			t.Fatalf("%s: available %q", lang, got)
		}
		if got := form.testid(t, "master-reserved"); !strings.Contains(got, "600.00") {
			t.Fatalf("%s: reserved %q", lang, got)
		}
		if got := form.testid(t, "master-free"); !strings.Contains(got, "400.00") {
			t.Fatalf("%s: free %q", lang, got)
		}
		if got := form.testid(t, "master-as-of"); got == "" {
			t.Fatalf("%s: no 'as of'", lang)
		}
		key := fay.formKey("/operations/new?kind=transfer_funds")
		r := fay.post("/operations", url.Values{"kind": {"transfer_funds"}, "idempotency_key": {key}, "sub_account_id": {subs[1].ID},
			"amount": {"500.00"}, "balance_type": {"debit"}, "reason": {"over"}})
		msg := r.testid(t, "error-amount")
		want := map[string]string{"en": "free", "zh": "可用"}[lang]
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(msg, "400.00") || !strings.Contains(msg, "600.00") || !strings.Contains(msg, want) {
			t.Fatalf("%s: over the free amount: %d %q", lang, r.status, msg)
		}
	}

	// Never read: the form and the refusal say so, not "0.00 available".
	for _, q := range []string{`DELETE FROM master_credits`, `DELETE FROM master_balances`} {
		if err := p.db.Gorm().Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	for _, lang := range []string{"en", "zh"} {
		fay.lang = lang
		want := map[string]string{"en": "not read from Huawei Cloud yet", "zh": "尚未从华为云读取"}[lang]
		form := fay.get("/operations/new?kind=transfer_funds&sub_account_id=" + url.QueryEscape(subs[1].ID))
		if got := form.testid(t, "master-as-of"); !strings.Contains(got, want) {
			t.Fatalf("%s: as of before a read %q", lang, got)
		}
		key := fay.formKey("/operations/new?kind=transfer_funds")
		r := fay.post("/operations", url.Values{"kind": {"transfer_funds"}, "idempotency_key": {key}, "sub_account_id": {subs[1].ID},
			"amount": {"1.00"}, "balance_type": {"debit"}, "reason": {"unread"}})
		if msg := r.testid(t, "error-amount"); r.status != http.StatusUnprocessableEntity || !strings.Contains(msg, want) {
			t.Fatalf("%s: not read: %d %q", lang, r.status, msg)
		}
	}
}
