package testkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// SQLite is storetest.SQLite with the job queue's tables (River) already in place: a
// copy of a template migrated once per process. Migrating River's tables took a quarter
// of the race-enabled web suite's time when every test portal with a job runner did it.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	tmpl, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	b, err := os.ReadFile(tmpl)
	if err != nil {
		t.Fatalf("testkit: read sqlite template: %v", err)
	}
	path := filepath.Join(t.TempDir(), "portal.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatalf("testkit: copy sqlite template: %v", err)
	}
	db, err := store.Open(context.Background(), "sqlite://"+path, nil)
	if err != nil {
		t.Fatalf("testkit: open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	// Migrating again applies nothing; it proves the copy is a complete, current database.
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("testkit: migrate sqlite: %v", err)
	}
	return db
}

// Each runs fn on a fresh SQLite database (SQLite above) and on a fresh Postgres one
// (storetest.Postgres: skipped visibly without PORTAL_TEST_POSTGRES_URL).
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, storetest.Postgres(t)) })
}

var (
	templateOnce sync.Once
	templatePath string
	templateErr  error
)

// sqliteTemplate builds this process's template: storetest's migrated database plus
// River's tables, the write-ahead log folded into the one file so that copying it copies
// everything. The file lives in a directory named after the process; the next process
// that builds one removes those of processes no longer running.
func sqliteTemplate() (string, error) {
	templateOnce.Do(func() {
		sweepTemplates()
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("%s%d", templatePrefix, os.Getpid()))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			templateErr = err
			return
		}
		path := filepath.Join(dir, "template.db")
		ctx := context.Background()
		db, err := store.Open(ctx, "sqlite://"+path, slog.New(slog.DiscardHandler))
		if err != nil {
			templateErr = fmt.Errorf("open sqlite template: %w", err)
			return
		}
		err = db.Migrate(ctx)
		if err == nil {
			err = jobs.Migrate(ctx, db, nil)
		}
		if err == nil {
			err = db.Gorm().WithContext(ctx).Exec(`PRAGMA wal_checkpoint(TRUNCATE)`).Error
		}
		if cerr := db.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			templateErr = fmt.Errorf("migrate sqlite template: %w", err)
			return
		}
		templatePath = path
	})
	return templatePath, templateErr
}

const templatePrefix = "purser-testkit-template-"

// sweepTemplates removes the template directories of test processes that have ended.
func sweepTemplates() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), templatePrefix+"*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), templatePrefix))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); err == nil || errors.Is(err, syscall.EPERM) {
			continue // still running
		}
		_ = os.RemoveAll(d)
	}
}
