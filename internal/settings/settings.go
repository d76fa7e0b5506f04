// Package settings keeps what an admin changes at run time without a restart: sync
// intervals, the default low-balance threshold, notification channels (SMTP, webhook),
// session timeouts and single sign-on. The approval policy lives in internal/approval.
//
// Each section is one row of the settings table: its plain fields as JSON, its secrets
// (SMTP password, webhook secret, OIDC client secret) sealed together with secretbox
// (purpose "settings"). A section never saved takes its values from the configuration
// (PORTAL_* variables), so settings override config defaults.
//
// Reads are cheap: Get serves a copy cached for CacheTTL (10 s) per process. A change
// made through this Service is visible at once in this process and within CacheTTL in
// other replicas; nothing else needs to be notified.
package settings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/secretbox"
	"github.com/purser-finance/purser/internal/sso"
	"github.com/purser-finance/purser/internal/store"
)

// Purpose is the secretbox purpose of the sealed secrets.
const Purpose = "settings"

// CacheTTL bounds how stale Get may be in another replica.
const CacheTTL = 10 * time.Second

// Sections.
const (
	SectionSync     = "sync"
	SectionBalance  = "balance"
	SectionSMTP     = "smtp"
	SectionWebhook  = "webhook"
	SectionSessions = "sessions"
	SectionSSO      = "sso"
)

// Sync is how often the cache is refreshed.
type Sync struct {
	Interval        time.Duration `json:"interval"`
	CatalogInterval time.Duration `json:"catalog_interval"`
}

// Balance holds the default low-balance threshold of sub-accounts (a per-sub-account
// threshold overrides it). Zero means no alert.
type Balance struct {
	LowThreshold money.Amount `json:"low_threshold"`
}

// SMTP is the e-mail channel; Host "" turns it off.
type SMTP struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Username string `json:"username"`
	Password string `json:"-"` // sealed
	From     string `json:"from"`
	TLS      string `json:"tls"` // "starttls" (default), "tls" (implicit) or "none"
	// HasPassword: a password is stored (Password is "" in views).
	HasPassword bool `json:"-"`
}

// Webhook is the webhook channel; URL "" turns it off.
type Webhook struct {
	URL       string `json:"url"`
	Secret    string `json:"-"` // sealed
	HasSecret bool   `json:"-"`
}

// Sessions are the web session timeouts.
type Sessions struct {
	IdleTimeout     time.Duration `json:"idle_timeout"`
	AbsoluteTimeout time.Duration `json:"absolute_timeout"`
}

// Settings are every section's effective values.
type Settings struct {
	Sync     Sync
	Balance  Balance
	SMTP     SMTP
	Webhook  Webhook
	Sessions Sessions
	SSO      sso.Config
}

// Redacted returns a copy without secrets (flags say which are set), for admin pages.
func (s Settings) Redacted() Settings {
	s.SMTP.HasPassword, s.SMTP.Password = s.SMTP.Password != "", ""
	s.Webhook.HasSecret, s.Webhook.Secret = s.Webhook.Secret != "", ""
	s.SSO.HasClientSecret, s.SSO.ClientSecret = s.SSO.ClientSecret != "", ""
	return s
}

// Defaults are the settings of a fresh portal: the configuration's values.
func Defaults(cfg config.Config) Settings {
	return Settings{
		Sync:     Sync{Interval: cfg.SyncInterval, CatalogInterval: cfg.SyncCatalogInterval},
		Balance:  Balance{LowThreshold: money.Zero("CNY")},
		SMTP:     SMTP{Port: 587, TLS: "starttls"},
		Sessions: Sessions{IdleTimeout: cfg.SessionIdleTimeout, AbsoluteTimeout: cfg.SessionAbsoluteTimeout},
		SSO:      sso.Config{Scopes: []string{"openid", "profile", "email"}},
	}
}

