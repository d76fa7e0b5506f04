// Package storetest gives tests fresh, migrated databases: SQLite in a temp
// directory, and Postgres databases cloned from a per-process migrated
// template on the server named by PORTAL_TEST_POSTGRES_URL.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
)

// EnvPostgresURL names the variable holding the test Postgres server's URL.
const EnvPostgresURL = "PORTAL_TEST_POSTGRES_URL"

const skipNotice = EnvPostgresURL + " not set: skipping Postgres tests"

// SQLite returns a fresh migrated SQLite database in t.TempDir(), closed at cleanup.
// It is a copy of this process's migrated template file: running every migration for
// every test took over a third of the race-enabled web suite.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	tmpl, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return openSQLiteCopy(t, tmpl)
}

// SQLiteDataDir returns a fresh t.TempDir() holding portal.db, a copy of this process's
// migrated SQLite template: a data directory for the portal binary whose database needs
// no migration at start.
func SQLiteDataDir(t testing.TB) string {
	t.Helper()
	tmpl, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	dir := t.TempDir()
	if err := copyFile(tmpl, filepath.Join(dir, "portal.db")); err != nil {
		t.Fatalf("storetest: copy sqlite template: %v", err)
	}
	return dir
}

var (
	sqliteOnce sync.Once
	sqliteDir  string
	sqlitePath string
	sqliteErr  error
)

// sqliteTemplate migrates this process's SQLite template once. Its write-ahead log is
// folded into the file before it is closed, so copying the one file copies everything.
func sqliteTemplate() (string, error) {
	sqliteOnce.Do(func() {
		dir, err := os.MkdirTemp("", "purser-sqlite-template-")
		if err != nil {
			sqliteErr = err
			return
		}
		sqliteDir = dir
		path := filepath.Join(dir, "template.db")
		ctx := context.Background()
		db, err := store.Open(ctx, "sqlite://"+path, slog.New(slog.DiscardHandler))
		if err != nil {
			sqliteErr = fmt.Errorf("open sqlite template: %w", err)
			return
		}
		err = db.Migrate(ctx)
		if err == nil {
			err = db.Gorm().WithContext(ctx).Exec(`PRAGMA wal_checkpoint(TRUNCATE)`).Error
		}
		if cerr := db.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			sqliteErr = fmt.Errorf("migrate sqlite template: %w", err)
			return
		}
		sqlitePath = path
	})
	return sqlitePath, sqliteErr
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}

// Postgres returns a fresh migrated Postgres database of its own, created
// from this process's template and dropped at cleanup. It skips the test
// (visibly) when PORTAL_TEST_POSTGRES_URL is unset.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	base := baseURL(t)
	tmpl, err := template(base)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return clonePostgres(t, base, tmpl)
}

// clonePostgres creates a database of its own from the template tmpl, dropped at cleanup.
func clonePostgres(t testing.TB, base, tmpl string) *store.DB {
	t.Helper()
	name := newName("t")
	createMu.Lock()
	// Postgres refuses to copy a template that has other connections, which
	// includes a concurrent CREATE DATABASE from the same template.
	err := adminExec(base, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, quoteIdent(name), quoteIdent(tmpl)))
	createMu.Unlock()
	if err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	u := withDatabase(base, name)
	db, err := store.Open(context.Background(), u, nil)
	if err != nil {
		dropDatabase(base, name)
		t.Fatalf("storetest: open postgres: %v", err)
	}
	t.Cleanup(func() {
		_ = db.Close()
		dropDatabase(base, name)
	})
	return db
}

// PostgresURL returns the URL of a fresh, empty (unmigrated) Postgres
// database, dropped at cleanup; for migration tests and for running the
// portal binary against Postgres. Skips when PORTAL_TEST_POSTGRES_URL is unset.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := baseURL(t)
	sweepOnce.Do(func() { sweepStale(base) })
	name := newName("t")
	if err := adminExec(base, fmt.Sprintf(`CREATE DATABASE %s`, quoteIdent(name))); err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() { dropDatabase(base, name) })
	return withDatabase(base, name)
}

// Each runs fn as the subtests "sqlite" and "postgres", each with a fresh
// migrated database. The postgres subtest skips when the server is not configured.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// EachParallel is Each with the two subtests marked parallel (t.Parallel): they run
// alongside each other and the package's other parallel tests once the calling test's
// function returns. Their databases are isolated; fn must share nothing else mutable.
func EachParallel(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, Postgres(t)) })
}

