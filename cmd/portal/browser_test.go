package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Demo credentials (README, "Demo mode").
const (
	demoPassword   = "purser-demo"
	demoTOTPSecret = "JBSWY3DPEHPK3PXP"
)

// chromiumPath finds Debian's Chromium. Without it the browser test skips with a notice,
// or fails when PORTAL_TEST_REQUIRE_BROWSER=1 (CI).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"chromium", "/usr/bin/chromium"} {
		if path, err := exec.LookPath(p); err == nil {
			browserSlot(t)
			return path
		}
	}
	if os.Getenv("PORTAL_TEST_REQUIRE_BROWSER") == "1" {
		t.Fatal("PORTAL_TEST_REQUIRE_BROWSER=1 but chromium is not installed (apt-get install -y chromium)")
	}
	fmt.Fprintln(os.Stderr, "NOTICE: chromium not installed: skipping the browser test (apt-get install -y chromium)")
	t.Skip("NOTICE: chromium not installed: skipping the browser test (apt-get install -y chromium)")
	return ""
}

// Browser tests run browserSlots at a time. With no wait left in them (codes skip to the
// next TOTP step, a start copies a prepared database) each keeps Chromium, its portal and
// the portal's startup sync busy: eight at once on two cores made single steps, a sign-in
// and the dashboard behind it, miss stepTimeout. Three keep both cores busy.
var (
	browserSlots = make(chan struct{}, 3)
	browserHeld  sync.Map // *testing.T → struct{}{}: holds a slot until its cleanup
)