// Errors.
var (
	ErrNotConfigured = errors.New("settings: the channel is not configured")
	ErrSend          = errors.New("settings: the test message could not be delivered")
	ErrSecret        = errors.New("settings: stored secrets cannot be decrypted with the current key")
)

// ValidationError maps a field to the message id of what is wrong.
type ValidationError struct{ Fields map[string]string }

func (e *ValidationError) Error() string {
	var p []string
	for k, v := range e.Fields {
		p = append(p, k+": "+v)
	}
	return "settings: invalid (" + strings.Join(p, "; ") + ")"
}

// MessageID translates an error of this package ("" when none).
func MessageID(err error) string {
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		return "settings.err.invalid"
	case errors.Is(err, ErrNotConfigured):
		return "settings.err.not_configured"
	case errors.Is(err, ErrSend):
		return "settings.err.send"
	case errors.Is(err, ErrSecret):
		return "settings.err.secret"
	case errors.Is(err, auth.ErrStepUpRequired):
		return "admin.err.step_up"
	}
	return ""
}

// Service reads and changes settings.
type Service struct {
	db       *store.DB
	box      *secretbox.Box
	defaults Settings
	now      func() time.Time

	mu       sync.Mutex
	cached   *Settings
	cachedAt time.Time
}

// New returns the service; secretKey is PORTAL_SECRET_KEY.
func New(db *store.DB, secretKey []byte, cfg config.Config) (*Service, error) {
	box, err := secretbox.New(secretKey, Purpose)
	if err != nil {
		return nil, err
	}
	return &Service{db: db, box: box, defaults: Defaults(cfg), now: time.Now}, nil
}

// Get returns the effective settings, secrets included (for senders; pages use
// Redacted). Served from a per-process cache at most CacheTTL old.
func (s *Service) Get(ctx context.Context) (Settings, error) {
	s.mu.Lock()
	if s.cached != nil && s.now().Sub(s.cachedAt) < CacheTTL {
		c := *s.cached
		s.mu.Unlock()
		return c, nil
	}
	s.mu.Unlock()
	st, err := s.load(ctx, s.db)
	if err != nil {
		return Settings{}, err
	}
	s.mu.Lock()
	s.cached, s.cachedAt = &st, s.now()
	s.mu.Unlock()
	return st, nil
}

func (s *Service) invalidate() {
	s.mu.Lock()
	s.cached = nil
	s.mu.Unlock()
}

// section binds a section name to its plain part and its secrets.
type section struct {
	plain   any                // pointer into Settings
	secrets map[string]*string // name → pointer into Settings
}

func sections(st *Settings) map[string]section {
	return map[string]section{
		SectionSync:     {plain: &st.Sync},
		SectionBalance:  {plain: &st.Balance},
		SectionSMTP:     {plain: &st.SMTP, secrets: map[string]*string{"password": &st.SMTP.Password}},
		SectionWebhook:  {plain: &st.Webhook, secrets: map[string]*string{"secret": &st.Webhook.Secret}},
		SectionSessions: {plain: &st.Sessions},
		SectionSSO:      {plain: &st.SSO, secrets: map[string]*string{"client_secret": &st.SSO.ClientSecret}},
	}
}

func (s *Service) load(ctx context.Context, db *store.DB) (Settings, error) {
	st := s.defaults
	st.SSO.Scopes = append([]string(nil), st.SSO.Scopes...)
	rows, err := db.ListSettings(ctx)
	if err != nil {
		return Settings{}, err
	}
	secs := sections(&st)
	for _, r := range rows {
		sec, ok := secs[r.Section]
		if !ok {
			continue // a section of a newer version
		}
		if err := json.Unmarshal([]byte(r.Value), sec.plain); err != nil {
			return Settings{}, fmt.Errorf("settings: section %s: %w", r.Section, err)
		}
		if r.Secret == "" {
			continue
		}
		plain, err := s.box.Open(r.Secret)
		if err != nil {
			return Settings{}, fmt.Errorf("%w (section %s)", ErrSecret, r.Section)
		}
		var m map[string]string
		if err := json.Unmarshal([]byte(plain), &m); err != nil {
			return Settings{}, fmt.Errorf("settings: section %s secrets: %w", r.Section, err)
		}
		for k, p := range sec.secrets {
			*p = m[k]
		}
	}
	return st, nil
}

