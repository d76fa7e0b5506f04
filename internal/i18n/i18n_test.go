package i18n

import (
	"encoding/json"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// load merges every message file of a language; an id defined twice is an error.
func load(t *testing.T, lang string) map[string]string {
	t.Helper()
	files, _ := fs.Glob(locales, "locales/*"+lang+".json")
	if len(files) == 0 {
		t.Fatalf("no message files for %s", lang)
	}
	m := map[string]string{}
	for _, f := range files {
		b, err := locales.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raw := map[string]json.RawMessage{}
		if err := json.Unmarshal(b, &raw); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		part := map[string]string{}
		for k, r := range raw {
			var s string
			if err := json.Unmarshal(r, &s); err == nil {
				part[k] = s
				continue
			}
			// A message with plural forms ({"one": …, "other": …}) compares by its
			// "other" form, which every language has.
			var forms map[string]string
			if err := json.Unmarshal(r, &forms); err != nil || forms["other"] == "" {
				t.Fatalf("%s: %s is neither a text nor plural forms with \"other\"", f, k)
			}
			part[k] = forms["other"]
		}
		for k, v := range part {
			if _, dup := m[k]; dup {
				t.Errorf("%s defines %s again", f, k)
			}
			m[k] = v
		}
	}
	return m
}

// TestCatalogsMatch: every message exists in both languages, and the Chinese text is not
// a copy of the English one (a forgotten translation).
func TestCatalogsMatch(t *testing.T) {
	en, zh := load(t, "en"), load(t, "zh")
	for k, v := range en {
		z, ok := zh[k]
		if !ok {
			t.Errorf("%s missing in zh.json", k)
			continue
		}
		if z == v && !strings.Contains(v, "{{") {
			t.Errorf("%s is not translated: %q", k, v)
		}
		if strings.Count(v, "{{") != strings.Count(z, "{{") {
			t.Errorf("%s: placeholders differ between languages", k)
		}
	}
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("%s missing in en.json", k)
		}
	}
}

// TestEveryUsedKeyExists scans the code and templates for message ids and checks each
// exists, so no page shows "[some.key]".
func TestEveryUsedKeyExists(t *testing.T) {
	en := load(t, "en")
	used := regexp.MustCompile(`\b[TN]\("([a-z_]+\.[a-z0-9_.]*[a-z0-9])"`)
	// A literal ending in "_" is a prefix completed at run time ("audit.area_" + area).
	keyArg := regexp.MustCompile(`"((?:nav|login|totp|enrol|profile|dashboard|error|area|audit|layout)\.[a-z0-9_.]*[a-z0-9])"`)
	var files []string
	for _, dir := range []string{"../web", "../../web/templates", "../auth", "../users"} {
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".go") || strings.HasSuffix(p, ".templ")) &&
				!strings.HasSuffix(p, "_test.go") && !strings.HasSuffix(p, "_templ.go") {
				files = append(files, p)
			}
			return nil
		})
	}
	if len(files) < 10 {
		t.Fatalf("scanned only %d files", len(files))
	}
	seen := 0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, re := range []*regexp.Regexp{used, keyArg} {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				seen++
				if _, ok := en[m[1]]; !ok {
					t.Errorf("%s uses %q, which has no message", f, m[1])
				}
			}
		}
	}
	if seen < 50 {
		t.Fatalf("found only %d message uses: the scan is broken", seen)
	}
	// Ids built at run time: roles, outcomes and audit actions.
	for _, k := range []string{"role.admin", "role.approver", "role.finance", "role.auditor", "role.viewer",
		"outcome.success", "outcome.failure", "outcome.denied",
		"audit.verify_status_running", "audit.verify_status_intact", "audit.verify_status_broken", "audit.verify_status_failed",
		"audit.area_auth", "audit.area_user", "audit.area_role", "audit.area_policy", "audit.area_upstream_account",
		"audit.area_operation", "audit.area_sync", "audit.area_export", "audit.area_access", "audit.area_audit",
		"audit.area_sub_account"} {
		if _, ok := en[k]; !ok {
			t.Errorf("%s missing", k)
		}
	}
}

