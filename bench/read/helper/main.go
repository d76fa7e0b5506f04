// Command helper does the parts of the read-side benchmark (issue 4) that a shell script
// does badly:
//
//	helper fill   -db URL -sub-accounts N   fill the cache from an in-process sandbox, unthrottled
//	helper signin -base URL                 sign in as a demo user, print the Cookie header value
//	helper walk   -base URL -cookie C -path P -pages N
//	                                        follow the list's "next" links to page N, time it
//
// See bench/read/run.sh and docs/PERFORMANCE.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/store"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: helper fill|signin|walk [flags]")
		os.Exit(2)
	}
	ctx := context.Background()
	var err error
	switch os.Args[1] {
	case "fill":
		err = fill(ctx, os.Args[2:])
	case "signin":
		err = signin(ctx, os.Args[2:])
	case "walk":
		err = walk(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
}

// fill runs one full sync into the database from an in-process sandbox with the portal's
// default seed and domain, with the client's rate limit lifted, so that the cache holds
// every sub-account's balances before the portal starts (the portal's own startup sync, at
// the configured rate, would need about 2 × N / 8 seconds for the balance pass alone).
func fill(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("fill", flag.ContinueOnError)
	dbURL := fs.String("db", "", "database URL (postgres://…)")
	subs := fs.Int("sub-accounts", 10000, "sub-accounts in the sandbox")
	seed := fs.Int64("seed", 1, "sandbox seed (the portal's PORTAL_SANDBOX_SEED)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := store.Open(ctx, *dbURL, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	opts := sandbox.DefaultOptions()
	opts.FlowControl.Off = true // seeds the cache as fast as the client can call
	opts.Seed, opts.SubAccounts, opts.Logger = *seed, *subs, log
	sb, err := sandbox.Start(ctx, "127.0.0.1:0", opts)
	if err != nil {
		return err
	}
	defer sb.Close()
	client, err := bss.New(bss.Config{Endpoint: sb.URL(), AK: opts.AK, SK: opts.SK, DomainID: opts.DomainID,
		RatePerSecond: 1e6, Logger: log})
	if err != nil {
		return err
	}
	syncer := cachesync.New(db, client, cachesync.Options{MasterAccountID: opts.DomainID, Concurrency: 32, Log: log})
	start := time.Now()
	run, err := syncer.Run(ctx, cachesync.AreaFull, "", "bench")
	if err != nil {
		return err
	}
	fmt.Printf("filled: status=%s items=%d errors=%d in %s\n", run.Status, run.Items, run.Errors, time.Since(start).Round(time.Millisecond))
	return nil
}

// signin signs in with password and TOTP code and prints the session cookie as a Cookie
// header value.
func signin(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("signin", flag.ContinueOnError)
	base := fs.String("base", "http://127.0.0.1:18080", "portal base URL")
	user := fs.String("user", "finance", "user name")
	password := fs.String("password", "purser-demo", "password")
	secret := fs.String("totp-secret", "JBSWY3DPEHPK3PXP", "base32 TOTP secret")
	if err := fs.Parse(args); err != nil {
		return err
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	post := func(path string, form url.Values) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, *base+path, strings.NewReader(form.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp, nil
	}
	resp, err := post("/login", url.Values{"username": {*user}, "password": {*password}})
	if err != nil {
		return err
	}
	if !strings.HasPrefix(resp.Request.URL.Path, "/login/totp") {
		return fmt.Errorf("sign-in: expected the code step, landed on %s (%d)", resp.Request.URL, resp.StatusCode)
	}
	code, err := totp.GenerateCode(*secret, time.Now())
	if err != nil {
		return err
	}
	resp, err = post("/login/totp", url.Values{"code": {code}})
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || strings.HasPrefix(resp.Request.URL.Path, "/login") {
		return fmt.Errorf("sign-in: code step failed, landed on %s (%d)", resp.Request.URL, resp.StatusCode)
	}
	u, _ := url.Parse(*base)
	var parts []string
	for _, c := range jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	if len(parts) == 0 {
		return errors.New("sign-in: no cookie")
	}
	fmt.Println(strings.Join(parts, "; "))
	return nil
}

var (
	nextLink = regexp.MustCompile(`href="([^"]+)" rel="next"`)
	summary  = regexp.MustCompile(`data-testid="pager-summary">([^<]*)<`)
	rowTag   = regexp.MustCompile(`data-testid="sa-row"`)
)

// walk follows the pager's next links from path to page N and prints the time of the
// last page (and the mean of the others).
func walk(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("walk", flag.ContinueOnError)
	base := fs.String("base", "http://127.0.0.1:18080", "portal base URL")
	cookie := fs.String("cookie", "", "Cookie header value")
	path := fs.String("path", "/sub-accounts?sort=-balance", "first page")
	pages := fs.Int("pages", 400, "page to reach")
	if err := fs.Parse(args); err != nil {
		return err
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	get := func(p string) (string, time.Duration, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, *base+p, nil)
		if err != nil {
			return "", 0, err
		}
		req.Header.Set("Cookie", *cookie)
		start := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return "", 0, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: %d", p, resp.StatusCode)
		}
		return string(b), d, err
	}
	p := *path
	var total time.Duration
	for n := 1; ; n++ {
		body, d, err := get(p)
		if err != nil {
			return err
		}
		if n == *pages {
			// Once more, warm: the figure is the page, not a cold connection.
			body, d, err = get(p)
			if err != nil {
				return err
			}
			sum := ""
			if m := summary.FindStringSubmatch(body); m != nil {
				sum = strings.Join(strings.Fields(html.UnescapeString(m[1])), " ")
			}
			fmt.Printf("page %d: %.1f ms, %d rows, %q (pages 1–%d: mean %.1f ms)\n", n, float64(d.Microseconds())/1000,
				len(rowTag.FindAllString(body, -1)), sum, n-1, float64(total.Microseconds())/1000/float64(max(n-1, 1)))
			return nil
		}
		total += d
		m := nextLink.FindStringSubmatch(body)
		if m == nil {
			return fmt.Errorf("page %d has no next link", n)
		}
		p = html.UnescapeString(m[1])
	}
}
