package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestSessionWithUser: the combined loader returns the session as SessionByID does and the
// user exactly as UserByID does, field by field, including fields added later (the test
// user has every field set, so a field the combined query forgets cannot pass as zero).
func TestSessionWithUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
		u := &store.User{Username: "carol", DisplayName: "Carol C.", Email: "carol@example.com", Language: "zh", PasswordHash: "argon2id$y",
			TOTPSecret: "ct", Disabled: true, LastLoginAt: &t0,
			Roles: []string{"finance", "approver"}, Scopes: []string{"org-b", "org-a"}}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		want, err := db.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Every field of the user is set: a new field must be set here too (and loaded).
		wv := reflect.ValueOf(*want)
		for i := range wv.NumField() {
			if wv.Field(i).IsZero() {
				t.Fatalf("test user leaves %s zero: set it so the comparison covers it", wv.Type().Field(i).Name)
			}
		}
		s := &store.Session{ID: "hs", UserID: &u.ID, Data: []byte{1, 2, 3}, IP: "10.0.0.9", UserAgent: "ua",
			CreatedAt: t0, LastSeenAt: t0.Add(time.Minute), ExpiresAt: t0.Add(time.Hour)}
		if err := db.SaveSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		wantSess, err := db.SessionByID(ctx, "hs")
		if err != nil {
			t.Fatal(err)
		}
		gotSess, got, err := db.SessionWithUser(ctx, "hs")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gotSess, wantSess) {
			t.Fatalf("session:\n got %+v\nwant %+v", gotSess, wantSess)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("user:\n got %+v\nwant %+v", got, want)
		}

		// Changes show at once: roles, scopes, the disabled flag.
		if err := db.SetUserRoles(ctx, u.ID, []string{"viewer"}); err != nil {
			t.Fatal(err)
		}
		if err := db.SetUserScopes(ctx, u.ID, nil); err != nil {
			t.Fatal(err)
		}
		if err := db.SetUserDisabled(ctx, u.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, got, err = db.SessionWithUser(ctx, "hs"); err != nil || got == nil ||
			!reflect.DeepEqual(got.Roles, []string{"viewer"}) || len(got.Scopes) != 0 || got.Scopes == nil || got.Disabled {
			t.Fatalf("after changes: %+v, %v", got, err)
		}

		// A session without a user, and one whose user is gone.
		if err := db.SaveSession(ctx, &store.Session{ID: "anon", ExpiresAt: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if s, got, err := db.SessionWithUser(ctx, "anon"); err != nil || s == nil || s.UserID != nil || got != nil {
			t.Fatalf("anonymous: %+v %+v %v", s, got, err)
		}
		if _, _, err := db.SessionWithUser(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing session: %v", err)
		}
		if err := db.DeleteSession(ctx, "hs"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionWithUser(ctx, "hs"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("ended session: %v", err)
		}
	})
}
