package storetest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// TestPostgresParallel clones many databases at once: each must be migrated
// and isolated from the others.
func TestPostgresParallel(t *testing.T) {
	for i := range 6 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			db := storetest.Postgres(t)
			ctx := context.Background()
			if err := db.CreateUser(ctx, &store.User{Username: "same-name"}); err != nil {
				t.Fatalf("database not fresh: %v", err)
			}
			if n, err := db.CountUsers(ctx); err != nil || n != 1 {
				t.Fatalf("CountUsers = %d, %v", n, err)
			}
		})
	}
}

func TestPostgresURLIsEmpty(t *testing.T) {
	u := storetest.PostgresURL(t)
	db, err := store.Open(context.Background(), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.MigrationStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.Applied {
			t.Fatalf("fresh database has migration %d applied", s.Version)
		}
	}
}

func TestSQLiteFresh(t *testing.T) {
	a, b := storetest.SQLite(t), storetest.SQLite(t)
	ctx := context.Background()
	if err := a.CreateUser(ctx, &store.User{Username: "x"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := b.CountUsers(ctx); n != 0 {
		t.Fatal("SQLite databases are shared")
	}
}

// TestEachParallel: the two subtests of EachParallel run at the same time (each waits
// for the other to start), each with its own fresh database.
func TestEachParallel(t *testing.T) {
	var started sync.WaitGroup
	started.Add(2)
	if os.Getenv(storetest.EnvPostgresURL) == "" {
		started.Done() // the postgres subtest skips before fn
	}
	storetest.EachParallel(t, func(t *testing.T, db *store.DB) {
		started.Done()
		done := make(chan struct{})
		go func() { started.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("the other subtest did not start: the subtests are not parallel")
		}
		ctx := context.Background()
		if err := db.CreateUser(ctx, &store.User{Username: "same-name"}); err != nil {
			t.Fatalf("database not fresh: %v", err)
		}
	})
}

// TestPrepared: prepare runs once per dialect, and every database is a fresh copy of
// its result: what one test writes, the next copy does not hold.
func TestPrepared(t *testing.T) {
	var calls sync.Map // dialect → *atomic.Int64
	p := storetest.NewPrepared(func(ctx context.Context, db *store.DB) error {
		n, _ := calls.LoadOrStore(db.Dialect(), new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
		return db.CreateUser(ctx, &store.User{Username: "prepared"})
	})
	for _, open := range []func(testing.TB) *store.DB{p.SQLite, p.Postgres} {
		ctx := context.Background()
		a := open(t)
		if err := a.CreateUser(ctx, &store.User{Username: "only-in-a"}); err != nil {
			t.Fatal(err)
		}
		b := open(t)
		for db, want := range map[*store.DB]int64{a: 2, b: 1} {
			if n, err := db.CountUsers(ctx); err != nil || n != want {
				t.Fatalf("%s: %d users (%v), want %d", db.Dialect(), n, err, want)
			}
			if _, err := db.UserByUsername(ctx, "prepared"); err != nil {
				t.Fatalf("%s: the prepared user is missing: %v", db.Dialect(), err)
			}
		}
		if n, _ := calls.Load(a.Dialect()); n.(*atomic.Int64).Load() != 1 {
			t.Fatalf("%s: prepared %d times", a.Dialect(), n.(*atomic.Int64).Load())
		}
	}
}

// TestSQLiteDataDir: the directory holds portal.db with every migration applied.
func TestSQLiteDataDir(t *testing.T) {
	dir := storetest.SQLiteDataDir(t)
	db, err := store.Open(context.Background(), "sqlite://"+filepath.Join(dir, "portal.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.MigrationStatus(context.Background())
	if err != nil || len(st) == 0 {
		t.Fatalf("migration status: %d, %v", len(st), err)
	}
	for _, s := range st {
		if !s.Applied {
			t.Fatalf("migration %d is not applied", s.Version)
		}
	}
}

// TestPreparedSQLiteDataDir: each directory holds its own copy of the prepared database,
// migrated, with what prepare wrote.
func TestPreparedSQLiteDataDir(t *testing.T) {
	p := storetest.NewPrepared(func(ctx context.Context, db *store.DB) error {
		return db.CreateUser(ctx, &store.User{Username: "prepared"})
	})
	ctx := context.Background()
	open := func() *store.DB {
		db, err := store.Open(ctx, "sqlite://"+filepath.Join(p.SQLiteDataDir(t), "portal.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	a := open()
	if err := a.CreateUser(ctx, &store.User{Username: "only-in-a"}); err != nil {
		t.Fatal(err)
	}
	b := open()
	for db, want := range map[*store.DB]int64{a: 2, b: 1} {
		if n, err := db.CountUsers(ctx); err != nil || n != want {
			t.Fatalf("%d users (%v), want %d", n, err, want)
		}
		if _, err := db.UserByUsername(ctx, "prepared"); err != nil {
			t.Fatalf("the prepared user is missing: %v", err)
		}
	}
	st, err := b.MigrationStatus(ctx)
	if err != nil || len(st) == 0 || !st[len(st)-1].Applied {
		t.Fatalf("migration status: %v, %v", st, err)
	}
}
