package testkit

import (
	"context"
	"testing"

	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// WithJobs gives databases with the job queue's tables (River) already in place: copies
// of a template migrated once per process and dialect. Migrating River's tables took a
// quarter of the race-enabled web suite's time, and seconds per execute test on SQLite,
// when every test did it.
var WithJobs = storetest.NewPrepared(func(ctx context.Context, db *store.DB) error {
	return jobs.Migrate(ctx, db, nil)
})

// SQLite is a fresh SQLite database of WithJobs.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return WithJobs.SQLite(t)
}

// Each runs fn on a fresh SQLite database (SQLite above) and on a fresh Postgres one
// (storetest.Postgres: skipped visibly without PORTAL_TEST_POSTGRES_URL).
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, storetest.Postgres(t)) })
}
