package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		alice := mustCreateUser(t, db, "alice")
		bob := mustCreateUser(t, db, "bob")
		t0 := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

		// Anonymous session, then upgraded at login (upsert keeps created_at).
		s := &store.Session{ID: "h1", Data: []byte{0, 1, 2}, IP: "10.0.0.1", UserAgent: "ua",
			CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := db.SaveSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		got, err := db.SessionByID(ctx, "h1")
		if err != nil {
			t.Fatal(err)
		}
		if got.UserID != nil || !bytes.Equal(got.Data, []byte{0, 1, 2}) || got.IP != "10.0.0.1" ||
			!got.CreatedAt.Equal(t0) || !got.ExpiresAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("SessionByID = %+v", got)
		}
		s2 := &store.Session{ID: "h1", UserID: &alice.ID, Data: []byte("v2"), IP: "10.0.0.2",
			CreatedAt: t0.Add(time.Minute), LastSeenAt: t0.Add(time.Minute), ExpiresAt: t0.Add(2 * time.Hour)}
		if err := db.SaveSession(ctx, s2); err != nil {
			t.Fatal(err)
		}
		got, err = db.SessionByID(ctx, "h1")
		if err != nil {
			t.Fatal(err)
		}
		if got.UserID == nil || *got.UserID != alice.ID || string(got.Data) != "v2" || got.IP != "10.0.0.2" ||
			!got.CreatedAt.Equal(t0) || !got.LastSeenAt.Equal(t0.Add(time.Minute)) ||
			!got.ExpiresAt.Equal(t0.Add(2*time.Hour)) {
			t.Fatalf("after upsert = %+v", got)
		}
		if _, err := db.SessionByID(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("SessionByID(missing) = %v", err)
		}

		// Zero created/last-seen times come from the database clock.
		s3 := &store.Session{ID: "h2", UserID: &alice.ID, ExpiresAt: t0.Add(-time.Minute)}
		if err := db.SaveSession(ctx, s3); err != nil {
			t.Fatal(err)
		}
		if s3.CreatedAt.IsZero() || s3.LastSeenAt.IsZero() {
			t.Fatalf("zero times not filled: %+v", s3)
		}
		if err := db.SaveSession(ctx, &store.Session{ID: "h3", UserID: &bob.ID, ExpiresAt: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}

		list, err := db.ListUserSessions(ctx, alice.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("ListUserSessions = %v, %v", list, err)
		}

		// Expiry: h2 expired before t0.
		n, err := db.DeleteExpiredSessions(ctx, t0)
		if err != nil || n != 1 {
			t.Fatalf("DeleteExpiredSessions = %d, %v", n, err)
		}
		if _, err := db.SessionByID(ctx, "h2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("expired session still there: %v", err)
		}
		// Expiry boundary: sub-second precision survives storage.
		if err := db.SaveSession(ctx, &store.Session{ID: "h4", ExpiresAt: t0.Add(1500 * time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.DeleteExpiredSessions(ctx, t0.Add(1400*time.Millisecond)); n != 0 {
			t.Fatalf("deleted a session 100 ms before its expiry")
		}
		if n, _ := db.DeleteExpiredSessions(ctx, t0.Add(1500*time.Millisecond)); n != 1 {
			t.Fatalf("did not delete a session at its expiry")
		}

		// Delete by user.
		n, err = db.DeleteUserSessions(ctx, alice.ID)
		if err != nil || n != 1 {
			t.Fatalf("DeleteUserSessions = %d, %v", n, err)
		}
		if list, _ := db.ListUserSessions(ctx, alice.ID); len(list) != 0 {
			t.Fatalf("alice still has sessions: %v", list)
		}
		if _, err := db.SessionByID(ctx, "h3"); err != nil {
			t.Fatalf("bob's session gone: %v", err)
		}

		// Delete one; deleting again is fine.
		if err := db.DeleteSession(ctx, "h3"); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteSession(ctx, "h3"); err != nil {
			t.Fatalf("second delete: %v", err)
		}
		if _, err := db.SessionByID(ctx, "h3"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted session still there: %v", err)
		}
	})
}
