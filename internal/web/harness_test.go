package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
	"github.com/purser-finance/purser/internal/testkit"
	"github.com/purser-finance/purser/internal/testkit/webdeps"
	"github.com/purser-finance/purser/internal/users"
	"github.com/purser-finance/purser/internal/web"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// The demo users' password and TOTP secret (testkit's).
const (
	testPassword = testkit.Password
	testSecret   = testkit.Secret
)

// portal is a real server (router, middleware, store, sandbox upstream) for one test.
type portal struct {
	t     *testing.T
	db    *store.DB
	srv   *web.Server
	http  *httptest.Server
	clock *testkit.Clock
	users *users.Service
	cfg   config.Config

	markID    int64 // see mark/since
	up        bss.Upstream
	sb        *sandbox.Running // the upstream behind up (faults, state)
	logs      *syncBuffer
	secretsMu sync.Mutex
	secrets   map[string]bool // passwords typed, tokens sent, cookies received
}

// secret remembers a value that must never be written to the trail or the logs.
func (p *portal) secret(v string) {
	if len(v) < 6 {
		return
	}
	p.secretsMu.Lock()
	p.secrets[v] = true
	p.secretsMu.Unlock()
}

func newPortal(t *testing.T, db *store.DB, env map[string]string) *portal {
	t.Helper()
	return newPortalWith(t, db, env, nil)
}

