package storetest_test

import (
	"context"
	"fmt"
	"testing"

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
