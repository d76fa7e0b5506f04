package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/testkit"
	"github.com/purser-finance/purser/internal/users"
)

// TestCancelOutOfScopeIsNotFound: an operation outside one's organisation scope does not
// exist for that user, whichever door is tried — cancelling it answers 404 like reading or
// approving it (a 403 would confirm it exists), and the attempt is recorded as denied.
func TestCancelOutOfScopeIsNotFound(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	id := p.pendingOp("3.00")
	if _, err := p.users.Create(context.Background(), users.NewUser{Username: "sam", Password: testPassword, Roles: []string{"finance", "approver"},
		TOTPSecret: testSecret, Scopes: []string{"org-elsewhere"}}, systemMeta()); err != nil {
		t.Fatal(err)
	}
	tok := p.token("sam")
	path := "/api/v1/operations/" + id
	if r := p.api(tok, "GET", path, ""); r.status != http.StatusNotFound {
		t.Fatalf("GET out of scope: %d %s", r.status, r.body)
	}
	before := len(p.events(audit.AccessDenied))
	if r := p.api(tok, "POST", path+"/cancel", ""); r.status != http.StatusNotFound {
		t.Fatalf("API cancel out of scope: %d %s", r.status, r.body)
	}
	sam := p.as("sam")
	if r := sam.post("/operations/"+id+"/cancel", url.Values{}); r.status != http.StatusNotFound {
		t.Fatalf("form cancel out of scope: %d", r.status)
	}
	denied := p.events(audit.AccessDenied)
	if len(denied) != before+2 {
		t.Fatalf("access.denied events: %d, want %d", len(denied), before+2)
	}
	for _, e := range denied[before:] {
		if e.TargetID != id || !strings.Contains(string(e.Details), "scope") {
			t.Fatalf("denial %+v", e)
		}
	}
	if st := p.opState(id); st != "pending" {
		t.Fatalf("state %s after refused cancels", st)
	}
	// Someone who sees it but did not request it is still refused as before.
	if r := p.api(p.token("fred"), "POST", path+"/cancel", ""); r.status != http.StatusForbidden {
		t.Fatalf("cancel by another requester in scope: %d %s", r.status, r.body)
	}
}
