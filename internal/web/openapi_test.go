package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/testkit"
)

// TestOpenAPIMatchesRoutes: every registered /api/v1 route is documented, and nothing
// else is.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	r := p.browser().get("/api/v1/openapi.json")
	if r.status != http.StatusOK {
		t.Fatalf("openapi: %d", r.status)
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("not an OpenAPI 3 document: %v", err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	registered := map[string]bool{}
	for _, rt := range p.srv.Routes() {
		if !strings.HasPrefix(rt.Path, "/api/v1/") {
			continue
		}
		parts := strings.Split(rt.Path, "/")
		for i, s := range parts {
			if strings.HasPrefix(s, ":") {
				parts[i] = "{" + s[1:] + "}"
			}
		}
		key := rt.Method + " " + strings.Join(parts, "/")
		registered[key] = true
		if !documented[key] {
			t.Errorf("%s is registered but not in openapi.json", key)
		}
	}
	for key := range documented {
		if !registered[key] {
			t.Errorf("%s is in openapi.json but not registered", key)
		}
	}
}

// TestOpenAPINamesTheDecisionRefusals: the refusals of issue 11 that an API client must
// tell apart are named where they answer — a used second-factor code (code_reused) with
// the wrong one, a changed snapshot with the wrong state, a rejection without a reason.
func TestOpenAPINamesTheDecisionRefusals(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Description string `json:"description"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(p.browser().get("/api/v1/openapi.json").body), &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, status, code string }{
		{"/api/v1/operations/{id}/approve", "422", "step_up_failed"},
		{"/api/v1/operations/{id}/approve", "422", "code_reused"},
		{"/api/v1/operations/{id}/approve", "409", "snapshot_changed"},
		{"/api/v1/approvals", "422", "step_up_failed"},
		{"/api/v1/approvals", "422", "code_reused"},
		{"/api/v1/operations/{id}/reject", "422", "comment"},
	} {
		if d := doc.Paths[c.path]["post"].Responses[c.status].Description; !strings.Contains(d, c.code) {
			t.Errorf("POST %s %s does not name %s: %q", c.path, c.status, c.code, d)
		}
	}
}