// DefaultParallel raises the number of parallel tests (-test.parallel, which defaults
// to GOMAXPROCS) to n unless the command line sets it. For a TestMain whose parallel
// tests mostly wait (on a sandbox over HTTP, a job runner, a browser, a database
// server): on a 2-core machine two at a time leave the cores idle.
func DefaultParallel(n int) {
	if !flag.Parsed() {
		flag.Parse()
	}
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set && n > 0 {
		_ = flag.Set("test.parallel", strconv.Itoa(n))
	}
}

func baseURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvPostgresURL)
	if u == "" {
		t.Skip(skipNotice)
	}
	return u
}

var (
	createMu   sync.Mutex
	tmplOnce   sync.Once
	tmplName   string
	tmplErr    error
	sweepOnce  sync.Once
	processTag = newProcessTag()
)

// Database names: purser_<kind>_<host>_<pid>_<random>. Host and pid let a
// later run drop what a crashed run left behind (see sweepStale).
func newProcessTag() string {
	h, _ := os.Hostname()
	sum := 0
	for _, c := range h {
		sum = (sum*31 + int(c)) % 1000000
	}
	return fmt.Sprintf("%06d_%d", sum, os.Getpid())
}

func newName(kind string) string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("purser_%s_%s_%s", kind, processTag, hex.EncodeToString(b[:]))
}

// template creates and migrates this process's template database once.
// Every test binary (package) has its own, so packages tested in parallel
// never share one.
func template(base string) (string, error) {
	tmplOnce.Do(func() {
		sweepOnce.Do(func() { sweepStale(base) })
		name := newName("tmpl")
		if err := adminExec(base, fmt.Sprintf(`CREATE DATABASE %s`, quoteIdent(name))); err != nil {
			tmplErr = fmt.Errorf("create template: %w", err)
			return
		}
		db, err := store.Open(context.Background(), withDatabase(base, name), nil)
		if err != nil {
			tmplErr = fmt.Errorf("open template: %w", err)
			return
		}
		err = db.Migrate(context.Background())
		// Close before cloning: a template must have no connections.
		if cerr := db.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			tmplErr = fmt.Errorf("migrate template: %w", err)
			return
		}
		tmplName = name
	})
	return tmplName, tmplErr
}

var staleName = regexp.MustCompile(`^purser_(?:t|tmpl)_(\d{6})_(\d+)_[0-9a-f]+$`)

// sweepStale drops test databases left by processes of this host that no
// longer run (a killed test binary never runs its cleanups). Templates of
// live processes and other hosts' databases are left alone.
func sweepStale(base string) {
	names, err := adminQueryStrings(base, `SELECT datname FROM pg_database WHERE datname LIKE 'purser\_%'`)
	if err != nil {
		return
	}
	host := strings.SplitN(processTag, "_", 2)[0]
	for _, n := range names {
		m := staleName.FindStringSubmatch(n)
		if m == nil || m[1] != host {
			continue
		}
		pid, err := strconv.Atoi(m[2])
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		dropDatabase(base, n)
	}
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}

func dropDatabase(base, name string) {
	_ = adminExec(base, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, quoteIdent(name)))
}

// adminExec runs one statement on the server's maintenance database (the
// one in PORTAL_TEST_POSTGRES_URL) over a short-lived connection.
func adminExec(base, stmt string) error {
	db, err := store.Open(context.Background(), base, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return db.Gorm().WithContext(ctx).Exec(stmt).Error
}

func adminQueryStrings(base, q string) ([]string, error) {
	db, err := store.Open(context.Background(), base, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = db.Close() }()
	var out []string
	err = db.Gorm().Raw(q).Scan(&out).Error
	return out, err
}

func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(fmt.Sprintf("storetest: bad %s: %v", EnvPostgresURL, err))
	}
	u.Path = "/" + name
	return u.String()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Main is an optional TestMain body: it runs the package's tests, prints a
// notice when Postgres tests are skipped, drops this process's template
// database, and exits. Without it the template is dropped by the next run
// (see sweepStale).
func Main(m *testing.M) {
	if os.Getenv(EnvPostgresURL) == "" {
		fmt.Fprintln(os.Stderr, "NOTICE: "+skipNotice)
	}
	code := m.Run()
	if sqliteDir != "" {
		_ = os.RemoveAll(sqliteDir)
	}
	if base := os.Getenv(EnvPostgresURL); base != "" {
		dropPrepared(base)
		if tmplName != "" {
			dropDatabase(base, tmplName)
		}
	}
	os.Exit(code)
}
