package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func TestMain(m *testing.M) {
	// The tests run the portal in-process, each on its own data directory or database,
	// and the browser tests mostly wait on Chromium, the startup sync and the job runner.
	storetest.DefaultParallel(8)
	storetest.Main(m)
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine (serve) and a reading test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeEnv is an env whose getenv knows only vars: the developer's PORTAL_* variables
// never leak into a test.
func fakeEnv(stdin string, vars map[string]string) (env, *syncBuffer, *syncBuffer) {
	var stdout, stderr syncBuffer
	return env{
		stdin:  strings.NewReader(stdin),
		stdout: &stdout,
		stderr: &stderr,
		getenv: func(name string) string { return vars[name] },
	}, &stdout, &stderr
}

type cliResult struct {
	code           int
	stdout, stderr string
}

func (r cliResult) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// runCLI runs one command through run() with stdin and only the given variables.
func runCLI(t *testing.T, stdin string, vars map[string]string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e, stdout, stderr := fakeEnv(stdin, vars)
	code := run(ctx, args, e)
	if ctx.Err() != nil {
		t.Fatalf("portal %s: did not return before the deadline", strings.Join(args, " "))
	}
	return cliResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// nonEmptyLines splits s into its non-empty lines.
func nonEmptyLines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// wantOneErrorLine asserts that stderr is exactly one line "portal: …" containing every want.
func wantOneErrorLine(t *testing.T, r cliResult, wants ...string) {
	t.Helper()
	lines := nonEmptyLines(r.stderr)
	if len(lines) != 1 {
		t.Fatalf("want exactly one line on stderr, got %d\n%s", len(lines), r)
	}
	if !strings.HasPrefix(lines[0], "portal: ") {
		t.Errorf("stderr line %q does not start with \"portal: \"", lines[0])
	}
	for _, w := range wants {
		if !strings.Contains(lines[0], w) {
			t.Errorf("stderr line %q does not mention %q", lines[0], w)
		}
	}
}

// requirePostgresURL is storetest.PostgresURL, but a missing server fails the test when
// PORTAL_TEST_REQUIRE_POSTGRES=1 (CI) instead of skipping it.
func requirePostgresURL(t *testing.T) string {
	t.Helper()
	if os.Getenv(storetest.EnvPostgresURL) == "" {
		if os.Getenv("PORTAL_TEST_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PORTAL_TEST_REQUIRE_POSTGRES=1 but %s is not set", storetest.EnvPostgresURL)
		}
		t.Logf("NOTICE: %s not set: skipping the Postgres variant", storetest.EnvPostgresURL)
	}
	return storetest.PostgresURL(t) // skips visibly when unset
}

// cliDB is one database for a CLI test: the flags that name it, and its URL for direct access.
type cliDB struct {
	dialect string
	flags   []string // --data-dir …, plus --database-url … on Postgres
	url     string
}

// args is cmd's words (e.g. "user token"), then the database flags, then rest. Flags go
// before positional arguments: the flag package stops at the first of those (see
// TestCLIFlagsAfterArguments).
func (d cliDB) args(cmd string, rest ...string) []string {
	return append(append(strings.Fields(cmd), d.flags...), rest...)
}

func (d cliDB) open(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), d.url, nil)
	if err != nil {
		t.Fatalf("open %s: %v", d.url, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// eachCLIDB runs fn on a fresh SQLite data directory and on a fresh, empty Postgres database.
func eachCLIDB(t *testing.T, fn func(t *testing.T, d cliDB)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		defer cliPhase()()
		dir := t.TempDir()
		fn(t, cliDB{dialect: "sqlite", flags: []string{"--data-dir", dir}, url: "sqlite://" + filepath.Join(dir, "portal.db")})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		defer cliPhase()()
		u := requirePostgresURL(t)
		// The data directory still holds the generated secret key.
		fn(t, cliDB{dialect: "postgres", flags: []string{"--data-dir", t.TempDir(), "--database-url", u}, url: u})
	})
}

