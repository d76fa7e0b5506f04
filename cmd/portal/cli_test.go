package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func TestMain(m *testing.M) {
	if os.Getenv(envRunAsPortal) == "1" {
		main() // a replica of TestTwoReplicasOnePostgres: exits
	}
	// The tests run the portal in-process, each on its own data directory or database.
	// The browser tests take turns (browserSlot), the starts and the CLI tests theirs
	// (startPhase, cliPhase): enough room that a test waiting for its turn does not keep
	// the others (the replicas test, mostly idle) from starting.
	storetest.DefaultParallel(16)
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

// eachCLIDB runs fn on a fresh SQLite data directory and on a fresh, empty Postgres
// database, each holding a CLI test's share of the machine (cliPhase). fn must not start
// a portal: a start waits for every share to be released (eachPortalDB is for that).
func eachCLIDB(t *testing.T, fn func(t *testing.T, d cliDB)) {
	eachDB(t, true, fn)
}

// eachPortalDB is eachCLIDB for tests that start portals on the databases: the starts
// take their own turn (startPhase), so fn holds no share while it waits for one.
func eachPortalDB(t *testing.T, fn func(t *testing.T, d cliDB)) {
	eachDB(t, false, fn)
}

func eachDB(t *testing.T, cliShare bool, fn func(t *testing.T, d cliDB)) {
	phase := func() func() {
		if cliShare {
			return cliPhase()
		}
		return func() {}
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		defer phase()()
		dir := t.TempDir()
		fn(t, cliDB{dialect: "sqlite", flags: []string{"--data-dir", dir}, url: "sqlite://" + filepath.Join(dir, "portal.db")})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		defer phase()()
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
	// serve takes its address first: one in use (or handed to the demo sandbox's free port)
	// fails the start at once, with the reason, before a database is created.
	t.Run("address in use", func(t *testing.T) {
		taken, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer taken.Close()
		dir := t.TempDir()
		r := runCLI(t, "", map[string]string{"PORTAL_SECRET_KEY": newSecretKey()}, "serve", "--addr", taken.Addr().String(), "--data-dir", dir)
		if r.code != exitFailure {
			t.Fatalf("want exit 1\n%s", r)
		}
		wantOneErrorLine(t, r, "address already in use")
		if _, err := os.Stat(filepath.Join(dir, "portal.db")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("serve created a database before it had its address (stat: %v)", err)
		}
	})
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