// browserSlot waits for a slot for t (chromiumPath, which every browser test calls before
// it starts its portal) unless t holds one already.
func browserSlot(t *testing.T) {
	if _, held := browserHeld.LoadOrStore(t, struct{}{}); held {
		return
	}
	browserSlots <- struct{}{}
	// Registered before the portal's and the browser's cleanups: released after them.
	t.Cleanup(func() { <-browserSlots })
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// A portal's start (it migrates a fresh database and hashes the demo users' passwords)
// runs alone among the CPU-bound phases, and CLI tests (each command migrates, most hash
// a password) two at a time. With every parallel test at it at once on two busy cores, the
// last portals missed the 30 s readiness deadline. The browser tests then mostly wait.
var (
	heavy    sync.RWMutex // a start holds it, a CLI test shares it; a waiting start goes first
	cliSlots = make(chan struct{}, 2)
)

// startPhase holds heavy for a portal's start until the returned release is called.
func startPhase() (release func()) {
	heavy.Lock()
	return heavy.Unlock
}

// cliPhase holds a CLI test's share of heavy until the returned release is called.
func cliPhase() (release func()) {
	cliSlots <- struct{}{}
	heavy.RLock()
	return func() { heavy.RUnlock(); <-cliSlots }
}

// troubleLine is a log line worth reading after a failed browser test: a warning or error,
// a request answered 4xx/5xx, or one that took a second or more.
var troubleLine = regexp.MustCompile(`level=(WARN|ERROR)|status=[45][0-9][0-9]|duration_ms=[0-9]{4,}`)

// portalTrouble is the last 40 trouble lines of a portal's log.
func portalTrouble(log string) string {
	var lines []string
	for _, l := range strings.Split(log, "\n") {
		if troubleLine.MatchString(l) {
			lines = append(lines, l)
		}
	}
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

// startPortal runs `portal serve` in-process through run(), on a fresh data directory,
// with an environment that holds nothing but what the test passes, and waits until
// /readyz answers 200. At cleanup it cancels the context and waits for run to return 0.
func startPortal(t *testing.T, extra ...string) (baseURL string) {
	t.Helper()
	return servePortal(t, t.TempDir(), nil, extra...)
}

// startMigratedPortal is startPortal on a copy of a demo database after its first start
// (demoDataDir), for the tests of what comes after the start.
func startMigratedPortal(t *testing.T) (baseURL string) {
	t.Helper()
	return startDemoPortal(t, 0)
}

// startDemoPortal is startMigratedPortal with a sandbox of subAccounts sub-accounts.
func startDemoPortal(t *testing.T, subAccounts int) (baseURL string) {
	t.Helper()
	return servePortal(t, demoDataDir(t, subAccounts), demoVars(subAccounts))
}

func servePortal(t *testing.T, dataDir string, vars map[string]string, extra ...string) (baseURL string) {
	t.Helper()
	asked := time.Now()
	release := startPhase()
	defer release()
	slot := time.Now()
	defer func() {
		t.Logf("portal %s ready in %s (%s waiting for a start slot)", baseURL, time.Since(slot).Round(100*time.Millisecond), slot.Sub(asked).Round(100*time.Millisecond))
	}()
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	args := append([]string{"serve", "--addr", addr, "--data-dir", dataDir}, extra...)
	e, stdout, stderr := fakeEnv("", vars)
	clock := &totpClock{}
	e.codeNow = clock.now
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, e) }()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the portal's slow or failed requests, warnings and errors:\n%s", portalTrouble(stderr.String()))
		}
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("serve exited with %d after cancel\n--- stderr:\n%s", code, stderr)
			}
		case <-time.After(25 * time.Second):
			t.Errorf("serve did not return within 25s of its context ending")
		}
	})

	baseURL = "http://" + addr
	mode := "sandbox" // the demo portal's in-process sandbox; an upstream URL is production mode
	if u := vars["PORTAL_UPSTREAM"]; u != "" && u != "sandbox" {
		mode = "production"
	}
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case code := <-done:
			done <- code
			t.Fatalf("serve exited with %d before it was ready\n--- stderr:\n%s", code, stderr)
		default:
		}
		resp, err := client.Get(baseURL + "/readyz")
		if err == nil {
			var body map[string]string
			derr := json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if derr != nil || body["database"] != "ok" || body["upstream"] != "ok" || body["mode"] != mode {
					t.Fatalf("/readyz 200 but body %v (%v)", body, derr)
				}
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz did not answer 200 within 30s (last error %v)\n--- stderr:\n%s", err, stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	totpClocks.Store(baseURL, clock) // freshCode's clock for this portal
	t.Cleanup(func() { totpClocks.Delete(baseURL) })
	if !strings.Contains(stdout.String(), "listening on") {
		t.Errorf("serve should say where it listens on stdout, got %q", stdout)
	}
	return baseURL
}

// newBrowser starts a headless Chromium with a fresh profile; the whole browser session
// is bounded by timeout, so a hang fails the test instead of blocking it.
func newBrowser(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	path := chromiumPath(t)
	profile := t.TempDir() // registered before the cancels: removed after Chromium exits
	var output bytes.Buffer
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("accept-lang", "en-US"),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(profile),
		chromedp.CombinedOutput(&output),
	)
	deadline, cancelDeadline := context.WithTimeout(context.Background(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(deadline, opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc() // waits for the browser process to exit
		cancelDeadline()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v\n%s", err, output.String())
	}
	return ctx
}

// must fails the test with step when err is not nil.
func must(t *testing.T, step string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// stepTimeout bounds one wait, so a page that never comes fails fast with its name.
const stepTimeout = 10 * time.Second

// waitVisible waits up to stepTimeout for css to be visible.
func waitVisible(t *testing.T, ctx context.Context, what, css string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, chromedp.WaitVisible(chromedp.CSS(css))); err != nil {
		l, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("%s: %s not visible within %s (at %s): %v", what, css, stepTimeout, l, err)
	}
}

// count answers how many elements match a CSS selector right now (no waiting).
func count(t *testing.T, ctx context.Context, css string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", css)))
	must(t, "count "+css, err)
	return n
}

func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	must(t, "text of "+css, err)
	return strings.TrimSpace(s)
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	l, err := chromedp.Run(ctx, chromedp.Location())
	must(t, "location", err)
	return l
}

