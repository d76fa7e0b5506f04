package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/testkit"
)

func upstreamForm(endpoint, sk string) url.Values {
	opts := sandbox.DefaultOptions()
	f := url.Values{"name": {"Master"}, "kind": {"master"}, "endpoint": {endpoint}, "ak": {opts.AK}, "domain_id": {opts.DomainID},
		"generation": {"v2"}, "enabled": {"on"}}
	if sk != "" {
		f.Set("sk", sk)
	}
	return f
}

// newUpstream creates an upstream account with the sandbox's credentials through the page.
func (p *portal) newUpstream(b *browser, endpoint string) string {
	p.t.Helper()
	r := b.post("/admin/upstream", b.withCode(upstreamForm(endpoint, sandbox.DefaultOptions().SK)))
	if r.status != http.StatusSeeOther {
		p.t.Fatalf("create upstream: %d %s", r.status, r.body)
	}
	return strings.TrimPrefix(r.location, "/admin/upstream/")
}

func startSandbox(t *testing.T) string {
	running, err := sandbox.Start(context.Background(), "127.0.0.1:0", sandbox.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { running.Close() })
	return running.URL()
}

// TestUpstreamSecretRoundTrip: the SK is stored encrypted, used for the connection test
// and never rendered; an empty SK on edit keeps it.
func TestUpstreamSecretRoundTrip(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	b := p.adminBrowser()
	sk := sandbox.DefaultOptions().SK
	id := p.newUpstream(b, startSandbox(t))
	row, err := p.db.UpstreamAccountByID(context.Background(), mustID64(t, id))
	if err != nil || row.SK == "" || strings.Contains(row.SK, sk) {
		t.Fatalf("stored SK not sealed: %v", err)
	}
	test := b.post("/admin/upstream/"+id+"/test", nil)
	if test.status != http.StatusOK || !strings.Contains(test.testid(t, "test-result"), "Connected") {
		t.Fatalf("test connection: %d %q", test.status, test.testid(t, "test-result"))
	}
	// Edit without an SK keeps it: the test still connects.
	if r := b.post("/admin/upstream/"+id, upstreamForm(startSandbox(t), "")); r.status != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", r.status, r.body)
	}
	test = b.post("/admin/upstream/"+id+"/test", nil)
	if !strings.Contains(test.testid(t, "test-result"), "Connected") {
		t.Fatalf("after edit: %q", test.testid(t, "test-result"))
	}
	// A wrong SK: the result names the upstream's refusal.
	b.post("/admin/upstream/"+id, upstreamForm(startSandbox(t), "wrong-secret-key"))
	test = b.post("/admin/upstream/"+id+"/test", nil)
	if test.doc(t).Find(`[data-testid="test-result"].error`).Length() != 1 {
		t.Fatalf("wrong SK: %q", test.testid(t, "test-result"))
	}
	for _, path := range []string{"/admin/upstream", "/admin/upstream/" + id} {
		if page := b.get(path); strings.Contains(page.body, sk) || strings.Contains(page.body, "wrong-secret-key") {
			t.Fatalf("%s renders the SK", path)
		}
	}
	if strings.Contains(test.body, sk) {
		t.Fatal("the test result renders the SK")
	}
}

func mustID64(t *testing.T, s string) int64 {
	var n int64
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		t.Fatal(err)
	}
	return n
}