func TestCLIExitCodes(t *testing.T) {
	t.Parallel()
	defer cliPhase()()
	t.Run("unknown command", func(t *testing.T) {
		r := runCLI(t, "", nil, "frobnicate")
		if r.code != exitUsage {
			t.Fatalf("want exit 2\n%s", r)
		}
		wantOneErrorLine(t, r, `"frobnicate"`)
		if r.stdout != "" {
			t.Errorf("stdout should be empty\n%s", r)
		}
	})
	t.Run("unknown user subcommand", func(t *testing.T) {
		r := runCLI(t, "", nil, "user", "frobnicate", "--data-dir", t.TempDir())
		if r.code != exitUsage {
			t.Fatalf("want exit 2\n%s", r)
		}
		wantOneErrorLine(t, r)
	})
	t.Run("bad migrate subcommand", func(t *testing.T) {
		r := runCLI(t, "", nil, "migrate", "sideways", "--data-dir", t.TempDir())
		if r.code != exitUsage {
			t.Fatalf("want exit 2\n%s", r)
		}
		wantOneErrorLine(t, r)
	})
	// A bad configuration value stops every command before it touches anything, with one
	// line naming the variable; given as a flag or in the environment.
	for _, tc := range []struct {
		name string
		vars map[string]string
		args []string
	}{
		{"serve flag", nil, []string{"serve", "--log-format", "xml"}},
		{"implicit serve flag", nil, []string{"--log-format", "xml"}},
		{"serve environment", map[string]string{"PORTAL_LOG_FORMAT": "xml"}, []string{"serve"}},
		{"migrate flag", nil, []string{"migrate", "--log-format", "xml"}},
		{"user list flag", nil, []string{"user", "list", "--log-format", "xml"}},
		{"audit verify flag", nil, []string{"audit", "verify", "--log-format", "xml"}},
	} {
		t.Run("bad config/"+tc.name, func(t *testing.T) {
			dir := t.TempDir()
			r := runCLI(t, "", tc.vars, append(tc.args, "--addr", "127.0.0.1:0", "--data-dir", dir)...)
			if r.code != exitUsage {
				t.Fatalf("want exit 2\n%s", r)
			}
			wantOneErrorLine(t, r, "PORTAL_LOG_FORMAT")
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a rejected configuration wrote into the data directory: %v", entries)
			}
		})
	}
	t.Run("version", func(t *testing.T) {
		r := runCLI(t, "", nil, "version")
		if r.code != exitOK {
			t.Fatalf("want exit 0\n%s", r)
		}
		if !strings.Contains(r.stdout, runtime.Version()) || !strings.HasPrefix(r.stdout, "portal ") {
			t.Errorf("version output should start with \"portal \" and name %s\n%s", runtime.Version(), r)
		}
		if r.stderr != "" {
			t.Errorf("stderr should be empty\n%s", r)
		}
	})
	t.Run("version with argument", func(t *testing.T) {
		r := runCLI(t, "", nil, "version", "extra")
		if r.code != exitUsage {
			t.Fatalf("want exit 2\n%s", r)
		}
		wantOneErrorLine(t, r)
	})
	t.Run("help", func(t *testing.T) {
		r := runCLI(t, "", nil, "help")
		if r.code != exitOK {
			t.Fatalf("want exit 0\n%s", r)
		}
		for _, w := range []string{"Usage: portal", "serve", "migrate", "user", "audit verify", "version"} {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("help does not mention %q\n%s", w, r)
			}
		}
	})
	// --help and -h show the command list, like help.
	for _, arg := range []string{"--help", "-h"} {
		t.Run(arg, func(t *testing.T) {
			r := runCLI(t, "", nil, arg)
			if r.code != exitOK {
				t.Fatalf("want exit 0\n%s", r)
			}
			if !strings.Contains(r.stdout, "Usage: portal") || !strings.Contains(r.stdout, "audit verify") {
				t.Errorf("%s should show the command list\n%s", arg, r)
			}
		})
	}
	t.Run("command help", func(t *testing.T) {
		r := runCLI(t, "", nil, "user", "add", "--help")
		if r.code != exitOK {
			t.Fatalf("want exit 0\n%s", r)
		}
		if !strings.Contains(r.stderr, "-username") {
			t.Errorf("user add --help should list --username\n%s", r)
		}
	})
}

var migrationRow = regexp.MustCompile(`(?m)^(\d+)\s+(\S+)\s+(.+?)\s*$`)

// migrations parses `migrate status` output into version → applied column.
func migrations(t *testing.T, r cliResult) map[int]string {
	t.Helper()
	lines := nonEmptyLines(r.stdout)
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "VERSION") {
		t.Fatalf("want a VERSION header and at least one migration\n%s", r)
	}
	out := map[int]string{}
	for _, l := range lines[1:] {
		m := migrationRow.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("unexpected migrate status line %q\n%s", l, r)
		}
		v, _ := strconv.Atoi(m[1])
		out[v] = m[3]
	}
	return out
}

