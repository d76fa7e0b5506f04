package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/testkit"
)

// TestDraftAgain: a rejected transfer offers "Draft again" to a person who may draft;
// the form comes back prefilled as it was requested, and the new draft's creation event
// names the operation it repeats. A pending one offers nothing, and its id in ?from= is
// refused.
func TestDraftAgain(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	sub := p.normalSubs(1)[0]
	fay, abby := p.as("fay"), p.as("abby")
	id := fay.draft("transfer_funds", url.Values{"sub_account_id": {sub.ID}, "amount": {"321.09"}, "balance_type": {"debit"},
		"reason": {"十二月预算 top-up"}})
	pending := fay.get("/operations/" + id)
	if pending.doc(t).Find(`[data-testid="op-draft-again"]`).Length() != 0 {
		t.Fatal("a pending operation offers Draft again")
	}
	if r := fay.get("/operations/new?from=" + id); r.status != http.StatusConflict {
		t.Fatalf("draft again from a pending operation: %d", r.status)
	}
	if r := abby.post("/operations/"+id+"/reject", url.Values{"comment": {"wrong month"}}); r.status != http.StatusSeeOther {
		t.Fatalf("reject: %d", r.status)
	}
	page := fay.get("/operations/" + id)
	link, ok := page.doc(t).Find(`[data-testid="op-draft-again"]`).Attr("href")
	if !ok || link != "/operations/new?from="+id {
		t.Fatalf("rejected operation's draft-again link %q %v", link, ok)
	}
	if abby.get("/operations/"+id).doc(t).Find(`[data-testid="op-draft-again"]`).Length() != 0 {
		t.Fatal("an approver who may not draft is offered Draft again")
	}
	form := fay.get(link)
	if form.status != http.StatusOK {
		t.Fatalf("draft again form: %d", form.status)
	}
	doc := form.doc(t)
	for name, want := range map[string]string{"sub_account_id": sub.ID, "amount": "321.09", "drafted_from": id} {
		if got, _ := doc.Find(`form[data-testid="op-form"] [name="` + name + `"]`).Attr("value"); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if got := doc.Find(`[name="reason"]`).Text(); got != "十二月预算 top-up" {
		t.Errorf("reason %q", got)
	}
	if note := form.testid(t, "drafted-from"); !strings.Contains(note, "#"+id) {
		t.Errorf("note %q", note)
	}
	key, _ := doc.Find(`[name="idempotency_key"]`).Attr("value")
	r := fay.post("/operations", url.Values{"kind": {"transfer_funds"}, "sub_account_id": {sub.ID}, "amount": {"321.09"},
		"balance_type": {"debit"}, "reason": {"十二月预算 top-up"}, "drafted_from": {id}, "idempotency_key": {key}})
	if r.status != http.StatusSeeOther || r.location == "/operations/"+id {
		t.Fatalf("submit the new draft: %d %s %s", r.status, r.location, errorsOf(t, r))
	}
	ev := p.events("operation.create")
	var details struct {
		DraftedFrom json.Number `json:"drafted_from"`
	}
	if err := json.Unmarshal(ev[len(ev)-1].Details, &details); err != nil || details.DraftedFrom.String() != id {
		t.Fatalf("creation event drafted_from = %q (%v), want %s", details.DraftedFrom, err, id)
	}
	// A claimed source that is still pending is refused with a reason; nothing is created.
	before := len(p.events("operation.create"))
	r = fay.post("/operations", url.Values{"kind": {"transfer_funds"}, "sub_account_id": {sub.ID}, "amount": {"1.00"},
		"balance_type": {"debit"}, "reason": {"x"}, "drafted_from": {strings.TrimPrefix(r.location, "/operations/")}, "idempotency_key": {newKey()}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.testid(t, "form-errors"), "cannot be drafted again") {
		t.Fatalf("a false drafted_from: %d %q", r.status, r.testid(t, "form-errors"))
	}
	if len(p.events("operation.create")) != before {
		t.Fatal("a refused draft was created")
	}
}
