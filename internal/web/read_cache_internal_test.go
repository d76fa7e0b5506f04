package web

import (
	"context"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestCachedRead: an entry serves until this process writes anything (a statement, and
// again at the end of a transaction) or until it is readCacheTTL old.
func TestCachedRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := &Server{db: db}
		now := time.Now()
		readCacheClock = func() time.Time { return now }
		t.Cleanup(func() { readCacheClock = time.Now })
		loads := 0
		read := func() int {
			n, err := cachedRead(s, "k", func() (int, error) { loads++; return loads, nil })
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		write := func(tx *store.DB) {
			if err := tx.SaveSession(ctx, &store.Session{ID: "x", ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		if read() != 1 || read() != 1 {
			t.Fatal("second read not served from the cache")
		}
		write(db)
		if read() != 2 {
			t.Fatal("a write did not retire the entry")
		}
		// Read between a transaction's write and its commit: kept until the commit only.
		if err := db.InTx(ctx, func(tx *store.DB) error {
			write(tx)
			if read() != 3 {
				t.Fatal("the write inside the transaction did not retire the entry")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if read() != 4 {
			t.Fatal("an entry read before the commit survived it")
		}
		now = now.Add(readCacheTTL - time.Millisecond)
		if read() != 4 {
			t.Fatal("expired early")
		}
		now = now.Add(time.Millisecond)
		if read() != 5 {
			t.Fatal("an entry outlived readCacheTTL")
		}
		// Errors are not kept.
		if _, err := cachedRead(s, "e", func() (int, error) { return 0, context.Canceled }); err == nil {
			t.Fatal("no error")
		}
		if n, _ := cachedRead(s, "e", func() (int, error) { return 7, nil }); n != 7 {
			t.Fatal("an error was kept")
		}
	})
}