var appliedAt = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$`)

func TestCLIMigrate(t *testing.T) {
	t.Parallel()
	eachCLIDB(t, func(t *testing.T, d cliDB) {
		// On an empty database status lists migration 1 as pending and applies nothing.
		r := runCLI(t, "", nil, d.args("migrate", "status")...)
		if r.code != exitOK {
			t.Fatalf("migrate status on an empty database\n%s", r)
		}
		if got := migrations(t, r)[1]; got != "pending" {
			t.Fatalf("before migrate, version 1 should be pending, got %q\n%s", got, r)
		}
		r = runCLI(t, "", nil, d.args("migrate", "status")...)
		if got := migrations(t, r)[1]; got != "pending" {
			t.Fatalf("migrate status must not apply migrations, version 1 is %q\n%s", got, r)
		}

		r = runCLI(t, "", nil, d.args("migrate")...)
		if r.code != exitOK {
			t.Fatalf("migrate\n%s", r)
		}
		if got := migrations(t, r)[1]; !appliedAt.MatchString(got) {
			t.Errorf("migrate should report version 1 applied with a time, got %q\n%s", got, r)
		}

		r = runCLI(t, "", nil, d.args("migrate", "status")...)
		if r.code != exitOK {
			t.Fatalf("migrate status\n%s", r)
		}
		st := migrations(t, r)
		if got := st[1]; !appliedAt.MatchString(got) {
			t.Errorf("version 1 should be applied, got %q\n%s", got, r)
		}
		for v, a := range st {
			if a == "pending" {
				t.Errorf("after migrate, version %d is still pending\n%s", v, r)
			}
		}
		if !strings.Contains(r.stdout, "foundation") {
			t.Errorf("status should name migration 1 (foundation)\n%s", r)
		}

		// Idempotent: a second migrate succeeds and changes nothing.
		r2 := runCLI(t, "", nil, d.args("migrate", "up")...)
		if r2.code != exitOK || migrations(t, r2)[1] != st[1] {
			t.Errorf("second migrate up should succeed and keep the applied time %q\n%s", st[1], r2)
		}
	})
}

// userTable parses `user list`: one map of column → cell per user, by user name. The
// columns are cut at the header's offsets (tabwriter aligns cells under their header),
// so an empty cell cannot shift the others.
func userTable(t *testing.T, r cliResult) map[string]map[string]string {
	t.Helper()
	lines := nonEmptyLines(r.stdout)
	if len(lines) == 0 {
		t.Fatalf("user list printed nothing\n%s", r)
	}
	header := lines[0]
	names := []string{"USERNAME", "DISPLAY NAME", "EMAIL", "ROLES", "SCOPES", "TOTP", "STATUS", "LAST SIGN-IN"}
	starts := make([]int, len(names))
	for i, n := range names {
		starts[i] = strings.Index(header, n)
		if starts[i] < 0 || (i > 0 && starts[i] <= starts[i-1]) {
			t.Fatalf("user list header %q lacks column %q\n%s", header, n, r)
		}
	}
	out := map[string]map[string]string{}
	for _, l := range lines[1:] {
		row := map[string]string{}
		for i, n := range names {
			end := len(l)
			if i+1 < len(starts) {
				end = min(starts[i+1], len(l))
			}
			if starts[i] < len(l) {
				row[n] = strings.TrimSpace(l[starts[i]:end])
			}
		}
		out[row["USERNAME"]] = row
	}
	return out
}

const alicePassword = "correct horse battery staple"

func TestCLIUsersAndAudit(t *testing.T) {
	t.Parallel()
	eachCLIDB(t, func(t *testing.T, d cliDB) {
		// Verify on a fresh database: intact, nothing checked yet.
		r := runCLI(t, "", nil, d.args("audit verify")...)
		if r.code != exitOK || !strings.Contains(r.stdout, "audit trail intact: 0 events verified") {
			t.Fatalf("audit verify on a fresh database\n%s", r)
		}

		r = runCLI(t, alicePassword+"\n", nil, d.args("user add", "--username", "alice", "--role", "finance",
			"--scope", "org-1", "--display-name", "Alice Li", "--email", "alice.li@example.com", "--totp-secret", "JBSWY3DPEHPK3PXP")...)
		if r.code != exitOK {
			t.Fatalf("user add\n%s", r)
		}
		if !strings.Contains(r.stdout, "created user alice") || !strings.Contains(r.stdout, "finance") {
			t.Errorf("user add should confirm the user and roles\n%s", r)
		}

		r = runCLI(t, alicePassword+"\n", nil, d.args("user add", "--username", "alice", "--role", "viewer")...)
		if r.code != exitFailure {
			t.Fatalf("adding alice again: want exit 1\n%s", r)
		}
		wantOneErrorLine(t, r, "alice", "already exists")

		for _, tc := range []struct {
			name, stdin string
			args        []string
			wants       []string
		}{
			{"bad role", alicePassword + "\n", []string{"--username", "bob", "--role", "treasurer"}, []string{"treasurer"}},
			{"short password", "short\n", []string{"--username", "bob", "--role", "viewer"}, []string{"password"}},
			{"missing username", alicePassword + "\n", []string{"--role", "viewer"}, []string{"--username"}},
			{"missing role", alicePassword + "\n", []string{"--username", "bob"}, []string{"--role"}},
			{"bad e-mail", alicePassword + "\n", []string{"--username", "bob", "--role", "viewer", "--email", "Bob <bob@example.com>"}, []string{"email"}},
			{"no password on stdin", "", []string{"--username", "bob", "--role", "viewer"}, []string{"standard input"}},
			{"unknown flag", alicePassword + "\n", []string{"--username", "bob", "--role", "viewer", "--colour", "red"}, nil},
		} {
			r := runCLI(t, tc.stdin, nil, d.args("user add", tc.args...)...)
			if r.code != exitUsage {
				t.Errorf("user add, %s: want exit 2\n%s", tc.name, r)
				continue
			}
			if tc.name != "unknown flag" { // the flag package prints usage after the line
				wantOneErrorLine(t, r, tc.wants...)
			}
		}

		r = runCLI(t, "", nil, d.args("user list")...)
		if r.code != exitOK {
			t.Fatalf("user list\n%s", r)
		}
		users := userTable(t, r)
		if _, ok := users["bob"]; ok {
			t.Errorf("a refused user add created bob\n%s", r)
		}
		alice, ok := users["alice"]
		if !ok || len(users) != 1 {
			t.Fatalf("user list should show alice only (no demo users from the CLI)\n%s", r)
		}
		for col, want := range map[string]string{"DISPLAY NAME": "Alice Li", "EMAIL": "alice.li@example.com", "ROLES": "finance", "SCOPES": "org-1",
			"TOTP": "yes", "STATUS": "active", "LAST SIGN-IN": "never"} {
			if alice[col] != want {
				t.Errorf("alice's %s = %q, want %q\n%s", col, alice[col], want, r)
			}
		}

		r = runCLI(t, "", nil, d.args("user token", "--name", "ci", "alice")...)
		if r.code != exitOK {
			t.Fatalf("user token\n%s", r)
		}
		tok := strings.TrimSpace(r.stdout)
		if !strings.HasPrefix(tok, "pst_") || len(tok) < 24 || strings.ContainsAny(tok, " \n") {
			t.Fatalf("user token should print only a pst_… token on stdout, got %q\n%s", tok, r)
		}
		r2 := runCLI(t, "", nil, d.args("user token", "alice")...)
		if tok2 := strings.TrimSpace(r2.stdout); r2.code != exitOK || tok2 == tok || !strings.HasPrefix(tok2, "pst_") {
			t.Errorf("a second token should be new\n%s", r2)
		}
		db := d.open(t)
		var tokens []struct {
			Name, TokenHash string
		}
		if err := db.Gorm().Raw(`SELECT t.name, t.token_hash FROM api_tokens t JOIN users u ON u.id = t.user_id
			WHERE u.username = 'alice' ORDER BY t.id`).Scan(&tokens).Error; err != nil {
			t.Fatal(err)
		}
		if len(tokens) != 2 || tokens[0].Name != "ci" || tokens[1].Name != "cli" {
			t.Errorf("want alice's tokens named ci and cli (default), got %+v", tokens)
		}
		for _, tk := range tokens {
			if tk.TokenHash == "" || strings.Contains(tk.TokenHash, strings.TrimPrefix(tok, "pst_")) {
				t.Errorf("the token must be stored hashed, got %q", tk.TokenHash)
			}
		}

		r = runCLI(t, "", nil, d.args("user reset-totp", "alice")...)
		if r.code != exitOK {
			t.Fatalf("user reset-totp\n%s", r)
		}
		r = runCLI(t, "", nil, d.args("user disable", "alice")...)
		if r.code != exitOK {
			t.Fatalf("user disable\n%s", r)
		}
		r = runCLI(t, "", nil, d.args("user list")...)
		alice = userTable(t, r)["alice"]
		if alice["STATUS"] != "disabled" || alice["TOTP"] != "no" {
			t.Errorf("after reset-totp and disable, want TOTP no and STATUS disabled, got %v\n%s", alice, r)
		}
		r = runCLI(t, "", nil, d.args("user enable", "alice")...)
		if r.code != exitOK {
			t.Fatalf("user enable\n%s", r)
		}
		if got := userTable(t, runCLI(t, "", nil, d.args("user list")...))["alice"]["STATUS"]; got != "active" {
			t.Errorf("after enable, STATUS = %q, want active", got)
		}

		for _, sub := range []string{"disable", "enable", "reset-totp", "token"} {
			r := runCLI(t, "", nil, d.args("user "+sub, "nobody")...)
			if r.code != exitFailure {
				t.Errorf("user %s of an unknown user: want exit 1\n%s", sub, r)
				continue
			}
			wantOneErrorLine(t, r, "nobody")
		}
		r = runCLI(t, "", nil, d.args("user disable")...)
		if r.code != exitUsage {
			t.Errorf("user disable without a name: want exit 2\n%s", r)
		}

		// Every successful user command wrote audit events, and verify counts all of them.
		var count int64
		if err := db.Gorm().Raw(`SELECT COUNT(*) FROM audit_events`).Scan(&count).Error; err != nil {
			t.Fatal(err)
		}
		var actions []string
		if err := db.Gorm().Raw(`SELECT DISTINCT action FROM audit_events ORDER BY action`).Scan(&actions).Error; err != nil {
			t.Fatal(err)
		}
		if count < 5 || !slices.Contains(actions, "user.create") || !slices.Contains(actions, "user.disable") {
			t.Errorf("the user commands should have written audit events (user.create, user.disable, …); got %d: %v", count, actions)
		}
		r = runCLI(t, "", nil, d.args("audit verify")...)
		if r.code != exitOK {
			t.Fatalf("audit verify\n%s", r)
		}
		if want := fmt.Sprintf("audit trail intact: %d events verified", count); !strings.Contains(r.stdout, want) {
			t.Errorf("want %q\n%s", want, r)
		}

		// Tamper with one event in the middle of the chain. The append-only trigger refuses
		// first; with it out of the way, verify names exactly that event.
		target := count/2 + 1
		update := `UPDATE audit_events SET details = '{"tampered":true}' WHERE id = ?`
		if err := db.Gorm().Exec(update, target).Error; err == nil {
			t.Fatalf("the append-only trigger allowed an UPDATE of audit_events")
		}
		if d.dialect == "sqlite" {
			if err := db.Gorm().Exec(`DROP TRIGGER audit_events_no_update`).Error; err != nil {
				t.Fatal(err)
			}
		} else {
			if err := db.Gorm().Exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`).Error; err != nil {
				t.Fatal(err)
			}
		}
		res := db.Gorm().Exec(update, target)
		if res.Error != nil || res.RowsAffected != 1 {
			t.Fatalf("tamper with event %d: %v (rows %d)", target, res.Error, res.RowsAffected)
		}
		r = runCLI(t, "", nil, d.args("audit verify")...)
		if r.code != exitFailure {
			t.Fatalf("audit verify after tampering: want exit 1\n%s", r)
		}
		wantOneErrorLine(t, r, fmt.Sprintf("event %d:", target))
		if strings.Contains(r.stdout, "intact") {
			t.Errorf("a broken trail must not be reported intact\n%s", r)
		}
	})
}

// TestCLIFlagsAfterArguments checks the forms the README documents with flags after a
// positional argument: `portal user token U [--name N]`, `portal migrate status --…`.
// Go's flag package stops at the first positional argument; parse() goes on past it.
func TestCLIFlagsAfterArguments(t *testing.T) {
	t.Parallel()
	defer cliPhase()()
	dir := t.TempDir()
	if r := runCLI(t, alicePassword+"\n", nil, "user", "add", "--data-dir", dir, "--username", "alice", "--role", "viewer"); r.code != exitOK {
		t.Fatalf("user add\n%s", r)
	}
	var broken []string
	for _, args := range [][]string{
		{"user", "token", "alice", "--name", "ci", "--data-dir", dir},
		{"user", "disable", "alice", "--data-dir", dir},
		{"migrate", "status", "--data-dir", dir},
	} {
		r := runCLI(t, "", nil, args...)
		if r.code != exitOK {
			broken = append(broken, fmt.Sprintf("`portal %s` → exit %d: %s", strings.Join(args, " "), r.code, strings.TrimSpace(r.stderr)))
		}
	}
	if len(broken) > 0 {
		t.Errorf("flags after a positional argument are refused:\n%s", strings.Join(broken, "\n"))
	}
}
