package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/testkit"
)

// TestRulePages: finance drafts a rule on its page; bad input comes back with the input
// and the reasons; a good one becomes an operation whose snapshot shows the rule, for
// two approvers; the list shows the rules and the admins' switch to admins only.
func TestRulePages(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	fay := p.as("fay")
	sub := p.normalSubs(1)[0].ID
	if r := fay.get("/rules/new?sub_account_id=" + url.QueryEscape(sub)); r.status != http.StatusOK || !r.has(t, "rule-form") {
		t.Fatalf("new rule form: %d", r.status)
	}
	bad := ruleForm(sub)
	bad.Set("action_amount", "400.00") // below the trigger
	bad.Set("cap_month", "")
	r := fay.post("/rules", bad)
	if r.status != http.StatusUnprocessableEntity || !r.has(t, "error-action_amount") || !r.has(t, "error-cap_month") {
		t.Fatalf("bad rule: %d", r.status)
	}
	if v, _ := r.doc(t).Find(`[data-testid="input-target_id"]`).Attr("value"); v != sub {
		t.Fatalf("the input was not kept: %q", v)
	}
	r = fay.post("/rules", ruleForm(sub))
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/operations/") {
		t.Fatalf("draft: %d %q", r.status, r.location)
	}
	op := p.as("abby").get(r.location)
	if op.status != http.StatusOK || !strings.Contains(op.testid(t, "snap-rule-change"), "Create the rule") ||
		!strings.Contains(op.testid(t, "snap-rule-f-trigger"), "500.00") || !strings.Contains(op.body, "of 2") {
		t.Fatalf("the approver's snapshot: %d %q %q", op.status, op.testid(t, "snap-rule-change"), op.testid(t, "snap-rule-f-trigger"))
	}
	list := p.as("abby").get("/rules")
	if list.status != http.StatusOK || !list.has(t, "rules-empty") || list.has(t, "rules-switch") || list.has(t, "rule-new") {
		t.Fatalf("approver's list: %d", list.status)
	}
	admin := p.as("adam").get("/rules")
	if !admin.has(t, "rules-pause-all") {
		t.Fatal("the admin has no switch")
	}
	if p.as("adam").post("/rules/pause-all", url.Values{}).status != http.StatusSeeOther || !p.as("fay").get("/rules").has(t, "rules-all-paused") {
		t.Fatal("pausing every rule does not show")
	}
	if d := p.as("fay").get("/"); !d.has(t, "dash-rule-topups") {
		t.Fatal("the dashboard has no automatic top-ups panel")
	}
}
