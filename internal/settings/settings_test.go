package settings

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/sso"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var key = bytes.Repeat([]byte{3}, 32)

func newService(t *testing.T, db *store.DB) *Service {
	t.Helper()
	s, err := New(db, key, config.Config{SyncInterval: 15 * time.Minute, SyncCatalogInterval: 24 * time.Hour,
		SessionIdleTimeout: 30 * time.Minute, SessionAbsoluteTimeout: 12 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOverridesDefaultsAndSealsSecrets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		m, op := audit.System("test"), auth.Operator()
		st, err := s.Get(ctx)
		if err != nil || st.Sync.Interval != 15*time.Minute || st.Sessions.IdleTimeout != 30*time.Minute {
			t.Fatalf("defaults %+v %v", st, err)
		}
		if err := s.UpdateSync(ctx, Sync{Interval: 5 * time.Minute, CatalogInterval: time.Hour}, m, auth.StepUp{}); !errors.Is(err, auth.ErrStepUpRequired) {
			t.Fatalf("no step-up: %v", err)
		}
		var ve *ValidationError
		if err := s.UpdateSync(ctx, Sync{Interval: time.Second, CatalogInterval: time.Hour}, m, op); !errors.As(err, &ve) {
			t.Fatalf("bad interval: %v", err)
		}
		if err := s.UpdateSync(ctx, Sync{Interval: 5 * time.Minute, CatalogInterval: time.Hour}, m, op); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateBalance(ctx, "1000.5", "", m, op); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateBalance(ctx, "1.234", "", m, op); !errors.As(err, &ve) {
			t.Fatalf("three decimals: %v", err)
		}
		for _, bad := range []string{"1,50", "1,2,3", "-5"} {
			if err := s.UpdateBalance(ctx, bad, "", m, op); !errors.As(err, &ve) {
				t.Fatalf("%q: %v", bad, err)
			}
		}
		if err := s.UpdateSessions(ctx, Sessions{IdleTimeout: time.Hour, AbsoluteTimeout: 30 * time.Minute}, m, op); !errors.As(err, &ve) {
			t.Fatalf("absolute < idle: %v", err)
		}
		if err := s.UpdateSMTP(ctx, SMTP{Host: "smtp.example.com", Port: 587, Username: "u", Password: "smtp-pass-1", From: "Purser <p@example.com>"}, false, m, op); err != nil {
			t.Fatal(err)
		}
		// An empty password keeps the stored one.
		if err := s.UpdateSMTP(ctx, SMTP{Host: "smtp2.example.com", Port: 465, TLS: "tls", Username: "u", From: "p@example.com"}, false, m, op); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateWebhook(ctx, Webhook{URL: "http://example.com/hook", Secret: "x"}, false, m, op); !errors.As(err, &ve) {
			t.Fatalf("plain http webhook to a remote host: %v", err)
		}
		if err := s.UpdateWebhook(ctx, Webhook{URL: "https://hooks.example.com/p", Secret: "hook-secret-1"}, false, m, op); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateSSO(ctx, sso.Config{Enabled: true, Issuer: "https://id.example.com", ClientID: "purser", ClientSecret: "oidc-secret-1",
			RedirectURL: "https://purser.example.com/login/oidc/callback", RoleClaim: "groups", RoleMap: map[string][]string{"fin": {"finance"}}}, m, op); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateSSO(ctx, sso.Config{Enabled: true, Issuer: "nope"}, m, op); !errors.As(err, &ve) {
			t.Fatalf("bad sso: %v", err)
		}

		// A second service (another replica) reads the same values, secrets opened.
		other := newService(t, db)
		got, err := other.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Sync.Interval != 5*time.Minute || got.Balance.LowThreshold.String() != "1000.50" || got.SMTP.Host != "smtp2.example.com" ||
			got.SMTP.Password != "smtp-pass-1" || got.Webhook.Secret != "hook-secret-1" || got.SSO.ClientSecret != "oidc-secret-1" ||
			got.SSO.Scopes[0] != "openid" {
			t.Fatalf("read back %+v", got)
		}
		r := got.Redacted()
		if r.SMTP.Password != "" || !r.SMTP.HasPassword || r.Webhook.Secret != "" || !r.Webhook.HasSecret || !r.SSO.HasClientSecret || r.SSO.ClientSecret != "" {
			t.Fatalf("redacted %+v", r)
		}
		// This process sees its own change at once; another within CacheTTL.
		if err := s.UpdateSync(ctx, Sync{Interval: 7 * time.Minute, CatalogInterval: time.Hour}, m, op); err != nil {
			t.Fatal(err)
		}
		if st, _ := s.Get(ctx); st.Sync.Interval != 7*time.Minute {
			t.Fatal("own change not visible at once")
		}
		if st, _ := other.Get(ctx); st.Sync.Interval != 5*time.Minute {
			t.Fatal("cache not used")
		}
		other.now = func() time.Time { return time.Now().Add(CacheTTL + time.Second) }
		if st, _ := other.Get(ctx); st.Sync.Interval != 7*time.Minute {
			t.Fatal("cache never expires")
		}

		rows, _ := db.ListSettings(ctx)
		for _, row := range rows {
			if strings.Contains(row.Value+row.Secret, "secret-1") || strings.Contains(row.Value+row.Secret, "pass-1") {
				t.Fatalf("secret stored in clear: %+v", row)
			}
		}
		evs, _ := db.ListAudit(ctx, store.AuditFilter{Limit: 100})
		n := 0
		for _, e := range evs {
			d := string(e.Details)
			if strings.Contains(d, "secret-1") || strings.Contains(d, "pass-1") {
				t.Fatalf("secret in audit: %s", d)
			}
			if e.Action == audit.SettingsUpdate {
				n++
				if !strings.Contains(d, `"before"`) || !strings.Contains(d, `"after"`) {
					t.Fatalf("no before/after: %s", d)
				}
			}
		}
		if n != 7 {
			t.Fatalf("%d settings.update events", n)
		}
	})
}

