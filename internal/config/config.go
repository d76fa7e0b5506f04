// Package config reads Purser's configuration from PORTAL_* environment variables (and
// flags of the same name, which cmd/portal overlays). Load is pure: it takes a getenv
// function and returns every problem at once, so an operator fixes them in one go.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Upstream values.
const (
	UpstreamSandbox = "sandbox"
	APIv2           = "v2"
	APILegacy       = "legacy"
)

// Config is the validated configuration of one portal process.
type Config struct {
	Addr        string
	DatabaseURL string // always set after Load: postgres://… or sqlite://PATH
	DataDir     string
	// SecretKey is nil when PORTAL_SECRET_KEY is unset; cmd/portal then generates one
	// into the data directory (see EnsureSecretKey).
	SecretKey []byte

	Upstream    string // "sandbox" or the BSS endpoint URL
	UpstreamAPI string // "v2" or "legacy"
	HWAK        string
	HWSK        string
	HWDomainID  string

	PublicURL      string
	TrustedProxies []netip.Prefix
	LogFormat      string
	LogLevel       string

	SessionIdleTimeout     time.Duration
	SessionAbsoluteTimeout time.Duration
	LoginMaxFailures       int
	LoginLockout           time.Duration

	DemoPassword   string
	DemoTOTPSecret string

	SandboxSeed        int64
	SandboxSubAccounts int

	SyncInterval        time.Duration
	SyncCatalogInterval time.Duration
	SyncConcurrency     int
	// SyncCreditRecheck: passes between credit reads of a sub-account without credit.
	SyncCreditRecheck int

	AuditCheckpointInterval time.Duration
	AuditCheckpointFile     string // "" = no copy outside the database

	AlertRunwayDays    int
	AlertAnomalyFactor decimal.Decimal
}

// Sandbox reports whether the upstream is the in-process simulator.
func (c Config) Sandbox() bool { return c.Upstream == UpstreamSandbox }

// SecureCookies reports whether the portal is served over https, which turns on Secure
// cookies and HSTS.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.PublicURL, "https://") }

// SQLitePath is the database file when the database is SQLite, "" otherwise.
func (c Config) SQLitePath() string {
	if p, ok := strings.CutPrefix(c.DatabaseURL, "sqlite://"); ok {
		return p
	}
	return ""
}

// Variable documents one setting; the README's configuration table is checked against
// this list by a test, so the two never drift.
type Variable struct {
	Name    string
	Default string
	Secret  bool // also read from NAME_FILE
	Meaning string
}