// newPortalWith lets a test add collaborators (a real job runner, the operations
// service …) to the server's dependencies; they get the real upstream client.
func newPortalWith(t *testing.T, db *store.DB, env map[string]string, tweak func(d *web.Deps, up bss.Upstream)) *portal {
	t.Helper()
	cfg := webdeps.Config(t, env)
	// Pages are tested here, not the client's flow control (internal/bss tests that): a
	// generous rate, which the sandbox's flow control would refuse, lets each test fill
	// its cache from the sandbox in a moment.
	opts := sandbox.DefaultOptions()
	opts.FlowControl.Off = true
	running, err := sandbox.Start(context.Background(), "127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { running.Close() })
	client, err := bss.New(bss.Config{Endpoint: running.URL(), AK: opts.AK, SK: opts.SK, DomainID: opts.DomainID, RatePerSecond: 500})
	if err != nil {
		t.Fatal(err)
	}
	clk := testkit.NewClock(testkit.Start)
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// The server's collaborators as cmd/portal wires them (webdeps.Deps), over the sandbox.
	deps, id := webdeps.Deps(t, cfg, db, clk, log)
	deps.Upstream = client
	if tweak != nil {
		tweak(&deps, client)
	}
	srv, err := web.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	// The test's own door to the users (no clock: what it creates is dated by the wall
	// clock, as an admin's CLI would).
	p := &portal{t: t, db: db, srv: srv, http: hs, clock: clk, cfg: cfg, logs: logs, up: client, sb: running,
		users:   &users.Service{DB: db, Passwords: id.Passwords, TOTPSecrets: id.TOTPSecrets},
		secrets: map[string]bool{testPassword: true, testSecret: true, base64.StdEncoding.EncodeToString(cfg.SecretKey): true}}
	// Every test through this harness ends by checking that no secret it used reached the
	// audit trail or the logs.
	t.Cleanup(p.assertNoSecrets)
	return p
}

// addUser creates a user; secret "" means no second factor.
func (p *portal) addUser(name, secret string, roles ...string) *store.User {
	p.t.Helper()
	return testkit.AddUser(p.t, p.users, name, secret, roles...)
}

// browser is a cookie-keeping client that does not follow redirects, so tests see them.
type browser struct {
	p      *portal
	client *http.Client
	lang   string
}

func (p *portal) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{p: p, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type response struct {
	status   int
	header   http.Header
	body     string
	location string
}

func (r response) doc(t *testing.T) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (r response) testid(t *testing.T, id string) string {
	t.Helper()
	return strings.TrimSpace(r.doc(t).Find(`[data-testid="` + id + `"]`).Text())
}

func (r response) has(t *testing.T, id string) bool {
	t.Helper()
	return r.doc(t).Find(`[data-testid="`+id+`"]`).Length() > 0
}

func (b *browser) do(req *http.Request) response {
	b.p.t.Helper()
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	if a := req.Header.Get("Authorization"); a != "" {
		b.p.secret(strings.TrimPrefix(a, "Bearer "))
	}
	for _, c := range b.client.Jar.Cookies(req.URL) {
		b.p.secret(c.Value)
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.p.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(body), location: res.Header.Get("Location")}
}

func (b *browser) get(path string, headers ...string) response {
	req, _ := http.NewRequest(http.MethodGet, b.p.http.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, headers ...string) response {
	if pw := form.Get("password"); pw != "" {
		b.p.secret(pw)
	}
	req, _ := http.NewRequest(http.MethodPost, b.p.http.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// cookie returns the current session cookie value ("" when none).
func (b *browser) cookie() string {
	u, _ := url.Parse(b.p.http.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == b.p.srv.Sessions().CookieName() {
			return c.Value
		}
	}
	return ""
}

func (b *browser) setCookie(v string) {
	u, _ := url.Parse(b.p.http.URL)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: b.p.srv.Sessions().CookieName(), Value: v, Path: "/"}})
}

// codesOf holds the used code steps per database (testkit.Codes): two portals of one test
// (opsOn) share the users and so their used steps.
var codesOf sync.Map // *store.DB → *testkit.Codes

// code is the app's current code of secret, never one of a step already used by this
// test; the portal's clock moves on to a fresh step when needed.
func (b *browser) code(secret string) string {
	b.p.t.Helper()
	c, _ := codesOf.LoadOrStore(b.p.db, &testkit.Codes{})
	return c.(*testkit.Codes).Code(b.p.t, b.p.clock, secret)
}

// signIn completes both steps and fails the test unless it lands on the dashboard.
func (b *browser) signIn(username, secret string) {
	t := b.p.t
	t.Helper()
	r := b.post("/login", url.Values{"username": {username}, "password": {testPassword}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("password step: status %d, body %s", r.status, r.body)
	}
	if secret != "" {
		if !strings.HasPrefix(r.location, "/login/totp") {
			t.Fatalf("password step redirected to %q, want /login/totp", r.location)
		}
		r = b.post("/login/totp", url.Values{"code": {b.code(secret)}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("code step: status %d", r.status)
		}
	}
	if r.location != "/" {
		t.Fatalf("sign-in ended at %q, want /", r.location)
	}
	if d := b.get("/"); d.status != http.StatusOK || !d.has(t, "dashboard-heading") {
		t.Fatalf("dashboard after sign-in: status %d", d.status)
	}
}

// events returns the audit events with an action, oldest first.
func (p *portal) events(action string) []store.AuditEvent {
	p.t.Helper()
	evs, err := p.db.ListAudit(context.Background(), store.AuditFilter{Action: action, Limit: 500})
	if err != nil {
		p.t.Fatal(err)
	}
	for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
		evs[i], evs[j] = evs[j], evs[i]
	}
	return evs
}

// syncBuffer is a log sink that tests read while the server writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// assertNoSecrets greps every audit event (all fields) and every log line of the test
// for the secrets it used: passwords, the TOTP secret, bearer tokens, session cookies and
// the portal's secret key.
func (p *portal) assertNoSecrets() {
	t := p.t
	p.secretsMu.Lock()
	secrets := make([]string, 0, len(p.secrets))
	for s := range p.secrets {
		secrets = append(secrets, s)
	}
	p.secretsMu.Unlock()
	var trail strings.Builder
	err := p.db.StreamAudit(context.Background(), store.AuditFilter{Ascending: true}, func(e store.AuditEvent) error {
		b, _ := json.Marshal(e)
		trail.Write(b)
		trail.WriteByte('\n')
		return nil
	})
	if err != nil {
		t.Logf("secret scan skipped: the database is gone (%v)", err)
		return
	}
	logs := p.logs.String()
	for _, s := range secrets {
		if strings.Contains(trail.String(), s) {
			t.Errorf("a secret (%.4s…) appears in the audit trail", s)
		}
		if strings.Contains(logs, s) {
			t.Errorf("a secret (%.4s…) appears in the logs", s)
		}
	}
}

// upstream is the real client of this portal's sandbox.
func (p *portal) upstream() bss.Upstream { return p.up }
