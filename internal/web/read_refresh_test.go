package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit/webdeps"
	"github.com/purser-finance/purser/internal/web"
)

// fakeSync records what the refresh buttons ask for.
type fakeSync struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeSync) EnqueueSync(_ context.Context, area, sub, trigger string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, area+"|"+sub+"|"+trigger)
	return int64(len(f.calls)), nil
}

// EnqueueSyncOf records a refresh of one master (jobs.Runner.EnqueueSyncOf).
func (f *fakeSync) EnqueueSyncOf(_ context.Context, master, area, sub, trigger string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, area+"|"+sub+"|"+trigger+"|master="+master)
	return int64(len(f.calls)), nil
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	p := readPortal(t)
	b := p.signedIn("fiona")
	// Without a sync worker: a translated message, back where the user was.
	r := b.post("/sync", url.Values{"area": {"balances"}, "sub_account_id": {"sa-alpha"}, "next": {"/sub-accounts/sa-alpha"}})
	if r.status != http.StatusSeeOther || r.location != "/sub-accounts/sa-alpha" {
		t.Fatalf("refresh: %d %q", r.status, r.location)
	}
	if got := b.get(r.location).testid(t, "flash"); got != "Sync is not available in this installation." {
		t.Fatalf("flash %q", got)
	}
	if r := b.post("/sync", url.Values{"area": {"everything"}}); r.status != http.StatusBadRequest {
		t.Fatalf("unknown area: %d", r.status)
	}
	if r := b.post("/sync", url.Values{"area": {"full"}, "next": {"https://evil.example/"}}); r.location != "/" {
		t.Fatalf("open redirect: %q", r.location)
	}

	// With one.
	fs := &fakeSync{}
	q := newPortalWithSync(t, fs)
	fb := q.signedIn("fiona")
	r = fb.post("/sync", url.Values{"area": {"balances"}, "sub_account_id": {"sa-alpha"}, "next": {"/sub-accounts/sa-alpha"}})
	if got := fb.get(r.location).testid(t, "flash"); !strings.HasPrefix(got, "Refresh queued") {
		t.Fatalf("flash %q", got)
	}
	tok, _ := q.users.CreateToken(context.Background(), "fiona", "t", nil, systemMeta())
	req, _ := http.NewRequest(http.MethodPost, q.http.URL+"/api/v1/sync", strings.NewReader(`{"area":"coupons"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	res := fb.do(req)
	var body struct {
		JobID int64 `json:"job_id"`
	}
	if res.status != http.StatusAccepted || json.Unmarshal([]byte(res.body), &body) != nil || body.JobID != 2 {
		t.Fatalf("api sync: %d %s", res.status, res.body)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if strings.Join(fs.calls, ";") != "balances|sa-alpha|manual:fiona;coupons||manual:fiona" {
		t.Fatalf("calls %v", fs.calls)
	}
}

// newPortalWithSync is readPortal with a sync trigger wired.
func newPortalWithSync(t *testing.T, fs web.SyncTrigger) *portal {
	t.Helper()
	p := readPortal(t)
	d, _ := webdeps.Deps(t, p.cfg, p.db, p.clock, nil)
	d.Sync = fs
	srv, err := web.New(d)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	p.srv, p.http = srv, hs
	return p
}

// While a full sync runs, the "as of" bar says refreshing even after one of its areas
// finished: the areas after it have not been read yet.
func TestAsOfRefreshingDuringFullSync(t *testing.T) {
	t.Parallel()
	p := readPortal(t)
	ctx := context.Background()
	full, err := p.db.BeginSyncRun(ctx, testMaster, "full", "", "test", "test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	subs, err := p.db.BeginSyncRun(ctx, testMaster, "sub_accounts", "", "test", "test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.db.FinishSyncRun(ctx, subs.ID, "succeeded", store.RunProgress{}, ""); err != nil {
		t.Fatal(err)
	}
	b := p.signedIn("fiona")
	if !b.get("/sub-accounts").has(t, "as-of-running") {
		t.Fatal("a running full sync is not shown once its first area finished")
	}
	if _, err := p.db.FinishSyncRun(ctx, full.ID, "succeeded", store.RunProgress{}, ""); err != nil {
		t.Fatal(err)
	}
	if b.get("/sub-accounts").has(t, "as-of-running") {
		t.Fatal("still refreshing after the full sync finished")
	}
}