// Variables lists every setting in the order the README shows them.
var Variables = []Variable{
	{"PORTAL_ADDR", "127.0.0.1:8080", false, "listen address"},
	{"PORTAL_DATABASE_URL", "", true, "`postgres://…` for Postgres, `sqlite://PATH` for SQLite; empty = SQLite at `$PORTAL_DATA_DIR/portal.db`"},
	{"PORTAL_DATA_DIR", "./data", false, "local state for the embedded default (SQLite file, generated secret key)"},
	{"PORTAL_SECRET_KEY", "", true, "32 bytes, base64; signs sessions and encrypts stored secrets; generated into the data dir on first start (with a warning) when empty"},
	{"PORTAL_UPSTREAM", "sandbox", false, "`sandbox` (in-process simulator) or the BSS endpoint URL, e.g. `https://bss.myhuaweicloud.com`"},
	{"PORTAL_UPSTREAM_API", "v2", false, "`v2` or `legacy` (v1.0) for the operations that exist in both"},
	{"PORTAL_HW_AK", "", true, "access key of the master account"},
	{"PORTAL_HW_SK", "", true, "secret key of the master account"},
	{"PORTAL_HW_DOMAIN_ID", "", false, "account (domain) id of the master account"},
	{"PORTAL_PUBLIC_URL", "", false, "external URL, e.g. `https://purser.example.com`; `https://` turns on Secure cookies and HSTS; empty = derived from the listen address"},
	{"PORTAL_TRUSTED_PROXIES", "", false, "comma-separated IPs/CIDRs of reverse proxies whose `X-Forwarded-For` is believed; empty = none"},
	{"PORTAL_LOG_FORMAT", "text", false, "`text` or `json`"},
	{"PORTAL_LOG_LEVEL", "info", false, "`debug`, `info`, `warn` or `error`"},
	{"PORTAL_SESSION_IDLE_TIMEOUT", "30m", false, "a session ends after this long without a request"},
	{"PORTAL_SESSION_ABSOLUTE_TIMEOUT", "12h", false, "a session ends this long after sign-in, active or not"},
	{"PORTAL_LOGIN_MAX_FAILURES", "5", false, "failed sign-ins (per user name and per client address) before a temporary lockout"},
	{"PORTAL_LOGIN_LOCKOUT", "15m", false, "how long a lockout lasts"},
	{"PORTAL_DEMO_PASSWORD", "purser-demo", true, "password of the demo users (sandbox mode, fresh database only)"},
	{"PORTAL_DEMO_TOTP_SECRET", "JBSWY3DPEHPK3PXP", true, "base32 TOTP secret of the demo users"},
	{"PORTAL_SANDBOX_SEED", "1", false, "seed of the in-process sandbox's generated data"},
	{"PORTAL_SANDBOX_SUB_ACCOUNTS", "25", false, "number of sub-accounts in the in-process sandbox (1–100000)"},
	{"PORTAL_SYNC_INTERVAL", "15m", false, "how often the cache of balances, coupons, cards, resources and packages is refreshed (a run still going when the next is due finishes first)"},
	{"PORTAL_SYNC_CATALOG_INTERVAL", "24h", false, "how often the product catalogues are refreshed"},
	{"PORTAL_SYNC_CONCURRENCY", "16", false, "upstream calls a sync runs at once; the client's rate limiter still sets the pace"},
	{"PORTAL_SYNC_CREDIT_RECHECK_PASSES", "4", false, "a sub-account found without a credit account has its credit read again every this many balance passes (skipped in between, saving a call per sub-account and pass); 1 reads it every pass"},
	{"PORTAL_AUDIT_CHECKPOINT_INTERVAL", "1m", false, "how often the newest audit event is signed while events arrive (nothing is written while the trail does not move); one checkpoint per interval across replicas"},
	{"PORTAL_ALERT_RUNWAY_DAYS", "7", false, "a sub-account whose runway (days its money lasts at its median daily consumption) is shorter than this raises a low-runway alert"},
	{"PORTAL_ALERT_ANOMALY_FACTOR", "3", false, "a day's consumption above this many times the sub-account's trailing median raises an anomaly alert (a number above 1, e.g. `2.5`)"},
	{"PORTAL_AUDIT_CHECKPOINT_FILE", "", false, "file to which every checkpoint is appended as one JSON line (fsync) the moment it is made, for `portal audit verify --checkpoints`; put it on a separate, append-only volume that every replica writes; empty = no copy"},
}

// ErrInvalid wraps every validation problem.
var ErrInvalid = errors.New("invalid configuration")

// Error lists every problem found, one per line.
type Error struct{ Problems []string }

func (e *Error) Error() string { return strings.Join(e.Problems, "; ") }
func (e *Error) Unwrap() error { return ErrInvalid }