// TestActionsTranslated: every audit action of CONTRACTS.md has a label.
func TestActionsTranslated(t *testing.T) {
	en := load(t, "en")
	actions := strings.Fields(`auth.login auth.login_failed auth.logout auth.totp_failed user.create user.update
		user.disable role.grant role.revoke policy.update upstream_account.create upstream_account.update
		upstream_account.delete operation.create operation.submit operation.approve operation.reject
		operation.cancel operation.expire operation.execute operation.succeed operation.fail operation.unknown
		operation.reconcile sync.run export.download access.denied`)
	for _, a := range actions {
		if _, ok := en["action."+a]; !ok {
			t.Errorf("action %s has no label", a)
		}
	}
}

func TestTranslate(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if got := b.For("zh").T("dashboard.greeting", map[string]any{"Name": "李娜"}); got != "欢迎，李娜。" {
		t.Fatalf("zh: %q", got)
	}
	if got := b.For("en").T("action.auth.login"); got != "Signed in" {
		t.Fatalf("dotted id: %q", got)
	}
	if got := b.For("xx").T("login.title"); got != "Sign in" {
		t.Fatalf("unknown language falls back to English: %q", got)
	}
	if got := b.For("en").T("no.such.key"); got != "[no.such.key]" {
		t.Fatalf("missing: %q", got)
	}
}

// TestPlurals: a count picks the plural form of its language ("1 row", "2 rows"; Chinese
// has one form), and the count is also the message's {{.Count}}.
func TestPlurals(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]any{"Encoding": "GB18030", "Separator": "semicolon"}
	for _, c := range []struct {
		lang string
		n    int
		want string
	}{
		{English, 1, "Read as GB18030, semicolon-separated, 1 row."},
		{English, 0, "Read as GB18030, semicolon-separated, 0 rows."},
		{English, 12, "Read as GB18030, semicolon-separated, 12 rows."},
		{Chinese, 1, "按 GB18030 读取，semicolon分隔，共 1 行。"},
	} {
		if got := b.For(c.lang).N("op.bulk_detected_csv", c.n, data); got != c.want {
			t.Errorf("%s %d: %q, want %q", c.lang, c.n, got, c.want)
		}
	}
	if got := b.For(English).N("op.bulk_has_errors", 1); !strings.HasPrefix(got, "1 problem:") {
		t.Errorf("one problem: %q", got)
	}
}

func TestPick(t *testing.T) {
	cases := []struct{ cookie, accept, want string }{
		{"", "", "en"},
		{"", "zh-CN,zh;q=0.9", "zh"},
		{"", "zh-TW", "zh"},
		{"", "fr-FR,en;q=0.5", "en"},
		{"", "de", "en"},
		{"en", "zh-CN", "en"},
		{"zh", "en-US", "zh"},
		{"xx", "zh", "zh"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		if c.accept != "" {
			r.Header.Set("Accept-Language", c.accept)
		}
		if c.cookie != "" {
			r.Header.Set("Cookie", CookieName+"="+c.cookie)
		}
		if got := Pick(r); got != c.want {
			t.Errorf("cookie %q accept %q: %s, want %s", c.cookie, c.accept, got, c.want)
		}
	}
	if !slices.ContainsFunc(Supported, func(s struct{ Code, Name string }) bool { return s.Name == "简体中文" }) {
		t.Fatal("the switch must offer 简体中文")
	}
}

// TestTranslatorMemo: translators are shared per language and keep plain messages; a
// message with data is rendered with each call's data, a missing id is never kept.
func TestTranslatorMemo(t *testing.T) {
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	en, zh := b.For(English), b.For(Chinese)
	if b.For(English) != en || b.For("fr") != en || en == zh {
		t.Fatal("one translator per language")
	}
	for range 2 {
		if en.T("nav.dashboard") != "Dashboard" || zh.T("nav.dashboard") == "Dashboard" {
			t.Fatalf("plain: %q %q", en.T("nav.dashboard"), zh.T("nav.dashboard"))
		}
		if got := en.T("no.such.id"); got != "[no.such.id]" {
			t.Fatalf("missing: %q", got)
		}
	}
	if _, kept := en.plain.Load("no.such.id"); kept {
		t.Fatal("a missing id was kept")
	}
	a := en.T("read.showing", map[string]any{"From": 1, "To": 2, "Total": 3})
	c := en.T("read.showing", map[string]any{"From": 4, "To": 5, "Total": 6})
	if a != "Showing 1–2 of 3" || c != "Showing 4–5 of 6" {
		t.Fatalf("with data: %q %q", a, c)
	}
}
