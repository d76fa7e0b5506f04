package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func mustCreateUser(t *testing.T, db *store.DB, username string, roles ...string) *store.User {
	t.Helper()
	u := &store.User{Username: username, DisplayName: username, PasswordHash: "hash-" + username, Roles: roles}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%q): %v", username, err)
	}
	return u
}

func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := &store.User{
			Username: "Alice", DisplayName: "Alice A.", Email: "alice@example.com", PasswordHash: "argon2id$x", TOTPSecret: "ct",
			Roles: []string{"finance", "approver", "finance"}, Scopes: []string{"org-b", "org-a"},
		}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.CreatedAt.IsZero() || u.Username != "alice" {
			t.Fatalf("after create: %+v", u)
		}
		got, err := db.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Username != "alice" || got.DisplayName != "Alice A." || got.Email != "alice@example.com" || got.PasswordHash != "argon2id$x" ||
			got.TOTPSecret != "ct" || got.Disabled || got.LastLoginAt != nil ||
			!slices.Equal(got.Roles, []string{"approver", "finance"}) ||
			!slices.Equal(got.Scopes, []string{"org-a", "org-b"}) ||
			!got.CreatedAt.Equal(u.CreatedAt) || got.CreatedAt.Location() != time.UTC {
			t.Fatalf("UserByID = %+v", got)
		}
		for _, name := range []string{"alice", "ALICE", "aLiCe"} {
			byName, err := db.UserByUsername(ctx, name)
			if err != nil || byName.ID != u.ID || byName.Email != "alice@example.com" {
				t.Fatalf("UserByUsername(%q) = %v, %v", name, byName, err)
			}
		}

		// Duplicate username, any case.
		for _, name := range []string{"alice", "ALICE"} {
			err := db.CreateUser(ctx, &store.User{Username: name})
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("duplicate %q: err = %v, want ErrConflict", name, err)
			}
		}

		// Not found.
		if _, err := db.UserByID(ctx, 99999); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("UserByID(missing) = %v", err)
		}
		if _, err := db.UserByUsername(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("UserByUsername(missing) = %v", err)
		}

		// Setters.
		at := time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.FixedZone("X", 3600))
		steps := []struct {
			name string
			fn   func(id int64) error
		}{
			{"password", func(id int64) error { return db.SetUserPassword(ctx, id, "new-hash") }},
			{"totp", func(id int64) error { return db.SetUserTOTP(ctx, id, "") }},
			{"disabled", func(id int64) error { return db.SetUserDisabled(ctx, id, true) }},
			{"display name", func(id int64) error { return db.SetUserDisplayName(ctx, id, "Alice B.") }},
			{"email", func(id int64) error { return db.SetUserEmail(ctx, id, "a.b@example.org") }},
			{"language", func(id int64) error { return db.SetUserLanguage(ctx, id, "zh") }},
			{"roles", func(id int64) error { return db.SetUserRoles(ctx, id, []string{"viewer", "auditor"}) }},
			{"scopes", func(id int64) error { return db.SetUserScopes(ctx, id, nil) }},
			{"last login", func(id int64) error { return db.TouchLastLogin(ctx, id, at) }},
		}
		for _, s := range steps {
			if err := s.fn(u.ID); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if err := s.fn(99999); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s on missing user: err = %v, want ErrNotFound", s.name, err)
			}
		}
		got, err = db.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantLogin := at.UTC().Truncate(time.Microsecond)
		if got.PasswordHash != "new-hash" || got.TOTPSecret != "" || !got.Disabled ||
			got.DisplayName != "Alice B." || got.Email != "a.b@example.org" || got.Language != "zh" || !slices.Equal(got.Roles, []string{"auditor", "viewer"}) ||
			len(got.Scopes) != 0 || got.LastLoginAt == nil || !got.LastLoginAt.Equal(wantLogin) ||
			got.UpdatedAt.Before(got.CreatedAt) {
			t.Fatalf("after setters: %+v (last login %v)", got, got.LastLoginAt)
		}
		if err := db.SetUserScopes(ctx, u.ID, []string{"org-z"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.UserByID(ctx, u.ID); !slices.Equal(got.Scopes, []string{"org-z"}) {
			t.Fatalf("scopes = %v", got.Scopes)
		}
	})
}

func TestListUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if users, err := db.ListUsers(ctx); err != nil || len(users) != 0 {
			t.Fatalf("ListUsers(empty) = %v, %v", users, err)
		}
		for i := range 12 {
			u := &store.User{Username: fmt.Sprintf("User%02d", 11-i), Email: fmt.Sprintf("u%d@example.com", 11-i), Roles: []string{"viewer"},
				Scopes: []string{fmt.Sprintf("org-%d", i)}}
			if i%2 == 0 {
				u.Roles = append(u.Roles, "finance")
			}
			if err := db.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		n, err := db.CountUsers(ctx)
		if err != nil || n != 12 {
			t.Fatalf("CountUsers = %d, %v", n, err)
		}
		users, err := db.ListUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(users) != 12 {
			t.Fatalf("len = %d", len(users))
		}
		for i, u := range users {
			if want := fmt.Sprintf("user%02d", i); u.Username != want {
				t.Fatalf("users[%d] = %q, want %q", i, u.Username, want)
			}
			orig := 11 - i
			wantRoles := []string{"viewer"}
			if orig%2 == 0 {
				wantRoles = []string{"finance", "viewer"}
			}
			if want := fmt.Sprintf("u%d@example.com", i); u.Email != want {
				t.Fatalf("%s: email %q, want %q", u.Username, u.Email, want)
			}
			if !slices.Equal(u.Roles, wantRoles) || !slices.Equal(u.Scopes, []string{fmt.Sprintf("org-%d", orig)}) {
				t.Fatalf("%s: roles %v scopes %v", u.Username, u.Roles, u.Scopes)
			}
		}
	})
}