// update applies change to the section's current value and saves it with its audit
// event (settings.update: section, before, after, which secrets changed) in one
// transaction. keep lists secrets to carry over when the new value leaves them empty.
func (s *Service) update(ctx context.Context, name string, m audit.Meta, up auth.StepUp, change func(st *Settings) error) error {
	if err := up.Require(m); err != nil {
		return err
	}
	err := s.db.InTx(ctx, func(tx *store.DB) error {
		cur, err := s.load(ctx, tx)
		if err != nil {
			return err
		}
		next := cur
		next.SSO.Scopes = append([]string(nil), cur.SSO.Scopes...)
		if err := change(&next); err != nil {
			return err
		}
		before, after := sections(&cur)[name], sections(&next)[name]
		value, err := json.Marshal(after.plain)
		if err != nil {
			return err
		}
		var sealed string
		changed := map[string]any{}
		if len(after.secrets) > 0 {
			m := map[string]string{}
			for k, p := range after.secrets {
				m[k] = *p
				if *p != *before.secrets[k] {
					changed[k] = true
				}
			}
			b, _ := json.Marshal(m)
			if sealed, err = s.box.Seal(string(b)); err != nil {
				return err
			}
		}
		if err := tx.SaveSetting(ctx, &store.Setting{Section: name, Value: string(value), Secret: sealed}); err != nil {
			return err
		}
		var bj, aj map[string]any
		bb, _ := json.Marshal(before.plain)
		_ = json.Unmarshal(bb, &bj)
		_ = json.Unmarshal(value, &aj)
		names := make([]string, 0, len(changed))
		for k := range changed {
			names = append(names, k)
		}
		return audit.Record(ctx, tx, m, audit.Entry{
			Action: audit.SettingsUpdate, TargetType: "settings", TargetID: name, Outcome: audit.Success,
			Details: map[string]any{"section": name, "before": bj, "after": aj, "secrets_changed": names},
		})
	})
	if err == nil {
		s.invalidate()
	}
	return err
}

// UpdateSync changes the sync intervals (1 minute to 1 week; catalogue at least the
// interval).
func (s *Service) UpdateSync(ctx context.Context, v Sync, m audit.Meta, up auth.StepUp) error {
	f := map[string]string{}
	if v.Interval < time.Minute || v.Interval > 7*24*time.Hour {
		f["interval"] = "settings.field.interval"
	}
	if v.CatalogInterval < time.Minute || v.CatalogInterval > 30*24*time.Hour {
		f["catalog_interval"] = "settings.field.interval"
	}
	if len(f) > 0 {
		return &ValidationError{Fields: f}
	}
	return s.update(ctx, SectionSync, m, up, func(st *Settings) error { st.Sync = v; return nil })
}

// UpdateBalance changes the default low-balance threshold (text like "1000.00"). "" or
// "0" stores zero, which means "no default of our own": the pages then apply the built-in
// 1,000.00 (web's lowBalanceDefault), they do not turn alerts off.
func (s *Service) UpdateBalance(ctx context.Context, threshold, currency string, m audit.Meta, up auth.StepUp) error {
	if currency == "" {
		currency = "CNY"
	}
	amt := money.Zero(currency)
	if t := strings.TrimSpace(threshold); t != "" {
		d, err := money.ParseNumber(t)
		if err != nil || d.IsNegative() || d.GreaterThan(money.MaxAmount) {
			return &ValidationError{Fields: map[string]string{"low_threshold": "settings.field.amount"}}
		}
		amt = money.New(d, currency)
	}
	return s.update(ctx, SectionBalance, m, up, func(st *Settings) error { st.Balance.LowThreshold = amt; return nil })
}

