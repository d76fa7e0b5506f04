package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestSearchTrigramsMigration: migration 00072 creates pg_trgm and the search indexes as
// the database's owner without being a superuser (pg_trgm is trusted), and where the role
// may not create the extension it migrates without them, searches still answering.
func TestSearchTrigramsMigration(t *testing.T) {
	ctx := context.Background()
	open := func(t *testing.T, u string) *store.DB {
		t.Helper()
		db, err := store.Open(ctx, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	exec := func(t *testing.T, db *store.DB, stmts ...string) {
		t.Helper()
		for _, s := range stmts {
			if err := db.Gorm().Exec(s).Error; err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	indexes := func(t *testing.T, db *store.DB) int {
		t.Helper()
		var n int
		if err := db.Gorm().Raw(`SELECT COUNT(*) FROM pg_indexes WHERE indexname LIKE '%search_trgm_idx'`).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	// migrate migrates the database at u as the role in u and searches it.
	migrate := func(t *testing.T, u string) *store.DB {
		t.Helper()
		db := open(t, u)
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		if err := db.UpsertSubAccounts(ctx, testMaster, 1, []store.SubAccountInfo{{ID: "id-1", Name: "finance-east", DisplayName: "财务部"}}, time.Now()); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"nance", "财务部", "务"} {
			if p, err := db.ListSubAccountsCapped(ctx, authz.Everything, store.SubAccountFilter{Q: q}); err != nil || p.Total != 1 {
				t.Fatalf("search %q: total %d, %v", q, p.Total, err)
			}
		}
		return db
	}
	base := storetest.PostgresURL(t) // an empty database owned by the tests' role
	admin := open(t, base)
	var super bool
	if err := admin.Gorm().Raw(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super).Error; err != nil {
		t.Fatal(err)
	}

	t.Run("owner", func(t *testing.T) {
		u := base
		if super {
			// A role of its own without superuser, owning a database of its own.
			role := newRole(t, admin)
			exec(t, admin, `CREATE DATABASE `+role+` OWNER `+role)
			t.Cleanup(func() { _ = admin.Gorm().Exec(`DROP DATABASE IF EXISTS ` + role + ` WITH (FORCE)`).Error })
			u = withUser(t, base, role, role)
		}
		db := migrate(t, u)
		if n := indexes(t, db); n != 5 {
			t.Fatalf("%d trigram indexes, want 5", n)
		}
	})
	t.Run("no privilege", func(t *testing.T) {
		if super {
			// The database is someone else's: the role may create tables in its schema
			// but not extensions in the database.
			role := newRole(t, admin)
			name := role + "_db"
			exec(t, admin, `CREATE DATABASE `+name)
			t.Cleanup(func() { _ = admin.Gorm().Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`).Error })
			exec(t, open(t, withUser(t, base, "", name)), `GRANT CREATE ON SCHEMA public TO `+role)
			db := migrate(t, withUser(t, base, role, name))
			if n := indexes(t, db); n != 0 {
				t.Fatalf("%d trigram indexes without the privilege", n)
			}
			return
		}
		// Not a superuser (CI's role): the owner gives up its own right to create
		// extensions in a second empty database.
		u := storetest.PostgresURL(t)
		exec(t, open(t, u), `DO $$ BEGIN EXECUTE format('REVOKE CREATE ON DATABASE %I FROM CURRENT_USER', current_database()); END $$`)
		db := migrate(t, u)
		if n := indexes(t, db); n != 0 {
			t.Fatalf("%d trigram indexes without the privilege", n)
		}
	})
}

// newRole creates a login role without superuser, dropped at cleanup.
func newRole(t *testing.T, admin *store.DB) string {
	t.Helper()
	var b [4]byte
	_, _ = rand.Read(b[:])
	role := "purser_trgm_" + hex.EncodeToString(b[:])
	if err := admin.Gorm().Exec(`CREATE ROLE ` + role + ` LOGIN NOSUPERUSER`).Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Gorm().Exec(`DROP ROLE IF EXISTS ` + role).Error })
	return role
}

// withUser is u as user (u's own when "") on database name (u's own when "").
func withUser(t *testing.T, u, user, name string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		p.User = url.User(user)
	}
	if name != "" {
		p.Path = "/" + name
	}
	return p.String()
}
