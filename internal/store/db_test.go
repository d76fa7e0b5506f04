package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// emptyDB opens a fresh, unmigrated database of the dialect.
func emptyDB(t *testing.T, dialect string) *store.DB {
	t.Helper()
	var u string
	if dialect == store.DialectSQLite {
		u = "sqlite://" + filepath.Join(t.TempDir(), "sub", "dir", "portal.db")
	} else {
		u = storetest.PostgresURL(t)
	}
	db, err := store.Open(context.Background(), u, nil)
	if err != nil {
		t.Fatalf("open %s: %v", dialect, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestMigrate(t *testing.T) {
	for _, dialect := range []string{store.DialectSQLite, store.DialectPostgres} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			db := emptyDB(t, dialect)
			if db.Dialect() != dialect {
				t.Fatalf("Dialect() = %q, want %q", db.Dialect(), dialect)
			}
			before, err := db.MigrationStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(before) == 0 {
				t.Fatal("no migrations embedded")
			}
			for _, s := range before {
				if s.Applied {
					t.Fatalf("migration %d applied on an empty database", s.Version)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			after, err := db.MigrationStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range after {
				if !s.Applied || s.AppliedAt.IsZero() || !strings.HasSuffix(s.Name, ".sql") {
					t.Fatalf("after migrate: %+v", s)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("second migrate: %v", err)
			}
			again, err := db.MigrationStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for i := range again {
				if !again[i].AppliedAt.Equal(after[i].AppliedAt) {
					t.Fatalf("second migrate re-applied %s", again[i].Name)
				}
			}
			// The schema is there.
			if n, err := db.CountUsers(ctx); err != nil || n != 0 {
				t.Fatalf("CountUsers = %d, %v", n, err)
			}
		})
	}
}

func TestMigrateConcurrentPostgres(t *testing.T) {
	u := storetest.PostgresURL(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Separate pools, as separate processes would have.
			db, err := store.Open(ctx, u, nil)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			errs[i] = db.Migrate(ctx)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent migrate: %v", err)
		}
	}
}

func TestOpenBadURL(t *testing.T) {
	for _, u := range []string{"mysql://x/y", "portal.db", "sqlite://"} {
		_, err := store.Open(context.Background(), u, nil)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", u)
		}
	}
	_, err := store.Open(context.Background(), "mysql://x/y", nil)
	if !strings.Contains(err.Error(), `"mysql"`) {
		t.Fatalf("error does not name the scheme: %v", err)
	}
}

func TestPingNowClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		now, err := db.Now(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if now.Location() != time.UTC || time.Since(now).Abs() > time.Minute {
			t.Fatalf("Now() = %v", now)
		}
	})
}

func TestInTx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.InTx(ctx, func(tx *store.DB) error {
			if !tx.InTransaction() {
				t.Error("tx not marked as a transaction")
			}
			if err := tx.CreateUser(ctx, &store.User{Username: "rolled"}); err != nil {
				return err
			}
			// Nested InTx reuses the transaction.
			return tx.InTx(ctx, func(tx2 *store.DB) error {
				if tx2 != tx {
					t.Error("nested InTx did not reuse the transaction")
				}
				return boom
			})
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error = %v, want boom", err)
		}
		if _, err := db.UserByUsername(ctx, "rolled"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("rolled-back user visible: %v", err)
		}
		if err := db.InTx(ctx, func(tx *store.DB) error {
			return tx.CreateUser(ctx, &store.User{Username: "kept"})
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UserByUsername(ctx, "kept"); err != nil {
			t.Fatalf("committed user missing: %v", err)
		}
	})
}
