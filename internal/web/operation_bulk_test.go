package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/testkit"
)

// TestBulkPreviewThenBatch: a file with bad rows creates nothing and lists every
// problem; the corrected file becomes one batch, approved once, that executes with live
// progress and a result CSV.
func TestBulkPreviewThenBatch(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	subs := p.normalSubs(3)
	fay, abby := p.as("fay"), p.as("abby")
	form := fay.get("/operations/bulk?kind=transfer_funds&sub_account_id=" + subs[0].ID + "&sub_account_id=" + subs[1].ID)
	if !strings.Contains(form.testid(t, "bulk-csv"), subs[1].ID) {
		t.Fatal("the bulk form is not prefilled with the selected sub-accounts")
	}
	key, _ := form.doc(t).Find(`input[name="idempotency_key"]`).Attr("value")
	bad := "sub_account,amount,balance_type,reason\n" + subs[0].ID + ",1.005,debit,a\nnobody,1.00,debit,b\n" + subs[1].ID + ",2.00,gold,c\n"
	r := fay.post("/operations/bulk/preview", url.Values{"kind": {"transfer_funds"}, "csv": {bad}, "reason": {"monthly"}, "idempotency_key": {key}})
	if r.status != http.StatusUnprocessableEntity || r.doc(t).Find(`[data-testid="bulk-error"]`).Length() != 3 {
		t.Fatalf("bad preview: %d, %d errors", r.status, r.doc(t).Find(`[data-testid="bulk-error"]`).Length())
	}
	if countOps(t, p) != 0 {
		t.Fatal("a preview created operations")
	}
	good := "sub_account,amount,balance_type,reason\n" + subs[0].ID + ",1.00,debit,a\n" + subs[1].Name + ",2.00,debit,b\n" + subs[2].ID + ",3.00,,c\n"
	r = fay.post("/operations/bulk/preview", url.Values{"kind": {"transfer_funds"}, "csv": {good}, "reason": {"monthly"}, "idempotency_key": {key}})
	if r.status != http.StatusOK || r.doc(t).Find(`[data-testid="bulk-row"]`).Length() != 3 || !strings.HasPrefix(r.testid(t, "bulk-total"), "6.00") {
		t.Fatalf("good preview: %d rows %d total %q", r.status, r.doc(t).Find(`[data-testid="bulk-row"]`).Length(), r.testid(t, "bulk-total"))
	}
	sub := url.Values{"kind": {"transfer_funds"}, "csv": {good}, "reason": {"monthly"}, "idempotency_key": {key}}
	r = fay.post("/operations/bulk", sub)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/operations/batches/") {
		t.Fatalf("submit: %d %q", r.status, r.location)
	}
	if again := fay.post("/operations/bulk", sub); again.location != r.location || countOps(t, p) != 3 {
		t.Fatalf("double submit of a batch: %q, %d operations", again.location, countOps(t, p))
	}
	batch := r.location
	inbox := abby.get("/approvals")
	if got := inbox.testid(t, "nav-count-approvals"); got != "1" {
		t.Fatalf("a batch of several rows counts %q in the badge, want 1", got)
	}
	if inbox.doc(t).Find(`[data-testid="inbox-row"]`).Length() != 1 {
		t.Fatalf("the batch shows %d times in the inbox", inbox.doc(t).Find(`[data-testid="inbox-row"]`).Length())
	}
	if r := abby.post(batch+"/approve", url.Values{"code": {abby.code(testSecret)}}); r.status != http.StatusSeeOther {
		t.Fatalf("approve batch: %d", r.status)
	}
	var prog response
	for i := 0; i < 400; i++ {
		prog = fay.get(batch + "/progress")
		if prog.has(t, "batch-finished") {
			break
		}
		if _, ok := prog.doc(t).Find(`[data-testid="batch-progress"]`).Attr("hx-get"); !ok {
			t.Fatalf("unfinished progress does not poll: %s", prog.body)
		}
		p.clock.Advance(0)
		sleep50()
	}
	if !prog.has(t, "batch-finished") {
		t.Fatal("the batch did not finish")
	}
	if _, ok := prog.doc(t).Find(`[data-testid="batch-progress"]`).Attr("hx-get"); ok {
		t.Fatal("a finished batch still polls")
	}
	csv := fay.get(batch + "/result.csv")
	if csv.status != http.StatusOK || strings.Count(csv.body, "succeeded") != 3 {
		t.Fatalf("result csv: %d\n%s", csv.status, csv.body)
	}
}
