package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/testkit"
)

// TestBatchReasonsReachTheTrail: an auditor reading the trail of a bulk upload sees why it
// was made — the batch's reason on its submit event and each row's own reason on the row's
// create event, as a single operation's create event carries its reason.
func TestBatchReasonsReachTheTrail(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	subs := p.normalSubs(2)
	csv := "sub_account,amount,balance_type,reason\n" + subs[0].ID + ",1.00,debit,row reason one\n" + subs[1].ID + ",2.00,debit,row reason two\n"
	r := p.as("fay").post("/operations/bulk", url.Values{"kind": {"transfer_funds"}, "csv": {csv}, "reason": {"monthly top-up"}, "idempotency_key": {newKey()}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("batch: %d %s", r.status, errorsOf(t, r))
	}
	details := func(raw []byte) map[string]any {
		var d map[string]any
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	var batchReasons []any
	for _, e := range p.events(approval.ActionSubmit) {
		if e.TargetType == approval.TargetBatch {
			batchReasons = append(batchReasons, details(e.Details)["reason"])
		}
	}
	if len(batchReasons) != 1 || batchReasons[0] != "monthly top-up" {
		t.Fatalf("batch submit events carry reasons %v", batchReasons)
	}
	rows := map[any]bool{}
	for _, e := range p.events(approval.ActionCreate) {
		if d := details(e.Details); d["batch_id"] != nil {
			rows[d["reason"]] = true
		}
	}
	if len(rows) != 2 || !rows["row reason one"] || !rows["row reason two"] {
		t.Fatalf("row create events carry reasons %v", rows)
	}
}