// Load reads and validates the configuration. getenv is os.Getenv in production and a map
// in tests. readFile reads NAME_FILE secrets; nil means os.ReadFile.
func Load(getenv func(string) string, readFile func(string) ([]byte, error)) (Config, error) {
	if readFile == nil {
		readFile = os.ReadFile
	}
	r := reader{getenv: getenv, readFile: readFile}
	var c Config

	c.Addr = r.str("PORTAL_ADDR")
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		r.bad("PORTAL_ADDR", "must be host:port, e.g. 127.0.0.1:8080")
	}
	c.DataDir = r.str("PORTAL_DATA_DIR")
	if c.DataDir == "" {
		r.bad("PORTAL_DATA_DIR", "must not be empty")
	}
	c.DatabaseURL = r.str("PORTAL_DATABASE_URL")
	switch {
	case c.DatabaseURL == "":
		c.DatabaseURL = "sqlite://" + filepath.Join(c.DataDir, "portal.db")
	case strings.HasPrefix(c.DatabaseURL, "postgres://"), strings.HasPrefix(c.DatabaseURL, "postgresql://"):
		if _, err := url.Parse(c.DatabaseURL); err != nil {
			r.bad("PORTAL_DATABASE_URL", "is not a valid URL")
		}
	case strings.HasPrefix(c.DatabaseURL, "sqlite://"):
		if c.SQLitePath() == "" {
			r.bad("PORTAL_DATABASE_URL", "sqlite:// needs a file path, e.g. sqlite://data/portal.db")
		}
	default:
		r.bad("PORTAL_DATABASE_URL", "must start with postgres://, postgresql:// or sqlite://")
	}

	if key := r.str("PORTAL_SECRET_KEY"); key != "" {
		b, err := base64.StdEncoding.DecodeString(key)
		if err != nil {
			b, err = base64.RawURLEncoding.DecodeString(key)
		}
		if err != nil || len(b) != 32 {
			r.bad("PORTAL_SECRET_KEY", "must be 32 bytes encoded in base64 (e.g. `openssl rand -base64 32`)")
		} else {
			c.SecretKey = b
		}
	}

	c.Upstream = r.str("PORTAL_UPSTREAM")
	if c.Upstream != UpstreamSandbox {
		u, err := url.Parse(c.Upstream)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			r.bad("PORTAL_UPSTREAM", "must be `sandbox` or an http(s) URL such as https://bss.myhuaweicloud.com")
		}
	}
	c.UpstreamAPI = r.oneOf("PORTAL_UPSTREAM_API", APIv2, APILegacy)
	c.HWAK = r.str("PORTAL_HW_AK")
	c.HWSK = r.str("PORTAL_HW_SK")
	c.HWDomainID = r.str("PORTAL_HW_DOMAIN_ID")
	if (c.HWAK == "") != (c.HWSK == "") {
		r.bad("PORTAL_HW_SK", "PORTAL_HW_AK and PORTAL_HW_SK must be set together")
	}
	if c.HWAK != "" && c.HWDomainID == "" {
		r.bad("PORTAL_HW_DOMAIN_ID", "is required with PORTAL_HW_AK")
	}

	c.PublicURL = strings.TrimRight(r.str("PORTAL_PUBLIC_URL"), "/")
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			r.bad("PORTAL_PUBLIC_URL", "must be an http(s) URL such as https://purser.example.com")
		}
	} else if c.Addr != "" {
		c.PublicURL = "http://" + c.Addr
	}
	c.TrustedProxies = r.prefixes("PORTAL_TRUSTED_PROXIES")
	c.LogFormat = r.oneOf("PORTAL_LOG_FORMAT", "text", "json")
	c.LogLevel = r.oneOf("PORTAL_LOG_LEVEL", "debug", "info", "warn", "error")

	c.SessionIdleTimeout = r.duration("PORTAL_SESSION_IDLE_TIMEOUT", time.Minute, 24*time.Hour)
	c.SessionAbsoluteTimeout = r.duration("PORTAL_SESSION_ABSOLUTE_TIMEOUT", time.Minute, 30*24*time.Hour)
	if c.SessionIdleTimeout > c.SessionAbsoluteTimeout && c.SessionAbsoluteTimeout > 0 {
		r.bad("PORTAL_SESSION_IDLE_TIMEOUT", "must not exceed PORTAL_SESSION_ABSOLUTE_TIMEOUT")
	}
	c.LoginMaxFailures = int(r.integer("PORTAL_LOGIN_MAX_FAILURES", 1, 100))
	c.LoginLockout = r.duration("PORTAL_LOGIN_LOCKOUT", time.Second, 24*time.Hour)

	c.DemoPassword = r.str("PORTAL_DEMO_PASSWORD")
	if len([]rune(c.DemoPassword)) < 10 { // users.MinPasswordLength: the demo users must be creatable
		r.bad("PORTAL_DEMO_PASSWORD", "must be at least 10 characters")
	}
	c.DemoTOTPSecret = strings.ToUpper(strings.ReplaceAll(r.str("PORTAL_DEMO_TOTP_SECRET"), " ", ""))
	if !validBase32Secret(c.DemoTOTPSecret) {
		r.bad("PORTAL_DEMO_TOTP_SECRET", "must be a base32 secret of at least 16 characters (A–Z, 2–7)")
	}
	c.SandboxSeed = r.integer("PORTAL_SANDBOX_SEED", -1<<62, 1<<62)
	c.SandboxSubAccounts = int(r.integer("PORTAL_SANDBOX_SUB_ACCOUNTS", 1, 100000))

	c.SyncInterval = r.duration("PORTAL_SYNC_INTERVAL", time.Minute, 24*time.Hour)
	c.SyncCatalogInterval = r.duration("PORTAL_SYNC_CATALOG_INTERVAL", time.Hour, 30*24*time.Hour)
	c.SyncConcurrency = int(r.integer("PORTAL_SYNC_CONCURRENCY", 1, 64))
	c.SyncCreditRecheck = int(r.integer("PORTAL_SYNC_CREDIT_RECHECK_PASSES", 1, 100))

	c.AuditCheckpointInterval = r.duration("PORTAL_AUDIT_CHECKPOINT_INTERVAL", time.Second, time.Hour)
	c.AuditCheckpointFile = r.str("PORTAL_AUDIT_CHECKPOINT_FILE")

	c.AlertRunwayDays = int(r.integer("PORTAL_ALERT_RUNWAY_DAYS", 1, 365))
	if f, err := decimal.NewFromString(r.str("PORTAL_ALERT_ANOMALY_FACTOR")); err != nil || !f.GreaterThan(decimal.NewFromInt(1)) || f.GreaterThan(decimal.NewFromInt(100)) {
		r.bad("PORTAL_ALERT_ANOMALY_FACTOR", "must be a number above 1 and at most 100")
	} else {
		c.AlertAnomalyFactor = f
	}

	if len(r.problems) > 0 {
		return Config{}, &Error{Problems: r.problems}
	}
	return c, nil
}

