package config

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || !c.Sandbox() || c.UpstreamAPI != APIv2 {
		t.Fatalf("defaults: %+v", c)
	}
	if c.DatabaseURL != "sqlite://"+filepath.Join("data", "portal.db") {
		t.Fatalf("database url %q", c.DatabaseURL)
	}
	if c.SessionIdleTimeout != 30*time.Minute || c.SessionAbsoluteTimeout != 12*time.Hour {
		t.Fatalf("session timeouts %v %v", c.SessionIdleTimeout, c.SessionAbsoluteTimeout)
	}
	if c.DemoPassword != "purser-demo" || c.DemoTOTPSecret != "JBSWY3DPEHPK3PXP" || c.SandboxSubAccounts != 25 || c.SandboxSeed != 1 {
		t.Fatalf("demo defaults %+v", c)
	}
	if c.PublicURL != "http://127.0.0.1:8080" || c.SecureCookies() {
		t.Fatalf("public url %q", c.PublicURL)
	}
	if c.SecretKey != nil {
		t.Fatal("secret key must stay nil until EnsureSecretKey")
	}
	if c.AuditCheckpointInterval != time.Minute || c.AuditCheckpointFile != "" {
		t.Fatalf("audit checkpoint defaults %v %q", c.AuditCheckpointInterval, c.AuditCheckpointFile)
	}
}

func TestLoadValidation(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string // variable names that must be reported
	}{
		{"bad addr", map[string]string{"PORTAL_ADDR": "8080"}, []string{"PORTAL_ADDR"}},
		{"bad db scheme", map[string]string{"PORTAL_DATABASE_URL": "mysql://x"}, []string{"PORTAL_DATABASE_URL"}},
		{"bad key", map[string]string{"PORTAL_SECRET_KEY": "c2hvcnQ="}, []string{"PORTAL_SECRET_KEY"}},
		{"bad upstream", map[string]string{"PORTAL_UPSTREAM": "ftp://x"}, []string{"PORTAL_UPSTREAM"}},
		{"bad api", map[string]string{"PORTAL_UPSTREAM_API": "v3"}, []string{"PORTAL_UPSTREAM_API"}},
		{"ak without sk", map[string]string{"PORTAL_HW_AK": "ak", "PORTAL_HW_DOMAIN_ID": "d"}, []string{"PORTAL_HW_SK"}},
		{"ak without domain", map[string]string{"PORTAL_HW_AK": "ak", "PORTAL_HW_SK": "sk"}, []string{"PORTAL_HW_DOMAIN_ID"}},
		{"bad public url", map[string]string{"PORTAL_PUBLIC_URL": "purser.example.com"}, []string{"PORTAL_PUBLIC_URL"}},
		{"bad proxies", map[string]string{"PORTAL_TRUSTED_PROXIES": "10.0.0.1, nope"}, []string{"PORTAL_TRUSTED_PROXIES"}},
		{"bad log format", map[string]string{"PORTAL_LOG_FORMAT": "xml"}, []string{"PORTAL_LOG_FORMAT"}},
		{"bad idle", map[string]string{"PORTAL_SESSION_IDLE_TIMEOUT": "soon"}, []string{"PORTAL_SESSION_IDLE_TIMEOUT"}},
		{"idle above absolute", map[string]string{"PORTAL_SESSION_IDLE_TIMEOUT": "2h", "PORTAL_SESSION_ABSOLUTE_TIMEOUT": "1h"}, []string{"PORTAL_SESSION_IDLE_TIMEOUT"}},
		{"short demo password", map[string]string{"PORTAL_DEMO_PASSWORD": "short"}, []string{"PORTAL_DEMO_PASSWORD"}},
		{"bad totp", map[string]string{"PORTAL_DEMO_TOTP_SECRET": "not-base32!"}, []string{"PORTAL_DEMO_TOTP_SECRET"}},
		{"too many subs", map[string]string{"PORTAL_SANDBOX_SUB_ACCOUNTS": "100001"}, []string{"PORTAL_SANDBOX_SUB_ACCOUNTS"}},
		{"checkpoints too rare", map[string]string{"PORTAL_AUDIT_CHECKPOINT_INTERVAL": "2h"}, []string{"PORTAL_AUDIT_CHECKPOINT_INTERVAL"}},
		{"not a number", map[string]string{"PORTAL_SANDBOX_SEED": "one"}, []string{"PORTAL_SANDBOX_SEED"}},
		{"all at once", map[string]string{"PORTAL_ADDR": "x", "PORTAL_LOG_FORMAT": "xml", "PORTAL_LOGIN_MAX_FAILURES": "0"},
			[]string{"PORTAL_ADDR", "PORTAL_LOG_FORMAT", "PORTAL_LOGIN_MAX_FAILURES"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(env(tt.env), nil)
			var cerr *Error
			if !errors.As(err, &cerr) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("want *Error, got %v", err)
			}
			if len(cerr.Problems) != len(tt.want) {
				t.Fatalf("problems %q, want %d", cerr.Problems, len(tt.want))
			}
			for i, name := range tt.want {
				if !strings.HasPrefix(cerr.Problems[i], name+" ") {
					t.Errorf("problem %d = %q, want it to name %s", i, cerr.Problems[i], name)
				}
			}
		})
	}
}

