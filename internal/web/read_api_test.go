package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

func TestReadAPI(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) { testReadAPI(t, readPortalOn(t, db)) })
}

func testReadAPI(t *testing.T, p *portal) {
	call := func(user, path string) response {
		tok, err := p.users.CreateToken(context.Background(), user, "t", nil, systemMeta())
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodGet, p.http.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		return p.browser().do(req)
	}
	var list struct {
		Items []struct {
			ID       string `json:"id"`
			OrgName  string `json:"org_name"`
			Balances struct {
				Debit  struct{ Available, Currency string }
				Credit []struct {
					Available  string `json:"available"`
					ExpireTime string `json:"expire_time"`
				}
			} `json:"balances"`
			SyncedAt string `json:"synced_at"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	r := call("fiona", "/api/v1/sub-accounts?limit=2")
	if err := json.Unmarshal([]byte(r.body), &list); err != nil || r.status != 200 || len(list.Items) != 2 || list.NextCursor == "" {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	a := list.Items[0]
	if a.ID != "sa-alpha" || a.Balances.Debit.Available != "420.25" || a.Balances.Debit.Currency != "CNY" || a.SyncedAt != "2026-11-20T02:00:00Z" {
		t.Fatalf("item %+v", a)
	}
	r = call("fiona", "/api/v1/sub-accounts?limit=2&cursor="+url.QueryEscape(list.NextCursor))
	if !strings.Contains(r.body, `"id":"sa-gamma"`) && !strings.Contains(r.body, `"id":"sa-w00"`) {
		t.Fatalf("page 2: %s", r.body)
	}
	for _, bad := range []string{"limit=0", "limit=501", "limit=x", "status=9", "sort=evil"} {
		if r := call("fiona", "/api/v1/sub-accounts?"+bad); r.status != 400 || !strings.Contains(r.body, `"code":"bad_request"`) {
			t.Errorf("%s: %d %s", bad, r.status, r.body)
		}
	}
	// Scopes.
	r = call("eve", "/api/v1/sub-accounts?limit=500")
	if strings.Contains(r.body, "sa-beta") || !strings.Contains(r.body, "sa-alpha") {
		t.Fatalf("scoped API list: %s", r.body)
	}
	before := len(p.events(audit.AccessDenied))
	if r := call("eve", "/api/v1/sub-accounts/sa-beta"); r.status != 404 || !strings.Contains(r.body, `"code":"not_found"`) {
		t.Fatalf("scoped API detail: %d %s", r.status, r.body)
	}
	if len(p.events(audit.AccessDenied)) != before+1 {
		t.Fatal("API denial not audited")
	}
	d := call("eve", "/api/v1/sub-accounts/sa-alpha")
	if d.status != 200 || !strings.Contains(d.body, `"coupons":[{`) || !strings.Contains(d.body, `"resources":[{`) || !strings.Contains(d.body, `"credit":[{"available":"100.00","credit_amount":"500.00","expire_time":"2026-12-10T02:00:00Z"}]`) {
		t.Fatalf("detail %s", d.body)
	}
	m := call("vic", "/api/v1/master/balances")
	if m.status != 200 || !strings.Contains(m.body, `"debit":{"available":"123456.78","currency":"CNY"}`) || !strings.Contains(m.body, `"synced_at":"2026-11-20T02:00:00Z"`) {
		t.Fatalf("master %d %s", m.status, m.body)
	}
	// Sync needs the permission; without a worker the API says so.
	tok, _ := p.users.CreateToken(context.Background(), "vic", "t", nil, systemMeta())
	req, _ := http.NewRequest(http.MethodPost, p.http.URL+"/api/v1/sync", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if r := p.browser().do(req); r.status != http.StatusForbidden {
		t.Fatalf("viewer sync: %d", r.status)
	}
	tok, _ = p.users.CreateToken(context.Background(), "fiona", "t2", nil, systemMeta())
	req, _ = http.NewRequest(http.MethodPost, p.http.URL+"/api/v1/sync", strings.NewReader("{bad"))
	req.Header.Set("Authorization", "Bearer "+tok)
	if r := p.browser().do(req); r.status != http.StatusBadRequest {
		t.Fatalf("bad body: %d", r.status)
	}
	req, _ = http.NewRequest(http.MethodPost, p.http.URL+"/api/v1/sync", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if r := p.browser().do(req); r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "sync_unavailable") {
		t.Fatalf("no worker: %d %s", r.status, r.body)
	}
}