func validBase32Secret(s string) bool {
	if len(strings.TrimRight(s, "=")) < 16 {
		return false
	}
	for _, ch := range strings.TrimRight(s, "=") {
		if (ch < 'A' || ch > 'Z') && (ch < '2' || ch > '7') {
			return false
		}
	}
	return true
}

// reader collects problems while reading variables with their defaults.
type reader struct {
	getenv   func(string) string
	readFile func(string) ([]byte, error)
	problems []string
}

func (r *reader) bad(name, msg string) { r.problems = append(r.problems, name+" "+msg) }

func (r *reader) str(name string) string {
	v := Lookup(name)
	if v.Secret {
		if file := r.getenv(name + "_FILE"); file != "" {
			if r.getenv(name) != "" {
				r.bad(name, "and "+name+"_FILE are both set; use one")
				return ""
			}
			b, err := r.readFile(file)
			if err != nil {
				r.bad(name+"_FILE", "cannot be read: "+errors.Unwrap(err).Error())
				return ""
			}
			return strings.TrimRight(string(b), "\r\n")
		}
	}
	if s := strings.TrimSpace(r.getenv(name)); s != "" {
		return s
	}
	return v.Default
}

func (r *reader) oneOf(name string, allowed ...string) string {
	s := r.str(name)
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	r.bad(name, "must be one of "+strings.Join(allowed, ", ")+fmt.Sprintf(" (got %q)", s))
	return ""
}

func (r *reader) duration(name string, lo, hi time.Duration) time.Duration {
	s := r.str(name)
	d, err := time.ParseDuration(s)
	if err != nil {
		r.bad(name, fmt.Sprintf("must be a duration such as 30m or 12h (got %q)", s))
		return 0
	}
	if d < lo || d > hi {
		r.bad(name, fmt.Sprintf("must be between %s and %s", lo, hi))
		return 0
	}
	return d
}

func (r *reader) integer(name string, lo, hi int64) int64 {
	s := r.str(name)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		r.bad(name, fmt.Sprintf("must be a whole number (got %q)", s))
		return 0
	}
	if n < lo || n > hi {
		r.bad(name, fmt.Sprintf("must be between %d and %d", lo, hi))
		return 0
	}
	return n
}

func (r *reader) prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, part := range strings.Split(r.str(name), ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			r.bad(name, fmt.Sprintf("has %q, which is not an IP address or CIDR", part))
			continue
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out
}

// Lookup returns the documentation of a variable; unknown names yield a zero Variable.
func Lookup(name string) Variable {
	for _, v := range Variables {
		if v.Name == name {
			return v
		}
	}
	return Variable{Name: name}
}

// FlagName is the command-line flag of a variable: PORTAL_DATABASE_URL → database-url.
func FlagName(v string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(v, "PORTAL_")), "_", "-")
}