func TestLoadValues(t *testing.T) {
	c, err := Load(env(map[string]string{
		"PORTAL_DATABASE_URL":    "postgres://u@db:5432/purser",
		"PORTAL_SECRET_KEY":      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		"PORTAL_UPSTREAM":        "https://bss.myhuaweicloud.com",
		"PORTAL_PUBLIC_URL":      "https://purser.example.com/",
		"PORTAL_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7",
	}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Sandbox() || !c.SecureCookies() || c.PublicURL != "https://purser.example.com" {
		t.Fatalf("%+v", c)
	}
	if len(c.SecretKey) != 32 || c.SecretKey[31] != 31 {
		t.Fatalf("key %v", c.SecretKey)
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[1].String() != "192.168.1.7/32" {
		t.Fatalf("proxies %v", c.TrustedProxies)
	}
}

func TestSecretFromFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sk")
	if err := os.WriteFile(p, []byte("from-file-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(env(map[string]string{"PORTAL_HW_AK": "ak", "PORTAL_HW_SK_FILE": p, "PORTAL_HW_DOMAIN_ID": "d"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.HWSK != "from-file-secret" {
		t.Fatalf("sk %q", c.HWSK)
	}
	_, err = Load(env(map[string]string{"PORTAL_HW_SK_FILE": filepath.Join(dir, "missing")}), nil)
	if err == nil || !strings.Contains(err.Error(), "PORTAL_HW_SK_FILE") {
		t.Fatalf("missing file: %v", err)
	}
	_, err = Load(env(map[string]string{"PORTAL_HW_SK": "x", "PORTAL_HW_SK_FILE": p}), nil)
	if err == nil || !strings.Contains(err.Error(), "both set") {
		t.Fatalf("both set: %v", err)
	}
}

func TestEnsureSecretKey(t *testing.T) {
	c := Config{DataDir: filepath.Join(t.TempDir(), "data")}
	gen, err := EnsureSecretKey(&c)
	if err != nil || !gen || len(c.SecretKey) != 32 {
		t.Fatalf("first: %v %v %d", gen, err, len(c.SecretKey))
	}
	st, err := os.Stat(filepath.Join(c.DataDir, SecretKeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", err, st)
	}
	c2 := Config{DataDir: c.DataDir}
	gen, err = EnsureSecretKey(&c2)
	if err != nil || gen || string(c2.SecretKey) != string(c.SecretKey) {
		t.Fatal("second start must reuse the same key")
	}
}

// TestReadmeTableMatchesCode keeps the README's configuration table and Variables in sync.
func TestReadmeTableMatchesCode(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `(PORTAL_[A-Z0-9_]+)` \\| `?([^|`]*)`? \\|")
	var inReadme []string
	defaults := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		inReadme = append(inReadme, m[1])
		defaults[m[1]] = strings.TrimSpace(m[2])
	}
	var inCode []string
	for _, v := range Variables {
		inCode = append(inCode, v.Name)
	}
	if strings.Join(inReadme, ",") != strings.Join(inCode, ",") {
		t.Fatalf("README configuration table lists\n%v\nbut config.Variables has\n%v", inReadme, inCode)
	}
	for _, v := range Variables {
		want := v.Default
		if want == "" {
			want = "(empty)"
		}
		if defaults[v.Name] != want {
			t.Errorf("README default of %s is %q, code says %q", v.Name, defaults[v.Name], want)
		}
	}
}
