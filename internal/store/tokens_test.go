package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func TestAPITokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		alice := mustCreateUser(t, db, "alice")
		bob := mustCreateUser(t, db, "bob")
		exp := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)

		tok := &store.APIToken{UserID: alice.ID, Name: "ci", TokenHash: "hash-1", Prefix: "pt_ab", ExpiresAt: &exp}
		if err := db.CreateAPIToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if tok.ID == 0 || tok.CreatedAt.IsZero() {
			t.Fatalf("after create: %+v", tok)
		}
		tok2 := &store.APIToken{UserID: alice.ID, Name: "cli", TokenHash: "hash-2", Prefix: "pt_cd"}
		if err := db.CreateAPIToken(ctx, tok2); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateAPIToken(ctx, &store.APIToken{UserID: bob.ID, TokenHash: "hash-1"}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate hash: %v", err)
		}

		got, err := db.APITokenByHash(ctx, "hash-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != tok.ID || got.UserID != alice.ID || got.Name != "ci" || got.Prefix != "pt_ab" ||
			got.ExpiresAt == nil || !got.ExpiresAt.Equal(exp) || got.RevokedAt != nil || got.LastUsedAt != nil {
			t.Fatalf("APITokenByHash = %+v", got)
		}
		if _, err := db.APITokenByHash(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing hash: %v", err)
		}

		list, err := db.ListAPITokens(ctx, alice.ID)
		if err != nil || len(list) != 2 || list[0].ID != tok2.ID {
			t.Fatalf("ListAPITokens = %+v, %v", list, err)
		}
		if list, _ := db.ListAPITokens(ctx, bob.ID); len(list) != 0 {
			t.Fatalf("bob has tokens: %+v", list)
		}

		used := time.Date(2026, 6, 1, 12, 0, 0, 500, time.UTC)
		if err := db.TouchAPIToken(ctx, tok.ID, used); err != nil {
			t.Fatal(err)
		}
		if err := db.TouchAPIToken(ctx, 99999, used); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("touch missing: %v", err)
		}

		// Bob cannot revoke Alice's token by id.
		revoked := used.Add(time.Hour)
		if err := db.RevokeAPIToken(ctx, bob.ID, tok.ID, revoked); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoke other's token: %v", err)
		}
		if err := db.RevokeAPIToken(ctx, alice.ID, tok.ID, revoked); err != nil {
			t.Fatal(err)
		}
		// Revoking again keeps the first time.
		if err := db.RevokeAPIToken(ctx, alice.ID, tok.ID, revoked.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, err = db.APITokenByHash(ctx, "hash-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.RevokedAt == nil || !got.RevokedAt.Equal(revoked.Truncate(time.Microsecond)) ||
			got.LastUsedAt == nil || !got.LastUsedAt.Equal(used.Truncate(time.Microsecond)) {
			t.Fatalf("after revoke: %+v", got)
		}
	})
}
