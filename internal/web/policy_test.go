package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

// TestPolicyPage: the admin sees every kind's rule; saving needs a fresh code and
// records one policy.update per changed kind; the rule applies to the next request.
func TestPolicyPage(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	adam := p.as("adam")
	page := adam.get("/admin/policy")
	if page.status != http.StatusOK || page.doc(t).Find(`[data-testid="policy-row"]`).Length() != len(approval.PolicyKinds) {
		t.Fatalf("policy page: %d", page.status)
	}
	if p.as("fay").get("/admin/policy").status != http.StatusForbidden {
		t.Fatal("finance opened the policy page")
	}
	form := url.Values{}
	for _, k := range approval.PolicyKinds {
		if k != approval.KindToOnDemand {
			form.Set("needs_"+string(k), "on")
		}
		form.Set("expiry_"+string(k), "72")
		if k.MovesMoney() {
			form.Set("two_"+string(k), "10000.00")
		}
		if k == approval.KindTopUpRule {
			form.Set("two_"+string(k), "0.01") // its default: two approvers for every rule
		}
	}
	form.Set("code", "000000")
	if r := adam.post("/admin/policy", form); r.status != http.StatusUnprocessableEntity || !r.has(t, "policy-code-error") {
		t.Fatalf("wrong code: %d", r.status)
	}
	before := len(p.events(approval.ActionPolicy))
	form.Set("code", adam.code(testSecret))
	if r := adam.post("/admin/policy", form); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.status, errorsOf(t, r))
	}
	if n := len(p.events(approval.ActionPolicy)) - before; n != 1 {
		t.Fatalf("%d policy.update events, want 1 (one kind changed)", n)
	}
	// to_on_demand now needs no approval: a request is approved at once.
	res, _, _ := p.db.ListResources(context.Background(), authz.Everything, store.ResourceFilter{Status: 2, Limit: 200})
	var main string
	for _, r := range res {
		if r.IsMain {
			main = r.ResourceID
			break
		}
	}
	id := p.as("fay").draft("to_on_demand", url.Values{"resource_ids": {main}, "operation": {"set"}})
	if st := p.opState(id); st == approval.StatePending {
		t.Fatalf("policy without approval: state %s", st)
	}
}
