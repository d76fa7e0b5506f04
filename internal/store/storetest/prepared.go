package storetest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/purser-finance/purser/internal/store"
)

// Prepared gives databases like SQLite and Postgres do, each a copy of a template that
// was migrated and then handed to prepare, once per process and dialect. It is for setup
// that every test of a package repeats on an empty database and that store's migrations
// do not cover, such as River's tables (migrating them took seconds per SQLite test).
type Prepared struct {
	prepare func(ctx context.Context, db *store.DB) error

	sqliteOnce sync.Once
	sqlitePath string
	sqliteErr  error

	pgOnce sync.Once
	pgName string
	pgErr  error
}

// NewPrepared returns a Prepared whose templates prepare sets up. prepare must leave
// nothing running on the database: the template is closed, then copied.
func NewPrepared(prepare func(ctx context.Context, db *store.DB) error) *Prepared {
	return &Prepared{prepare: prepare}
}

var (
	preparedMu sync.Mutex
	preparedPG []string // template databases to drop in Main
)

// SQLite returns a fresh copy of the prepared SQLite template in t.TempDir(), closed at cleanup.
func (p *Prepared) SQLite(t testing.TB) *store.DB {
	t.Helper()
	p.sqliteOnce.Do(func() { p.sqlitePath, p.sqliteErr = p.sqliteTemplate() })
	if p.sqliteErr != nil {
		t.Fatalf("storetest: prepared sqlite template: %v", p.sqliteErr)
	}
	return openSQLiteCopy(t, p.sqlitePath)
}

func (p *Prepared) sqliteTemplate() (string, error) {
	base, err := sqliteTemplate()
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(sqliteDir, "prepared-*.db") // removed with sqliteDir in Main
	if err != nil {
		return "", err
	}
	path := f.Name()
	_ = f.Close()
	if err := copyFile(base, path); err != nil {
		return "", err
	}
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite://"+path, slog.New(slog.DiscardHandler))
	if err != nil {
		return "", err
	}
	err = p.prepare(ctx, db)
	if err == nil {
		// Fold the write-ahead log into the file, so that copying the file copies everything.
		err = db.Gorm().WithContext(ctx).Exec(`PRAGMA wal_checkpoint(TRUNCATE)`).Error
	}
	if cerr := db.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return path, err
}

// SQLiteDataDir is storetest.SQLiteDataDir with a copy of the prepared SQLite template:
// a data directory for the portal binary whose database is migrated and prepared.
func (p *Prepared) SQLiteDataDir(t testing.TB) string {
	t.Helper()
	p.sqliteOnce.Do(func() { p.sqlitePath, p.sqliteErr = p.sqliteTemplate() })
	if p.sqliteErr != nil {
		t.Fatalf("storetest: prepared sqlite template: %v", p.sqliteErr)
	}
	dir := t.TempDir()
	if err := copyFile(p.sqlitePath, filepath.Join(dir, "portal.db")); err != nil {
		t.Fatalf("storetest: copy prepared sqlite template: %v", err)
	}
	return dir
}

// Postgres returns a fresh database of its own cloned from the prepared Postgres
// template, dropped at cleanup. It skips the test (visibly) when PORTAL_TEST_POSTGRES_URL
// is unset.
func (p *Prepared) Postgres(t testing.TB) *store.DB {
	t.Helper()
	base := baseURL(t)
	p.pgOnce.Do(func() { p.pgName, p.pgErr = p.postgresTemplate(base) })
	if p.pgErr != nil {
		t.Fatalf("storetest: prepared postgres template: %v", p.pgErr)
	}
	return clonePostgres(t, base, p.pgName)
}

func (p *Prepared) postgresTemplate(base string) (string, error) {
	tmpl, err := template(base)
	if err != nil {
		return "", err
	}
	name := newName("tmpl")
	createMu.Lock()
	err = adminExec(base, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, quoteIdent(name), quoteIdent(tmpl)))
	createMu.Unlock()
	if err != nil {
		return "", fmt.Errorf("create: %w", err)
	}
	preparedMu.Lock()
	preparedPG = append(preparedPG, name)
	preparedMu.Unlock()
	ctx := context.Background()
	db, err := store.Open(ctx, withDatabase(base, name), slog.New(slog.DiscardHandler))
	if err != nil {
		return "", err
	}
	err = p.prepare(ctx, db)
	// Close before cloning: a template must have no connections.
	if cerr := db.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return name, err
}

// EachParallel is storetest.EachParallel with the prepared databases.
func (p *Prepared) EachParallel(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, p.SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, p.Postgres(t)) })
}

// dropPrepared drops this process's prepared Postgres templates (Main).
func dropPrepared(base string) {
	preparedMu.Lock()
	defer preparedMu.Unlock()
	for _, n := range preparedPG {
		dropDatabase(base, n)
	}
	preparedPG = nil
}

// openSQLiteCopy opens a copy of the SQLite file tmpl in t.TempDir(), closed at cleanup,
// after checking that it holds every migration.
func openSQLiteCopy(t testing.TB, tmpl string) *store.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "portal.db")
	if err := copyFile(tmpl, path); err != nil {
		t.Fatalf("storetest: copy sqlite template: %v", err)
	}
	db, err := store.Open(context.Background(), "sqlite://"+path, nil)
	if err != nil {
		t.Fatalf("storetest: open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	// Migrating again applies nothing; it proves the copy is a complete, current database.
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("storetest: migrate sqlite: %v", err)
	}
	return db
}