// clickAndLoad clicks sel and waits for the page that the click (a form submission, with
// its redirect) loads.
func clickAndLoad[S chromedp.Selectable](t *testing.T, ctx context.Context, sel S) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	_, err := chromedp.Run(sctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(sel)))
	must(t, fmt.Sprintf("click %v and wait for the next page", sel), err)
}

// statusWithCookies requests / outside the browser with the browser's cookies, without
// following redirects: it tells whether the session is still accepted by the server.
func statusWithCookies(t *testing.T, baseURL string, cookies []*network.Cookie) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, baseURL+"/", nil)
	must(t, "request", err)
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := client.Do(req)
	must(t, "GET / with the browser's cookies", err)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// TestBrowserSignInDashboardLanguageSignOut drives Chromium through the demo tour on the
// real portal: sign-in with password and TOTP, the dashboard of a finance user, the
// language switch, sign-out. On SQLite and on Postgres.
func TestBrowserSignInDashboardLanguageSignOut(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		chromiumPath(t)
		browserTour(t, "sqlite", startPortal(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		chromiumPath(t)
		u := requirePostgresURL(t)
		browserTour(t, "postgres", startPortal(t, "--database-url", u))
	})
}

func browserTour(t *testing.T, name, base string) {
	ctx := newBrowser(t, 50*time.Second)

	// Not signed in: / sends the browser to the sign-in page.
	must(t, "open /", chromedp.Do(ctx, chromedp.Navigate(base+"/")))
	waitVisible(t, ctx, "sign-in page", "[data-testid=login-page]")
	if l := location(t, ctx); !strings.HasPrefix(l, base+"/login") {
		t.Fatalf("/ without a session should redirect to /login, got %s", l)
	}
	if n := count(t, ctx, "[data-testid=sandbox-banner]"); n != 1 {
		t.Errorf("the sign-in page should show the sandbox banner, found %d", n)
	}

	// Password, then the second factor.
	must(t, "type the password", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("username"), "finance"),
		chromedp.SendKeys(chromedp.ID("password"), demoPassword),
	))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=login-submit]"))
	waitVisible(t, ctx, "TOTP page", "[data-testid=totp-page]")
	if l := location(t, ctx); !strings.HasPrefix(l, base+"/login/totp") {
		t.Errorf("after the password, want /login/totp, got %s", l)
	}
	if n := count(t, ctx, "[data-testid=current-user]"); n != 0 {
		t.Errorf("the TOTP page must not show a signed-in user")
	}
	code := freshCode(t, base, "finance", demoTOTPSecret)
	must(t, "type the code", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("code"), code)))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=totp-submit]"))
	waitVisible(t, ctx, "dashboard", "[data-testid=dashboard-heading]")

	// The dashboard of a finance user.
	if l := location(t, ctx); l != base+"/" {
		t.Errorf("after sign-in, want %s/, got %s", base, l)
	}
	if h := text(t, ctx, "[data-testid=dashboard-heading]"); h != "Dashboard" {
		t.Errorf("heading = %q, want Dashboard", h)
	}
	if b := text(t, ctx, "[data-testid=sandbox-banner]"); !strings.Contains(strings.ToLower(b), "sandbox") {
		t.Errorf("sandbox banner = %q", b)
	}
	if u := text(t, ctx, "[data-testid=current-user]"); !strings.Contains(u, "finance") {
		t.Errorf("current user = %q, want it to name finance", u)
	}
	if r := text(t, ctx, "[data-testid=current-roles]"); !strings.Contains(r, "Finance") || strings.Contains(r, "Admin") {
		t.Errorf("current roles = %q, want Finance (only)", r)
	}
	// A fresh database: this is finance's first sign-in, not "previous: just now".
	if c := text(t, ctx, "[data-testid=card-last-sign-in]"); !strings.Contains(c, "first sign-in") {
		t.Errorf("previous sign-in card = %q, want the first-sign-in text", c)
	}
	for sel, want := range map[string]int{
		"[data-testid=nav-dashboard]":    1,
		"[data-testid=nav-sub-accounts]": 1,
		"[data-testid=nav-admin]":        0, // finance is no admin
		"[data-testid=logout]":           1,
	} {
		if n := count(t, ctx, sel); n != want {
			t.Errorf("%s: found %d, want %d", sel, n, want)
		}
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must(t, "screenshot", err)
	if !bytes.HasPrefix(shot, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("the screenshot is not a PNG")
	}
	file := "purser-dashboard-" + name + ".png"
	dirs := []string{t.TempDir()}
	if d := os.Getenv("PORTAL_TEST_SCREENSHOT_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		p := filepath.Join(d, file)
		must(t, "write screenshot", os.WriteFile(p, shot, 0o644))
		t.Logf("dashboard screenshot: %s", p)
	}

	// The session cookie is HttpOnly and the server accepts it.
	cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}})
	must(t, "cookies", err)
	var sessionCookie *network.Cookie
	for _, c := range cookies.Cookies {
		if strings.Contains(c.Name, "session") { // purser_session; __Host-… on https
			sessionCookie = c
		}
	}
	if sessionCookie == nil {
		t.Fatalf("no session cookie in the browser: %+v", cookies.Cookies)
	}
	if !sessionCookie.HTTPOnly || sessionCookie.SameSite == "" {
		t.Errorf("session cookie flags: HttpOnly=%v SameSite=%q", sessionCookie.HTTPOnly, sessionCookie.SameSite)
	}
	if st, _ := statusWithCookies(t, base, cookies.Cookies); st != http.StatusOK {
		t.Fatalf("GET / with the browser's session cookie: %d, want 200", st)
	}

	// Switch to Chinese: the same page comes back translated.
	clickAndLoad(t, ctx, `//form[@data-testid="lang-switch"]//button[normalize-space()="简体中文"]`)
	if h := text(t, ctx, "[data-testid=dashboard-heading]"); h != "总览" {
		t.Errorf("after 简体中文, heading = %q, want 总览", h)
	}
	if l := location(t, ctx); l != base+"/" {
		t.Errorf("the language switch should come back to /, got %s", l)
	}
	lang, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.lang"))
	must(t, "html lang", err)
	if lang != "zh-CN" {
		t.Errorf("<html lang> = %q, want zh-CN", lang)
	}
	if r := text(t, ctx, "[data-testid=current-roles]"); !strings.Contains(r, "财务") {
		t.Errorf("roles in Chinese = %q, want 财务", r)
	}

	// Sign out: back on the sign-in page, the old cookie is dead on the server, and /
	// redirects to sign-in again.
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=logout]"))
	waitVisible(t, ctx, "sign-in page after sign-out", "[data-testid=login-page]")
	if l := location(t, ctx); !strings.HasPrefix(l, base+"/login") {
		t.Errorf("after sign-out, want /login, got %s", l)
	}
	if n := count(t, ctx, "[data-testid=current-user]"); n != 0 {
		t.Errorf("the sign-in page after sign-out still shows a user")
	}
	if st, loc := statusWithCookies(t, base, []*network.Cookie{sessionCookie}); st == http.StatusOK || !strings.HasPrefix(loc, "/login") {
		t.Errorf("the pre-sign-out session cookie still works on the server: %d (Location %q)", st, loc)
	}
	must(t, "open / again", chromedp.Do(ctx, chromedp.Navigate(base+"/")))
	waitVisible(t, ctx, "sign-in page on / after sign-out", "[data-testid=login-page]")
	if l := location(t, ctx); !strings.HasPrefix(l, base+"/login") {
		t.Errorf("/ after sign-out should redirect to /login, got %s", l)
	}
	if n := count(t, ctx, "[data-testid=dashboard-heading]"); n != 0 {
		t.Errorf("/ after sign-out still shows the dashboard")
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Errorf("the browser session ran out of time")
	}
}