func TestSendTestWebhook(t *testing.T) {
	var (
		mu       sync.Mutex
		body     []byte
		sig      string
		status   = http.StatusNoContent
		received int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		body, _ = io.ReadAll(r.Body)
		sig = r.Header.Get("X-Purser-Signature")
		received++
		w.WriteHeader(status)
	}))
	defer srv.Close()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		m := audit.System("test")
		if err := s.SendTestWebhook(ctx, m); !errors.Is(err, ErrNotConfigured) {
			t.Fatalf("unconfigured: %v", err)
		}
		if err := s.UpdateWebhook(ctx, Webhook{URL: srv.URL, Secret: "whsec"}, false, m, auth.Operator()); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		status = http.StatusNoContent
		mu.Unlock()
		if err := s.SendTestWebhook(ctx, m); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		if sig != notify.Sign("whsec", body) || !strings.Contains(string(body), `"event":"test"`) {
			t.Fatalf("signature %q over %s", sig, body)
		}
		status = http.StatusInternalServerError
		mu.Unlock()
		if err := s.SendTestWebhook(ctx, m); !errors.Is(err, ErrSend) || MessageID(err) != "settings.err.send" {
			t.Fatalf("refused: %v", err)
		}
		evs, _ := db.ListAudit(ctx, store.AuditFilter{Limit: 2})
		if evs[0].Action != audit.SettingsTest || evs[0].Outcome != audit.Failure || evs[1].Outcome != audit.Success {
			t.Fatalf("audit %+v", evs[:2])
		}
	})
}

// smtpServer is a minimal in-process SMTP server (no TLS, no auth) that keeps the last
// message's DATA.
type smtpServer struct {
	ln   net.Listener
	mu   sync.Mutex
	data string
	rcpt string
}

func startSMTP(t *testing.T) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(l string) { _, _ = io.WriteString(c, l+"\r\n") }
	say("220 test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-test")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RSET"), strings.HasPrefix(cmd, "NOOP"):
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT"):
			s.mu.Lock()
			s.rcpt = strings.TrimSpace(line)
			s.mu.Unlock()
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			s.data = b.String()
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

func TestSendTestMail(t *testing.T) {
	mailSrv := startSMTP(t)
	_, port, _ := net.SplitHostPort(mailSrv.ln.Addr().String())
	p, _ := strconv.Atoi(port)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		m := audit.System("test")
		if err := s.UpdateSMTP(ctx, SMTP{Host: "127.0.0.1", Port: p, TLS: "none", From: "purser@example.com"}, false, m, auth.Operator()); err != nil {
			t.Fatal(err)
		}
		if err := s.SendTestMail(ctx, "finance@example.com", m); err != nil {
			t.Fatal(err)
		}
		mailSrv.mu.Lock()
		defer mailSrv.mu.Unlock()
		if !strings.Contains(mailSrv.rcpt, "finance@example.com") || !strings.Contains(mailSrv.data, "Purser: test e-mail") {
			t.Fatalf("received %q %q", mailSrv.rcpt, mailSrv.data)
		}
	})
}