// UpdateSMTP changes the e-mail channel. An empty Password keeps the stored one unless
// clearPassword; Host "" turns the channel off.
func (s *Service) UpdateSMTP(ctx context.Context, v SMTP, clearPassword bool, m audit.Meta, up auth.StepUp) error {
	v.Host, v.From, v.Username = strings.TrimSpace(v.Host), strings.TrimSpace(v.From), strings.TrimSpace(v.Username)
	if v.TLS == "" {
		v.TLS = "starttls"
	}
	f := map[string]string{}
	if v.Host != "" {
		if strings.ContainsAny(v.Host, " /:@") {
			f["host"] = "settings.field.host"
		}
		if _, err := mail.ParseAddress(v.From); err != nil {
			f["from"] = "settings.field.from"
		}
	}
	if v.Port < 1 || v.Port > 65535 {
		f["port"] = "settings.field.port"
	}
	if v.TLS != "starttls" && v.TLS != "tls" && v.TLS != "none" {
		f["tls"] = "settings.field.tls"
	}
	if len(f) > 0 {
		return &ValidationError{Fields: f}
	}
	return s.update(ctx, SectionSMTP, m, up, func(st *Settings) error {
		pw := st.SMTP.Password
		if v.Password != "" || clearPassword {
			pw = v.Password
		}
		v.Password, v.HasPassword = pw, false
		st.SMTP = v
		return nil
	})
}

// UpdateWebhook changes the webhook channel (https, or http to a loopback address). An
// empty Secret keeps the stored one unless clearSecret; URL "" turns the channel off.
func (s *Service) UpdateWebhook(ctx context.Context, v Webhook, clearSecret bool, m audit.Meta, up auth.StepUp) error {
	v.URL = strings.TrimSpace(v.URL)
	if v.URL != "" {
		u, err := url.Parse(v.URL)
		if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname()))) || u.User != nil {
			return &ValidationError{Fields: map[string]string{"url": "settings.field.webhook_url"}}
		}
	}
	return s.update(ctx, SectionWebhook, m, up, func(st *Settings) error {
		sec := st.Webhook.Secret
		if v.Secret != "" || clearSecret {
			sec = v.Secret
		}
		v.Secret, v.HasSecret = sec, false
		st.Webhook = v
		return nil
	})
}

func loopback(host string) bool {
	return host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"
}

// UpdateSessions changes the session timeouts (idle 5 min–24 h, absolute ≥ idle, ≤ 30 days).
func (s *Service) UpdateSessions(ctx context.Context, v Sessions, m audit.Meta, up auth.StepUp) error {
	f := map[string]string{}
	if v.IdleTimeout < 5*time.Minute || v.IdleTimeout > 24*time.Hour {
		f["idle_timeout"] = "settings.field.idle_timeout"
	}
	if v.AbsoluteTimeout < v.IdleTimeout || v.AbsoluteTimeout > 30*24*time.Hour {
		f["absolute_timeout"] = "settings.field.absolute_timeout"
	}
	if len(f) > 0 {
		return &ValidationError{Fields: f}
	}
	return s.update(ctx, SectionSessions, m, up, func(st *Settings) error { st.Sessions = v; return nil })
}

// UpdateSSO changes the single-sign-on configuration (validated by sso.Config.Validate).
// An empty ClientSecret keeps the stored one.
func (s *Service) UpdateSSO(ctx context.Context, v sso.Config, m audit.Meta, up auth.StepUp) error {
	v.Normalize()
	return s.update(ctx, SectionSSO, m, up, func(st *Settings) error {
		if v.ClientSecret == "" {
			v.ClientSecret = st.SSO.ClientSecret
		}
		v.HasClientSecret = false
		if err := v.Validate(); err != nil {
			var ve *sso.ValidationError
			if errors.As(err, &ve) {
				return &ValidationError{Fields: ve.Fields}
			}
			return err
		}
		st.SSO = v
		return nil
	})
}
